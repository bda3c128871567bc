"""A family as the viewer may see it, member by member, for the by-name-by-address export to
SIKS-NG and for the row a field verification sends through the record path. Values come from
the viewer's visible, current records only (the linker's golden rule: civil registry first),
and a member counts only through a visible record carrying the household's KK (the rule of
registry.access.policy.membership_records)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from registry.access.policy import readable_dataset_ids
from registry.linking import KK_UNRELIABLE_FLAGS
from registry.linking.golden import golden_by_person
from registry.models import SOURCE_PRIORITY, Household, Membership, Region, SourceRecord

FIELDS = (
    "nik", "kk_number", "full_name", "sex", "birth_place", "birth_date", "address", "rt", "rw",
    "kelurahan_code", "kecamatan_code", "relationship", "death_date",
)  # fmt: skip


def _members(viewer, households: Sequence[Household]) -> dict[int, list[dict[str, Any]]]:
    memberships = list(
        Membership.objects.filter(household__in=households)
        .select_related("person", "household")
        .order_by("household_id", "id")
    )
    readable = readable_dataset_ids(viewer)
    records = list(
        SourceRecord.objects.filter(
            link__person__in=[m.person_id for m in memberships],
            is_current=True,
            dataset_id__in=readable,
        )
        .with_person()
        .select_related("agency")
    )
    kk_of = {m.person_id: m.household.kk_number for m in memberships}
    # Only records on the household's KK show the membership (a member seen only through
    # another family's card is not this family's, for this viewer).
    records = [r for r in records if r.kk_number and r.kk_number == kk_of.get(r.person_id)]
    golden = golden_by_person(
        [
            {
                "person_id": r.person_id,
                "agency_priority": SOURCE_PRIORITY.get(r.agency.kind, 50),
                "created_at": r.created_at,
                "version": r.version,
                "nik_reliable": bool(r.nik_reliable),
                "kk_reliable": not (KK_UNRELIABLE_FLAGS & set(r.flags or ())),
                **{name: getattr(r, name) for name in FIELDS},
            }
            for r in records
        ],
        FIELDS,
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for m in memberships:
        values = golden.get(m.person_id)
        if values is None:
            continue
        out.setdefault(m.household_id, []).append(
            {
                "person_public_id": m.person.public_id,
                **{name: values.get(name) for name in FIELDS},
                "relationship": values.get("relationship") or m.relationship or "",
                "kk_number": m.household.kk_number,
            }
        )
    return out


def family_members(viewer, household: Household) -> list[str]:
    """Public ids of the members this viewer sees (the persons an audit event names)."""
    return [m["person_public_id"] for m in _members(viewer, [household]).get(household.pk, [])]


def family_rows(viewer, cases: Sequence, *, proposal: bool = True) -> list[dict[str, Any]]:
    """One row per visible member of each case's household, in case order, with region names
    and (for proposals) the proposal's type and reason."""
    households = [c.household for c in cases]
    members = _members(viewer, households)
    codes = {
        m[k]
        for rows in members.values()
        for m in rows
        for k in ("kelurahan_code", "kecamatan_code")
    }
    names = dict(Region.objects.filter(code__in=codes - {None, ""}).values_list("code", "name"))
    rows = []
    for case in cases:
        for m in members.get(case.household_id, []):
            row = {
                **m,
                "household_public_id": case.household.public_id,
                "kelurahan_name": names.get(m["kelurahan_code"] or "", ""),
                "kecamatan_name": names.get(m["kecamatan_code"] or "", ""),
            }
            if proposal:
                row |= {
                    "proposal_id": case.pk,
                    "kind": case.kind,
                    "kind_label": str(case.get_kind_display()),
                    "reason": case.reason,
                    "reason_label": str(case.get_reason_display()),
                    "reason_text": case.reason_text,
                }
            rows.append(row)
    return rows
