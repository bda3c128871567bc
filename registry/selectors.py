"""Reads of personal data: every one permission-checked, purpose-bound and audited.

Views and API endpoints call these and nothing else to read persons, households or records.
Rules (domain.md, issue 4):
- person-level data comes only from *readable* datasets: closed -> owner agency + walidata;
  restricted -> owner + agencies holding an active grant (guardian object permission on the
  dataset for the agency group AND an unexpired, unrevoked DatasetGrant) + walidata; open ->
  aggregates only, never a person. Filtering happens in SQL (EXISTS subqueries), never per
  object in Python (guardian issues #68/#151/#811: per-object checks do not scale).
- a profile is assembled from the visible source records only; golden values are recomputed
  from them, so a field held only by an invisible source is not even hinted at.
- missing and forbidden both raise NotFound; the denial is audited in its own transaction
  (callers must not wrap selectors in an outer atomic block, or a denial event would roll
  back with the caller's error; ATOMIC_REQUESTS stays off).
- every call writes exactly one audit event, in the same transaction as the read.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from registry.access.policy import (
    datasets_readable_by,
    households_for_user,
    mask_number,
    membership_records,
    nik_fingerprint,
    readable_dataset_ids,
    visible_records,
)
from registry.access.reads import (
    PURPOSE_CODES,
    PURPOSE_TEXT_MAX,
    InvalidPurpose,
    NotFound,
    Purpose,
    audit_denial,
    audit_read,
    require_purpose,
)
from registry.access.viewer import Viewer, viewer_for, viewer_from_request
from registry.linking import GOLDEN_FIELDS, KK_UNRELIABLE_FLAGS, golden
from registry.models import (
    SOURCE_PRIORITY,
    AidReceipt,
    Household,
    Membership,
    Person,
    PersonLinkEvent,
    Region,
    SourceRecord,
)
from registry.roles import (
    AID_ROLES,
    PERSON_ROLES,
)

logger = logging.getLogger(__name__)

__all__ = [
    "PURPOSE_CODES",
    "PURPOSE_TEXT_MAX",
    "AidView",
    "HouseholdMember",
    "HouseholdProfile",
    "HouseholdSummary",
    "InvalidPurpose",
    "InvalidQuery",
    "LinkEventView",
    "NotFound",
    "PersonProfile",
    "Purpose",
    "RecordVersionView",
    "RecordView",
    "Viewer",
    "audit_denial",
    "audit_read",
    "datasets_readable_by",
    "household_get_for_user",
    "household_read",
    "households_for_user",
    "mask_number",
    "membership_records",
    "nik_fingerprint",
    "person_get_for_user",
    "readable_dataset_ids",
    "require_purpose",
    "resolve_person",
    "viewer_for",
    "viewer_from_request",
    "visible_records",
]

MERGE_REDIRECT_MAX = 20

# Normalised record fields shown in a record view.
RECORD_FIELDS = (
    "nik",
    "nik_reliable",
    "kk_number",
    "full_name",
    "sex",
    "birth_place",
    "birth_date",
    "address",
    "house_number",
    "rt",
    "rw",
    "kelurahan_code",
    "kecamatan_code",
    "relationship",
    "death_date",
    "welfare_decile",
    "program",
    "period",
    "amount",
)
AID_FIELDS = frozenset({"program", "period", "amount"})
GOLDEN_SHOWN = tuple(f for f in GOLDEN_FIELDS if f != "name_key")
_NULLABLE_GOLDEN = frozenset({"birth_date", "death_date", "rt", "rw"})


class InvalidQuery(ValueError):
    """A search without any criterion."""


# --- views of the data --------------------------------------------------------------------


@dataclass(frozen=True)
class RecordVersionView:
    version: int
    created_at: datetime
    fields: dict[str, Any]
    original: dict[str, Any]
    flags: list[str]


@dataclass(frozen=True)
class RecordView:
    agency_code: str
    agency_name: str
    dataset_name: str
    dataset_title: str
    access_level: str
    source_record_id: str
    version: int
    created_at: datetime
    fields: dict[str, Any]
    original: dict[str, Any]
    flags: list[str]
    older_versions: list[RecordVersionView] = field(default_factory=list)


@dataclass(frozen=True)
class HouseholdMember:
    public_id: str
    display_name: str
    relationship: str
    sex: str
    birth_year: int | None


@dataclass(frozen=True)
class HouseholdSummary:
    public_id: str
    kk_number: str
    address: str
    rt: int | None
    rw: int | None
    kelurahan_code: str
    kelurahan_name: str
    kecamatan_code: str
    kecamatan_name: str
    welfare_decile: int | None
    members: list[HouseholdMember]


@dataclass(frozen=True)
class HouseholdProfile(HouseholdSummary):
    masked: bool = False


@dataclass(frozen=True)
class AidView:
    program: str
    period: str
    amount: int | None
    agency_code: str
    source_record_id: str


@dataclass(frozen=True)
class LinkEventView:
    kind: str
    other_public_id: str
    occurred_at: datetime
    reason: str


@dataclass(frozen=True)
class PersonProfile:
    public_id: str
    redirected_from: str | None
    golden: dict[str, Any]
    records: list[RecordView]
    household: HouseholdSummary | None
    aid: list[AidView]
    link_events: list[LinkEventView]
    masked: bool = False


# --- assembling profiles ------------------------------------------------------------------


def _golden_by_person(records: list[SourceRecord]) -> dict[int, dict[str, Any]]:
    """Golden values per person from the given (visible, current) records, by the linker's
    one rule (registry.linking.golden): a field held only by an invisible record is not even
    hinted at."""
    rows = [
        {
            "person_id": r.person_id,
            "agency_priority": SOURCE_PRIORITY.get(r.agency.kind, 50),
            "created_at": r.created_at,
            "version": r.version,
            "nik_reliable": bool(r.nik_reliable),
            "kk_reliable": not (KK_UNRELIABLE_FLAGS & set(r.flags or ())),
            **{name: getattr(r, name) for name in GOLDEN_SHOWN},
        }
        for r in records
    ]
    result = golden.golden_by_person(rows, GOLDEN_SHOWN)
    for values in result.values():
        for name in GOLDEN_SHOWN:
            if values[name] is None and name not in _NULLABLE_GOLDEN:
                values[name] = ""
    return result


@functools.lru_cache(maxsize=1)
def _all_region_names() -> dict[str, str]:
    # Reference data loaded by migration (a city's ~120 kecamatan/kelurahan): read once.
    return dict(Region.objects.values_list("code", "name"))


def _region_names(codes: set[str]) -> dict[str, str]:
    names = _all_region_names()
    if any(c and c not in names for c in codes):
        _all_region_names.cache_clear()  # regions were (re)loaded since: read them again
        names = _all_region_names()
    return {c: names[c] for c in codes if c in names}


def _record_fields(record: SourceRecord, viewer: Viewer) -> dict[str, Any]:
    fields = {f: getattr(record, f) for f in RECORD_FIELDS}
    if viewer.role not in AID_ROLES:
        for f in AID_FIELDS:
            fields.pop(f, None)
    if viewer.masked:
        fields["nik"] = mask_number(fields["nik"])
        fields["kk_number"] = mask_number(fields["kk_number"])
    return fields


def _record_original(record: SourceRecord, viewer: Viewer) -> dict[str, Any]:
    # Original values hold NIK/KK as sent; masked roles get none of them.
    return {} if viewer.masked else dict(record.original or {})


def _record_views(
    viewer: Viewer, records: list[SourceRecord], readable: list[int]
) -> list[RecordView]:
    older: dict[tuple[int, str], list[RecordVersionView]] = {}
    # Version 1 everywhere (the common case) means no older versions: skip the query.
    if any(r.version > 1 for r in records):
        keys = Q()
        for r in records:
            keys |= Q(agency_id=r.agency_id, source_record_id=r.source_record_id)
        for old in SourceRecord.objects.filter(
            keys, is_current=False, dataset_id__in=readable
        ).order_by("-version"):
            older.setdefault((old.agency_id, old.source_record_id), []).append(
                RecordVersionView(
                    version=old.version,
                    created_at=old.created_at,
                    fields=_record_fields(old, viewer),
                    original=_record_original(old, viewer),
                    flags=list(old.flags or []),
                )
            )
    ordered = sorted(
        records,
        key=lambda r: (SOURCE_PRIORITY.get(r.agency.kind, 50), r.agency.code, r.source_record_id),
    )
    return [
        RecordView(
            agency_code=r.agency.code,
            agency_name=r.agency.name,
            dataset_name=r.dataset.name,
            dataset_title=r.dataset.title,
            access_level=r.dataset.access_level,
            source_record_id=r.source_record_id,
            version=r.version,
            created_at=r.created_at,
            fields=_record_fields(r, viewer),
            original=_record_original(r, viewer),
            flags=list(r.flags or []),
            older_versions=older.get((r.agency_id, r.source_record_id), []),
        )
        for r in ordered
    ]


def household_view(
    viewer: Viewer,
    household: Household,
    cls: type[HouseholdSummary] = HouseholdSummary,
    readable: list[int] | None = None,
    memberships: list[Membership] | None = None,
) -> tuple[HouseholdSummary, list[str]] | None:
    """The household as the viewer may see it, with the visible members' public ids; None
    when no member is visible."""
    if memberships is None:
        memberships = list(
            Membership.objects.filter(household=household).select_related("person").order_by("id")
        )
    person_ids = [m.person_id for m in memberships]
    if readable is None:
        readable = readable_dataset_ids(viewer)
    records = list(
        SourceRecord.objects.filter(
            link__person__in=person_ids, is_current=True, dataset_id__in=readable
        )
        .with_person()
        .select_related("agency")
    )
    # Members whose membership a visible record shows (it carries the household's KK); the
    # others, and their records, stay out (see membership_records).
    shown = {r.person_id for r in records if r.kk_number and r.kk_number == household.kk_number}
    records = [r for r in records if r.person_id in shown]
    if not records:
        return None
    golden = _golden_by_person(records)
    by_person: dict[int, list[SourceRecord]] = {}
    for r in records:
        by_person.setdefault(r.person_id, []).append(r)
    members = []
    for m in memberships:
        if m.person_id not in golden:
            continue
        g = golden[m.person_id]
        relationships = {r.relationship for r in by_person[m.person_id] if r.relationship}
        # The stored relationship may come from a source this viewer cannot see.
        relationship = m.relationship if m.relationship in relationships else ""
        if not relationship and relationships:
            relationship = sorted(relationships)[0]
        birth = g.get("birth_date")
        members.append(
            HouseholdMember(
                public_id=m.person.public_id,
                display_name=g.get("full_name") or "",
                relationship=relationship,
                sex=g.get("sex") or "",
                birth_year=birth.year if birth else None,
            )
        )
    # Household-level values from the visible records only: a shown member's record carries
    # the KK; address fields come from the head's (or first) golden values.
    kk = household.kk_number
    anchor = next(
        (golden[m.person_id] for m in memberships if m.person_id in golden and m.relationship),
        next(iter(golden.values())),
    )
    # The decile is the household's as a visible record on its KK states it (the same rule as
    # the reports' household_visible_values).
    deciles = sorted(
        (r for r in records if r.welfare_decile is not None and r.kk_number == kk),
        key=lambda r: (r.created_at, r.pk),
        reverse=True,
    )
    kel = anchor.get("kelurahan_code") or ""
    kec = anchor.get("kecamatan_code") or ""
    names = _region_names({kel, kec})
    extra = {"masked": viewer.masked} if cls is HouseholdProfile else {}
    summary = cls(
        public_id=household.public_id,
        kk_number=mask_number(kk) if viewer.masked else kk,
        address=anchor.get("address") or "",
        rt=anchor.get("rt"),
        rw=anchor.get("rw"),
        kelurahan_code=kel,
        kelurahan_name=names.get(kel, ""),
        kecamatan_code=kec,
        kecamatan_name=names.get(kec, ""),
        welfare_decile=deciles[0].welfare_decile if deciles else None,
        members=members,
        **extra,
    )
    return summary, [m.public_id for m in members]


def resolve_person(public_id: str) -> tuple[Person | None, str | None]:
    """The active person behind a public id, following merge redirects."""
    person = Person.objects.filter(public_id=public_id).first()
    redirected_from = None
    hops = 0
    while person is not None and person.status == Person.Status.MERGED:
        redirected_from = public_id
        if person.merged_into_id is None or hops >= MERGE_REDIRECT_MAX:
            return None, None
        person = Person.objects.filter(pk=person.merged_into_id).first()
        hops += 1
    return person, redirected_from


def _person_profile(viewer: Viewer, person: Person, redirected_from: str | None):
    readable = readable_dataset_ids(viewer)
    records = list(
        SourceRecord.objects.filter(link__person=person, is_current=True, dataset_id__in=readable)
        .with_person()
        .select_related("agency", "dataset")
    )
    if not records:
        return None
    golden = _golden_by_person(records)[person.pk]
    if viewer.masked:
        golden["nik"] = mask_number(golden.get("nik"))
        golden["kk_number"] = mask_number(golden.get("kk_number"))
    names = _region_names({golden.get("kelurahan_code") or "", golden.get("kecamatan_code") or ""})
    golden["kelurahan_name"] = names.get(golden.get("kelurahan_code") or "", "")
    golden["kecamatan_name"] = names.get(golden.get("kecamatan_code") or "", "")
    household = None
    # The person's household and all its memberships in one query.
    memberships = list(
        Membership.objects.filter(household__memberships__person=person)
        .select_related("person", "household")
        .order_by("id")
    )
    if memberships:
        view = household_view(
            viewer, memberships[0].household, readable=readable, memberships=memberships
        )
        household = view[0] if view else None
    aid: list[AidView] = []
    if viewer.role in AID_ROLES and any(r.program for r in records):
        by_id = {r.pk: r for r in records}
        receipts = AidReceipt.objects.filter(source_record_id__in=list(by_id))
        aid = sorted(
            (
                AidView(
                    program=a.program,
                    period=a.period,
                    amount=a.amount,
                    agency_code=by_id[a.source_record_id].agency.code,
                    source_record_id=by_id[a.source_record_id].source_record_id,
                )
                for a in receipts
            ),
            key=lambda a: (a.period, a.program, a.agency_code),
        )
    events = [
        LinkEventView(
            kind=e.kind,
            other_public_id=e.other.public_id,
            occurred_at=e.occurred_at,
            reason=e.reason,
        )
        for e in PersonLinkEvent.objects.filter(person=person).select_related("other")[:100]
    ]
    return PersonProfile(
        public_id=person.public_id,
        redirected_from=redirected_from,
        golden=golden,
        records=_record_views(viewer, records, readable),
        household=household,
        aid=aid,
        link_events=events,
        masked=viewer.masked,
    )


# --- the selectors ------------------------------------------------------------------------


def person_get_for_user(*, viewer: Viewer, public_id: str, purpose: Purpose) -> PersonProfile:
    public_id = (public_id or "").strip()
    target = {"object_type": "person", "object_id": public_id}
    purpose = require_purpose(viewer, purpose, action="person.view", **target)
    reason = "role"
    persons: list[str] = []
    if viewer.role in PERSON_ROLES:
        with transaction.atomic():
            person, redirected_from = resolve_person(public_id)
            reason = "not_found"
            if person is not None:
                persons = [person.public_id]
                profile = _person_profile(viewer, person, redirected_from)
                reason = "no_visible_record"
                if profile is not None:
                    touched = [person.public_id] + ([redirected_from] if redirected_from else [])
                    audit_read(
                        viewer,
                        action="person.view",
                        persons=touched,
                        purpose=purpose,
                        detail={
                            "records": len(profile.records),
                            "datasets": sorted({r.dataset_name for r in profile.records}),
                            "redirected_from": redirected_from,
                            "masked": viewer.masked,
                        },
                        **target,
                    )
                    return profile
    audit_denial(
        viewer, action="person.view", persons=persons, purpose=purpose, reason=reason, **target
    )
    raise NotFound(public_id)


def household_read(
    *,
    viewer: Viewer,
    public_id: str,
    purpose: Purpose,
    extend: Callable[..., tuple[Any, dict[str, Any]]] | None = None,
) -> tuple[HouseholdProfile, Any]:
    """The one household read (API profile, web household page with its aid): the household
    as the viewer may see it and, when given, what `extend(memberships=, members=, readable=)`
    adds to it in the same transaction, returned with its audit detail. One audit event names
    every member shown; missing and forbidden both raise NotFound, the denial audited."""
    public_id = (public_id or "").strip()
    target = {"action": "household.view", "object_type": "household", "object_id": public_id}
    purpose = require_purpose(viewer, purpose, **target)
    reason = "role"
    if viewer.role in PERSON_ROLES:
        with transaction.atomic():
            household = Household.objects.filter(public_id=public_id).first()
            reason = "not_found"
            if household is not None:
                readable = readable_dataset_ids(viewer)
                memberships = list(
                    Membership.objects.filter(household=household)
                    .select_related("person")
                    .order_by("id")
                )
                view = household_view(
                    viewer,
                    household,
                    cls=HouseholdProfile,
                    readable=readable,
                    memberships=memberships,
                )
                reason = "no_visible_member"
                if view is not None:
                    profile, members = view
                    assert isinstance(profile, HouseholdProfile)  # noqa: S101
                    extra, extra_detail = (None, {})
                    if extend is not None:
                        extra, extra_detail = extend(
                            memberships=memberships, members=members, readable=readable
                        )
                    audit_read(
                        viewer,
                        persons=members,
                        purpose=purpose,
                        detail={
                            "members": len(members),
                            "masked": viewer.masked,
                            **extra_detail,
                        },
                        **target,
                    )
                    return profile, extra
    audit_denial(viewer, purpose=purpose, reason=reason, **target)
    raise NotFound(public_id)


def household_get_for_user(*, viewer: Viewer, public_id: str, purpose: Purpose) -> HouseholdProfile:
    return household_read(viewer=viewer, public_id=public_id, purpose=purpose)[0]
