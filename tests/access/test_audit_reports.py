"""Auditor tools and the subject access report: who may use them, what they find, and that
using them is itself audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record_many, verify_chain
from registry.audit_reports import (
    audit_events_csv,
    audit_events_for_user,
    subject_access_report,
    unusual_access,
    what_user_viewed,
    who_viewed_person,
)
from registry.models import Person
from registry.selectors import NotFound, person_get_for_user

from .conftest import FATHER_NIK, PURPOSE

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewed(cast):
    person_get_for_user(viewer=cast.viewer("member"), public_id=cast.father.public_id,
                        purpose=PURPOSE)  # fmt: skip
    with pytest.raises(NotFound):
        person_get_for_user(viewer=cast.viewer("outsider"), public_id=cast.father.public_id,
                            purpose=PURPOSE)  # fmt: skip
    return cast


@pytest.mark.parametrize("name", ["auditor", "walidata"])
def test_who_viewed_person(viewed, name):
    rows = who_viewed_person(viewer=viewed.viewer(name), public_id=viewed.father.public_id)
    reads = [(r.actor_username, r.outcome) for r in rows if r.action == "person.view"]
    assert ("member", "allowed") in reads and ("outsider", "denied") in reads
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.role, event.outcome) == ("audit.view", name, "allowed")


@pytest.mark.parametrize("name", ["owner", "member", "planner", "public"])
def test_audit_tools_refused_to_others_and_audited(viewed, name):
    viewer = viewed.viewer(name)
    calls = [
        lambda: who_viewed_person(viewer=viewer, public_id=viewed.father.public_id),
        lambda: what_user_viewed(viewer=viewer, username="member"),
        lambda: unusual_access(viewer=viewer, since=timezone.now() - dt.timedelta(days=1)),
        lambda: audit_events_for_user(viewer=viewer),
        lambda: audit_events_csv(viewer=viewer),
        lambda: subject_access_report(viewer=viewer, public_id=viewed.father.public_id),
    ]
    for call in calls:
        before = AuditEvent.objects.count()
        with pytest.raises(NotFound):
            call()
        assert AuditEvent.objects.count() == before + 1
        assert AuditEvent.objects.order_by("-id").first().outcome == "denied"


def test_what_user_viewed_and_filters(viewed):
    auditor = viewed.viewer("auditor")
    rows = what_user_viewed(viewer=auditor, username="member")
    assert [r.action for r in rows] == ["person.view"]
    assert rows[0].persons == [viewed.father.public_id]
    denied = audit_events_for_user(viewer=auditor, outcome="denied", action="person.view")
    assert {r.actor_username for r in denied} == {"outsider"}
    text = audit_events_csv(viewer=auditor, actor_username="member")
    assert text.splitlines()[0].startswith("id,occurred_at,actor_username")
    assert "person.view" in text
    assert AuditEvent.objects.filter(action="audit.export", role="auditor").exists()


def test_subject_access_report_is_walidata_only_and_complete(viewed):
    with pytest.raises(NotFound):
        subject_access_report(viewer=viewed.viewer("auditor"), public_id=viewed.father.public_id)
    old = Person.objects.create(
        public_id="POLDFATHER01", status="merged", merged_into=viewed.father
    )
    report = subject_access_report(
        viewer=viewed.viewer("walidata"), public_id=old.public_id, request_ref="SAR-2026-001"
    )
    assert report.public_id == viewed.father.public_id
    assert set(report.known_ids) == {viewed.father.public_id, "POLDFATHER01"}
    assert {(h.agency_code, h.source_record_id) for h in report.holdings} == {
        ("capil", "CAP-1"),
        ("dinsos", "DTKS-1"),
    }
    assert report.golden["nik"] == FATHER_NIK
    assert report.aid[0]["program"] == "PKH"
    actors = {(a.actor_username, a.outcome) for a in report.accesses}
    assert {("member", "allowed"), ("outsider", "denied")} <= actors
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.purpose_code) == ("audit.subject_report", "permintaan-subjek-data")
    assert event.purpose_text == "SAR-2026-001"


def _reads_at(monkeypatch, when, user, persons, count):
    # The audit service stamps events with timezone.now(): pin it to write history.
    monkeypatch.setattr("django.utils.timezone.now", lambda: when)
    event = {"actor": user, "action": "person.view", "role": "analyst", "agency_code": "dinkes"}
    audit_record_many([{**event, "persons": persons} for _ in range(count)])
    monkeypatch.undo()


def test_unusual_access_flags(cast, monkeypatch):
    jakarta = dt.timezone(dt.timedelta(hours=7))
    member = cast.users["member"]
    day = [dt.datetime(2026, 3, d, 10, 0, tzinfo=jakarta) for d in range(1, 8)]
    for d in day[:5]:
        _reads_at(monkeypatch, d, member, [cast.father.public_id], 2)
    _reads_at(monkeypatch, day[5], member, [cast.son.public_id], 40)
    _reads_at(monkeypatch, day[2].replace(hour=23, minute=30), member, [cast.son.public_id], 1)
    _reads_at(monkeypatch, day[3].replace(hour=4, minute=59), member, [cast.son.public_id], 1)
    _reads_at(monkeypatch, day[3].replace(hour=5, minute=0), member, [cast.son.public_id], 1)
    assert verify_chain().ok
    flags = unusual_access(viewer=cast.viewer("auditor"), since=day[0], until=day[6])
    by_kind = {f.kind: f for f in flags if f.username == "member"}
    assert by_kind["volume_spike"].count == 40
    assert by_kind["volume_spike"].detail["day"] == "2026-03-06"
    assert by_kind["night_access"].count == 2  # 23:30 and 04:59, not 05:00
    # dinkes holds no record of the father or the son: every read went through the DTKS grant.
    assert by_kind["outside_agency"].count == 2
    assert set(by_kind["outside_agency"].detail["persons"]) == {
        cast.father.public_id,
        cast.son.public_id,
    }
    assert len([f for f in flags if f.kind == "volume_spike"]) == 1
    assert AuditEvent.objects.order_by("-id").first().action == "audit.view"
