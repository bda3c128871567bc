"""Audit flooding: anonymous refusals are coalesced per source address, route and minute
(audit.coalesce), so 500 anonymous 401s over real HTTP cost the chain a bounded number of
events, and the count of refusals is kept exactly; a caller's refusals stay one event each."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.actions import Action
from audit.coalesce import refusal_tallies_flush
from audit.models import AuditEvent, RefusalTally
from audit.services import verify_chain

FLOOD = 500


def _refused(**filters):
    return list(AuditEvent.objects.filter(action=Action.API_REFUSED, **filters).order_by("id"))


def _flush_everything() -> int:
    return refusal_tallies_flush(until=timezone.now() + timedelta(minutes=1))


def test_an_anonymous_flood_is_counted_in_a_bounded_number_of_events(http, owner):
    for _ in range(FLOOD):
        assert http.get("/persons", params={"q": "siti"}).status_code == 401
    for _ in range(20):
        assert http.get("/datasets").status_code == 401
    # the first of each route (per minute) is in the chain at once; the rest only counted
    immediate = _refused(actor_username="anonymous")
    assert 2 <= len(immediate) <= 4, len(immediate)  # two routes, a minute boundary at most
    assert {e.object_id for e in immediate} == {"api/persons", "api/datasets"}
    assert all(e.detail["count"] == 1 and e.ip == "127.0.0.1" for e in immediate)
    assert sum(RefusalTally.objects.values_list("count", flat=True)) == FLOOD + 20

    assert _flush_everything() == FLOOD + 20 - len(immediate)
    events = _refused(actor_username="anonymous")
    assert len(events) <= 8
    per_route = {}
    for event in events:
        per_route[event.object_id] = per_route.get(event.object_id, 0) + event.detail["count"]
        assert event.outcome == "denied" and event.reason == "unauthorized"
        assert event.detail["status"] == 401 and "siti" not in str(event.detail)
    assert per_route == {"api/persons": FLOOD, "api/datasets": 20}
    assert any(e.detail.get("coalesced") for e in events)
    assert not RefusalTally.objects.exists()
    assert _flush_everything() == 0  # nothing counted twice
    assert verify_chain().ok


def test_refusals_of_an_authenticated_caller_stay_one_event_each(http, owner):
    for _ in range(3):
        assert http.get("/persons/P-unknown", headers=owner.headers).status_code == 400
    mine = _refused(actor_id=owner.token.service_user_id)
    assert len(mine) == 3 and all("count" not in e.detail for e in mine)
    assert not RefusalTally.objects.exists()


def test_attempts_on_a_locked_login_are_coalesced_but_the_lockout_is_not(client, owner):
    user = owner.token.service_user
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):
        client.post(reverse("login"), {"username": user.username, "password": f"salah-{i}"})
    for i in range(50):
        response = client.post(reverse("login"), {"username": user.username, "password": f"x{i}"})
        assert response.status_code == 429
    logins = list(AuditEvent.objects.filter(action=Action.LOGIN).order_by("id"))
    failures = [e for e in logins if e.reason == "bad_credentials"]
    assert len(failures) == limit  # each failure before the lock: one event
    assert AuditEvent.objects.filter(action=Action.LOCKOUT).count() == 1
    locked = [e for e in logins if e.reason == "locked_out"]
    assert 1 <= len(locked) <= 2
    _flush_everything()
    locked = AuditEvent.objects.filter(action=Action.LOGIN, reason="locked_out")
    assert sum(e.detail["count"] for e in locked) == 50
    assert {e.object_id for e in locked} == {str(user.pk)}
    assert verify_chain().ok
