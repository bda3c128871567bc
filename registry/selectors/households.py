"""Household reads: the household as a viewer may see it (visible members only) and the one
audited household read under the API profile and the household aid page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from audit.actions import Action
from registry.access.policy import (
    mask_number,
    readable_dataset_ids,
)
from registry.access.reads import (
    NotFound,
    Purpose,
    audit_denial,
    audit_read,
    require_purpose,
)
from registry.access.viewer import Viewer
from registry.models import (
    Household,
    Membership,
    SourceRecord,
)
from registry.roles import (
    PERSON_ROLES,
)
from registry.selectors.records import region_names, visible_golden
from registry.selectors.views import HouseholdMember, HouseholdProfile, HouseholdSummary

logger = logging.getLogger(__name__)


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
    golden = visible_golden(records)
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
    names = region_names({kel, kec})
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


def household_read(
    *,
    viewer: Viewer,
    public_id: str,
    purpose: Purpose,
    extend: Callable[..., tuple[Any, dict[str, Any]]] | None = None,
) -> tuple[HouseholdProfile, Any]:
    """The one household read (API profile, web household page with its aid): the household
    as the viewer may see it and, when given, what
    `extend(household=, memberships=, members=, readable=)` adds to it in the same
    transaction, returned with its audit detail. One audit event names every member shown;
    missing and forbidden both raise NotFound, the denial audited."""
    public_id = (public_id or "").strip()
    target = {"action": Action.HOUSEHOLD_VIEW, "object_type": "household", "object_id": public_id}
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
                            household=household,
                            memberships=memberships,
                            members=members,
                            readable=readable,
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
