"""The registry's catalogue: agencies (OPD) and their datasets with Satu Data metadata, created
and edited by the walidata from the administration pages. Each write is one transaction with
its audit event (architecture.md lessons 1-2), like accounts and grants."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.actions import Action
from registry.models import (
    AccessLevel,
    Agency,
    AgencyKind,
    Dataset,
    DatasetKind,
    UpdateFrequency,
)
from registry.services.accounts import audit_write, require_walidata

AGENCY_EDITABLE = ("name", "kind")
DATASET_EDITABLE = ("title", "description", "producer", "update_frequency", "access_level")


def _check_choice(field: str, value: str, choices) -> None:
    if value not in choices.values:
        raise ValidationError({field: _("Unknown value %(value)s.") % {"value": value}})


def agency_create(*, actor, code: str, name: str, kind: str) -> Agency:
    require_walidata(actor, action=Action.AGENCY_CREATE, object_type="agency", object_id=code)
    _check_choice("kind", kind, AgencyKind)
    agency = Agency(code=code.strip().lower(), name=name.strip(), kind=kind)
    with transaction.atomic():
        agency.full_clean()
        agency.save()
        audit_write(
            actor,
            action=Action.AGENCY_CREATE,
            object_type="agency",
            object_id=str(agency.pk),
            detail={"code": agency.code, "name": agency.name, "kind": agency.kind},
        )
    return agency


def agency_update(*, actor, agency: Agency, name: str, kind: str) -> Agency:
    """Name and kind only: the code is the agency's key in files, groups and audit events."""
    require_walidata(
        actor, action=Action.AGENCY_UPDATE, object_type="agency", object_id=str(agency.pk)
    )
    _check_choice("kind", kind, AgencyKind)
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        before = {f: getattr(agency, f) for f in AGENCY_EDITABLE}
        agency.name = name.strip()
        agency.kind = kind
        agency.full_clean()
        agency.save(update_fields=list(AGENCY_EDITABLE))
        after = {f: getattr(agency, f) for f in AGENCY_EDITABLE}
        audit_write(
            actor,
            action=Action.AGENCY_UPDATE,
            object_type="agency",
            object_id=str(agency.pk),
            detail={"code": agency.code, "changed": _changes(before, after)},
        )
    return agency


def dataset_create(
    *,
    actor,
    agency: Agency,
    name: str,
    title: str,
    producer: str = "",
    description: str = "",
    update_frequency: str = UpdateFrequency.QUARTERLY,
    access_level: str = AccessLevel.CLOSED,
    kind: str = DatasetKind.RECORDS,
) -> Dataset:
    """A dataset of an agency (its owner, fixed for life: its records carry the agency). Its
    kind is fixed too: agency records, or a national DTSEN extract (household decile facts)."""
    require_walidata(actor, action=Action.DATASET_CREATE, object_type="dataset", object_id=name)
    _check_choice("update_frequency", update_frequency, UpdateFrequency)
    _check_choice("access_level", access_level, AccessLevel)
    _check_choice("kind", kind, DatasetKind)
    dataset = Dataset(
        agency=agency,
        name=name.strip().lower(),
        title=title.strip(),
        producer=producer.strip() or agency.name,
        description=description.strip(),
        update_frequency=update_frequency,
        access_level=access_level,
        kind=kind,
    )
    with transaction.atomic():
        dataset.full_clean()
        dataset.save()
        audit_write(
            actor,
            action=Action.DATASET_CREATE,
            object_type="dataset",
            object_id=str(dataset.pk),
            detail={
                "dataset": str(dataset),
                "access_level": dataset.access_level,
                "update_frequency": dataset.update_frequency,
                "kind": dataset.kind,
            },
        )
    return dataset


def dataset_update(*, actor, dataset: Dataset, **changes) -> Dataset:
    """Metadata and access level. Narrowing a restricted dataset to closed leaves its grants in
    place but unused: selectors read grants only for restricted datasets."""
    require_walidata(
        actor, action=Action.DATASET_UPDATE, object_type="dataset", object_id=str(dataset.pk)
    )
    unknown = set(changes) - set(DATASET_EDITABLE)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed.") for f in sorted(unknown)})
    if "update_frequency" in changes:
        _check_choice("update_frequency", changes["update_frequency"], UpdateFrequency)
    if "access_level" in changes:
        _check_choice("access_level", changes["access_level"], AccessLevel)
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().select_related("agency").get(pk=dataset.pk)
        before = {f: getattr(dataset, f) for f in DATASET_EDITABLE}
        for field, value in changes.items():
            setattr(dataset, field, value.strip() if isinstance(value, str) else value)
        dataset.full_clean()
        dataset.save(update_fields=list(DATASET_EDITABLE))
        after = {f: getattr(dataset, f) for f in DATASET_EDITABLE}
        audit_write(
            actor,
            action=Action.DATASET_UPDATE,
            object_type="dataset",
            object_id=str(dataset.pk),
            detail={"dataset": str(dataset), "changed": _changes(before, after)},
        )
    return dataset


def _changes(before: dict, after: dict) -> dict:
    return {k: [before[k], after[k]] for k in before if before[k] != after[k]}
