"""Role x access level x selector: exactly the permitted records, nothing hinted, every call
audited once, every denial audited as denied."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from registry.models import Household
from registry.selectors import (
    NotFound,
    datasets_readable_by,
    household_get_for_user,
    households_for_user,
    person_get_for_user,
    visible_records,
)

from .conftest import CAPIL_ROWS, DTKS_ROWS, KASUS_ROWS, OPEN_ROWS, PURPOSE, search_hits

pytestmark = pytest.mark.django_db


# Which datasets each standing user may read person-level (open datasets: nobody).
READABLE = {
    "walidata": {"penduduk", "dtks", "kasus"},
    "capil_op": {"penduduk"},
    "owner": {"dtks", "kasus"},
    "owner_analyst": {"dtks", "kasus"},
    "member": {"dtks"},
    "outsider": set(),
    "planner": {"dtks"},
    "auditor": set(),
    "public": set(),
}
ROWS = {"penduduk": CAPIL_ROWS, "dtks": DTKS_ROWS, "kasus": KASUS_ROWS, "statistik": OPEN_ROWS}
AGENCY_OF = {"penduduk": "capil", "dtks": "dinsos", "kasus": "dinsos", "statistik": "bappeda"}
ALL_RECORDS = {(ds, row[0]) for ds, rows in ROWS.items() for row in rows}
PERSONS = ["father", "mother", "son", "open_person"]


def _records_of(cast, person):
    from registry.models import SourceRecord

    return {
        (r.dataset.name, r.source_record_id)
        for r in SourceRecord.objects.filter(link__person=person, is_current=True).select_related(
            "dataset"
        )
    }


def _secrets_of(records):
    """Strings that identify a record: its id, its NIK and its name as sent."""
    out = set()
    for ds, rid in records:
        row = next(r for r in ROWS[ds] if r[0] == rid)
        out |= {rid, row[1], row[3].upper()}
    return out


def _events():
    return AuditEvent.objects.count()


@pytest.mark.parametrize("viewer_name", list(READABLE))
def test_readable_datasets_and_records(cast, viewer_name):
    viewer = cast.viewer(viewer_name)
    assert {d.name for d in datasets_readable_by(viewer)} == READABLE[viewer_name]
    seen = {(r.dataset.name, r.source_record_id) for r in visible_records(viewer)}
    expected = {(ds, rid) for ds, rid in ALL_RECORDS if ds in READABLE[viewer_name]}
    assert seen == expected


@pytest.mark.parametrize("viewer_name", list(READABLE))
@pytest.mark.parametrize("person_name", PERSONS)
def test_person_profile_matrix(cast, viewer_name, person_name):
    viewer = cast.viewer(viewer_name, ip="10.0.0.7", user_agent="pytest")
    person = getattr(cast, person_name)
    held = _records_of(cast, person)
    visible = {rec for rec in held if rec[0] in READABLE[viewer_name]}
    before = _events()
    if not visible:
        with pytest.raises(NotFound):
            person_get_for_user(viewer=viewer, public_id=person.public_id, purpose=PURPOSE)
        assert _events() == before + 1
        event = AuditEvent.objects.order_by("-id").first()
        assert (event.action, event.outcome) == ("person.view", "denied")
        assert event.object_id == person.public_id
        assert event.role == viewer.role and event.actor_id == viewer.user.pk
        assert event.purpose_code == PURPOSE.code and event.ip == "10.0.0.7"
        return
    profile = person_get_for_user(viewer=viewer, public_id=person.public_id, purpose=PURPOSE)
    assert {(r.dataset_name, r.source_record_id) for r in profile.records} == visible
    # Nothing of any record this viewer may not read, anywhere in the profile.
    text = repr(profile).upper()
    readable = {(ds, rid) for ds, rid in ALL_RECORDS if ds in READABLE[viewer_name]}
    for secret in _secrets_of(ALL_RECORDS - readable) - _secrets_of(readable):
        assert secret.upper() not in text, (viewer_name, person_name, "leaks a hidden record")
    assert _events() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.outcome) == ("person.view", "allowed")
    assert event.persons == [person.public_id]
    assert event.agency_code == viewer.agency_code
    assert event.purpose_code == PURPOSE.code and event.purpose_text == PURPOSE.text
    assert event.user_agent == "pytest"


def test_missing_person_is_not_found_and_audited(cast):
    viewer = cast.viewer("walidata")
    with pytest.raises(NotFound):
        person_get_for_user(viewer=viewer, public_id="PNOSUCHPERSON", purpose=PURPOSE)
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.outcome, event.reason, event.persons) == ("denied", "not_found", [])


@pytest.mark.parametrize("viewer_name", list(READABLE))
def test_search_by_nik_matrix(cast, viewer_name):
    viewer = cast.viewer(viewer_name)
    for person_name in PERSONS:
        person = getattr(cast, person_name)
        nik = person.nik
        visible = {rec for rec in _records_of(cast, person) if rec[0] in READABLE[viewer_name]}
        before = _events()
        if viewer.role in ("auditor", "public", "planner"):  # planner: NIKs masked
            with pytest.raises(NotFound):
                search_hits(viewer=viewer, purpose=PURPOSE, nik=nik)
            event = AuditEvent.objects.order_by("-id").first()
            assert event.outcome == "denied"
        else:
            hits = search_hits(viewer=viewer, purpose=PURPOSE, nik=nik)
            assert [h.public_id for h in hits] == ([person.public_id] if visible else [])
            event = AuditEvent.objects.order_by("-id").first()
            assert event.outcome == "allowed"
            assert event.persons == sorted(h.public_id for h in hits)
        assert _events() == before + 1
        assert event.action == "person.search"
        # The searched NIK is never stored in clear.
        assert nik not in str(event.query)
        assert event.query["nik_masked"] == "*" * len(nik)


@pytest.mark.parametrize("viewer_name", list(READABLE))
def test_household_matrix(cast, viewer_name):
    viewer = cast.viewer(viewer_name)
    household = cast.father.memberships.get().household
    members = {
        name: getattr(cast, name)
        for name in ("father", "mother", "son")
        if {
            rec for rec in _records_of(cast, getattr(cast, name)) if rec[0] in READABLE[viewer_name]
        }
    }
    before = _events()
    if not members:
        with pytest.raises(NotFound):
            household_get_for_user(viewer=viewer, public_id=household.public_id, purpose=PURPOSE)
        event = AuditEvent.objects.order_by("-id").first()
        assert (event.action, event.outcome) == ("household.view", "denied")
        assert household not in households_for_user(viewer)
    else:
        profile = household_get_for_user(
            viewer=viewer, public_id=household.public_id, purpose=PURPOSE
        )
        assert {m.public_id for m in profile.members} == {p.public_id for p in members.values()}
        assert household in households_for_user(viewer)
        event = AuditEvent.objects.order_by("-id").first()
        assert (event.action, event.outcome) == ("household.view", "allowed")
        assert set(event.persons) == {p.public_id for p in members.values()}
        if "mother" not in members:
            assert "FATIMAH" not in repr(profile).upper()
    assert _events() == before + 1


def test_open_dataset_household_is_nobodys(cast):
    household = Household.objects.get(memberships__person=cast.open_person)
    for name in READABLE:
        assert household not in households_for_user(cast.viewer(name))


def test_readable_datasets_is_one_query(cast, django_assert_num_queries):
    viewer = cast.viewer("member")
    with django_assert_num_queries(1):
        list(visible_records(viewer))
