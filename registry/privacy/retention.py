"""Retention periods and their scheduled destruction (UU PDP art. 43-44).

`retention_purge` destroys, per dataset with a policy:
- superseded record versions whose successor arrived more than `retention_days` ago (the
  current version stays; golden values are built from current versions only);
- every record of a dataset that ended more than `retention_days` ago; the persons they
  described get their golden values rebuilt from what remains (`refresh_persons`), and a
  person left with no record at all keeps only its opaque id (values blanked, family card
  membership removed) so merge redirects and the audit trail still resolve.
Aid receipts, record links and review pairs of destroyed versions go with them (cascades).

Each dataset's destruction is one transaction ending with one audit event,
`retention.purge`: the tombstone. It names the persons touched (their public ids, so a
subject access report still shows that and when their data were destroyed), the number of
versions and the destroyed rows' ids, never a value. Runs nightly as a procrastinate
periodic task (`registry.privacy.tasks`) or by hand: `manage.py purge_retention`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from audit.actions import Action
from audit.services import audit_record
from registry.linking import refresh_persons
from registry.models import Dataset, Membership, Person, RecordLink, SourceRecord
from registry.privacy.models import RetentionPolicy
from registry.privacy.services import privacy_audit, require_privacy_role
from registry.selectors import Viewer

logger = logging.getLogger(__name__)
TOMBSTONE_IDS_MAX = 1000
# Golden fields blanked on a person whose every record was destroyed.
BLANKED = {
    "nik": "", "kk_number": "", "full_name": "", "name_key": "", "sex": "", "birth_place": "",
    "birth_date": None, "death_date": None, "address": "", "rt": None, "rw": None,
    "kelurahan_code": "", "kecamatan_code": "", "golden_sources": {},
}  # fmt: skip


@dataclass
class DatasetPurge:
    dataset_id: int
    superseded: int = 0
    ended: int = 0
    persons_refreshed: int = 0
    persons_emptied: int = 0
    record_ids: list[int] = field(default_factory=list)


def retention_set(
    *, viewer: Viewer, dataset: Dataset, retention_days: int, ended_at: dt.datetime | None = None
) -> RetentionPolicy:
    from django.core.exceptions import ValidationError

    require_privacy_role(
        viewer, action=Action.RETENTION_SET, object_type="dataset", object_id=dataset.pk
    )
    if retention_days < 1:
        raise ValidationError({"retention_days": "sedikitnya 1 hari"})
    with transaction.atomic():
        policy, _created = RetentionPolicy.objects.select_for_update().update_or_create(
            dataset=dataset,
            defaults={
                "retention_days": retention_days,
                "ended_at": ended_at,
                "updated_by": viewer.user,
            },
        )
        privacy_audit(
            viewer,
            action=Action.RETENTION_SET,
            obj=policy,
            detail={
                "dataset": dataset.pk,
                "retention_days": retention_days,
                "ended_at": ended_at.isoformat() if ended_at else None,
            },
        )
    return policy


def _superseded_before(dataset: Dataset, cutoff: dt.datetime) -> list[int]:
    successor = SourceRecord.objects.filter(
        agency_id=OuterRef("agency_id"),
        source_record_id=OuterRef("source_record_id"),
        version=OuterRef("version") + 1,
    ).values("created_at")[:1]
    return list(
        SourceRecord.objects.filter(dataset=dataset, is_current=False)
        .annotate(superseded_at=Subquery(successor))
        .filter(superseded_at__lt=cutoff)
        .values_list("pk", flat=True)
    )


def _purge_dataset(policy: RetentionPolicy, now: dt.datetime, actor) -> DatasetPurge:
    dataset = policy.dataset
    cutoff = now - dt.timedelta(days=policy.retention_days)
    result = DatasetPurge(dataset_id=dataset.pk)
    with transaction.atomic():
        ids = set(_superseded_before(dataset, cutoff))
        result.superseded = len(ids)
        ended = policy.ended_at is not None and policy.ended_at < cutoff
        if ended:
            everything = set(
                SourceRecord.objects.filter(dataset=dataset).values_list("pk", flat=True)
            )
            result.ended = len(everything - ids)
            ids |= everything
        if not ids:
            return result
        # The persons of the destroyed versions: their own links, or (for versions replaced
        # before they were ever linked) the link of the same agency row's current version.
        keys = SourceRecord.objects.filter(pk__in=ids).values("agency_id", "source_record_id")
        same_rows = SourceRecord.objects.filter(
            is_current=True,
            agency_id__in={k["agency_id"] for k in keys},
            source_record_id__in={k["source_record_id"] for k in keys},
        ).values("pk")
        touched = dict(
            RecordLink.objects.filter(Q(record_id__in=ids) | Q(record_id__in=same_rows))
            .values_list("person_id", "person__public_id")
            .distinct()
        )
        SourceRecord.objects.filter(pk__in=ids).delete()
        if ended and touched:
            remaining = set(
                RecordLink.objects.filter(person_id__in=touched, record__is_current=True)
                .values_list("person_id", flat=True)
                .distinct()
            )
            if remaining:
                refresh_persons(sorted(remaining))
            empty = sorted(set(touched) - remaining)
            Membership.objects.filter(person_id__in=empty).delete()
            Person.objects.filter(pk__in=empty).update(**BLANKED, updated_at=now)
            result.persons_refreshed, result.persons_emptied = len(remaining), len(empty)
        result.record_ids = sorted(ids)
        audit_record(
            actor=actor,
            action=Action.RETENTION_PURGE,
            object_type="dataset",
            object_id=str(dataset.pk),
            persons=sorted(touched.values()),
            reason="retention",
            detail={
                "retention_days": policy.retention_days,
                "cutoff": cutoff.isoformat(),
                "superseded_versions": result.superseded,
                "ended_dataset_records": result.ended,
                "persons_refreshed": result.persons_refreshed,
                "persons_emptied": result.persons_emptied,
                "record_ids": result.record_ids[:TOMBSTONE_IDS_MAX],
                "record_ids_total": len(result.record_ids),
            },
        )
    logger.info(
        "retention purge dataset=%s superseded=%s ended=%s emptied=%s",
        dataset.pk, result.superseded, result.ended, result.persons_emptied,
    )  # fmt: skip
    return result


def retention_purge(*, actor=None, now: dt.datetime | None = None) -> list[DatasetPurge]:
    """Destroy what is past retention, dataset by dataset (each its own transaction)."""
    now = now or timezone.now()
    policies = RetentionPolicy.objects.select_related("dataset").order_by(F("dataset_id"))
    return [_purge_dataset(p, now, actor) for p in policies]
