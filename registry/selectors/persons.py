"""Person reads: merge redirects, the profile assembled from visible records, the audited
person selector."""

from __future__ import annotations

import logging

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
    AidReceipt,
    Membership,
    Person,
    PersonLinkEvent,
    SourceRecord,
)
from registry.roles import (
    AID_ROLES,
    PERSON_ROLES,
)
from registry.selectors.households import household_view
from registry.selectors.records import record_views, region_names, visible_golden
from registry.selectors.views import (
    AidView,
    LinkEventView,
    PersonProfile,
)

logger = logging.getLogger(__name__)


MERGE_REDIRECT_MAX = 20


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
    golden = visible_golden(records)[person.pk]
    if viewer.masked:
        golden["nik"] = mask_number(golden.get("nik"))
        golden["kk_number"] = mask_number(golden.get("kk_number"))
    names = region_names({golden.get("kelurahan_code") or "", golden.get("kecamatan_code") or ""})
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
    link_events = list(PersonLinkEvent.objects.filter(person=person).select_related("other")[:100])
    # The other person's id only when the viewer could open that person (a readable record),
    # or it is an old id that now redirects here: otherwise the id would reveal a person the
    # viewer's datasets do not hold (a split-off record of a closed dataset, say).
    seen_others = set(
        SourceRecord.objects.filter(
            link__person_id__in=[e.other_id for e in link_events],
            is_current=True,
            dataset_id__in=readable,
        ).values_list("link__person_id", flat=True)
    )
    events = [
        LinkEventView(
            kind=e.kind,
            other_public_id=(
                e.other.public_id
                if e.other_id in seen_others or e.other.merged_into_id == person.pk
                else ""
            ),
            occurred_at=e.occurred_at,
            reason=e.reason,
        )
        for e in link_events
    ]
    return PersonProfile(
        public_id=person.public_id,
        redirected_from=redirected_from,
        golden=golden,
        records=record_views(viewer, records, readable),
        household=household,
        aid=aid,
        link_events=events,
        masked=viewer.masked,
    )


# --- the selectors ------------------------------------------------------------------------


def person_get_for_user(*, viewer: Viewer, public_id: str, purpose: Purpose) -> PersonProfile:
    public_id = (public_id or "").strip()
    target = {"object_type": "person", "object_id": public_id}
    purpose = require_purpose(viewer, purpose, action=Action.PERSON_VIEW, **target)
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
                        action=Action.PERSON_VIEW,
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
        viewer, action=Action.PERSON_VIEW, persons=persons, purpose=purpose, reason=reason, **target
    )
    raise NotFound(public_id)
