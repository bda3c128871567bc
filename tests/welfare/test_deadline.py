"""The objection clock: due `OBJECTION_DEADLINE_DAYS` (14) after filing, fixed at filing;
open ones past it are overdue by whole days (at least one) and escalated on the walidata
board (a count and a list with days overdue). A fixed clock through `now=`: no sleeping."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from registry.reports.board import overdue_objections
from registry.welfare import services
from tests.web.test_views import give_purpose

from .conftest import viewer

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _file(welfare, now, household=None):
    return services.objection_file(
        viewer=viewer(welfare, "analyst"),
        household_public_id=(household or welfare.other).public_id,
        kind="exclusion", description="tidak menerima bantuan", now=now,
    )  # fmt: skip


def test_days_overdue_counts_whole_days_past_the_due_time_at_least_one(welfare):
    item = _file(welfare, T0)
    assert item.due_at == T0 + dt.timedelta(days=14)
    assert item.days_overdue(T0 + dt.timedelta(days=13, hours=23)) == 0
    assert item.days_overdue(T0 + dt.timedelta(days=14)) == 0  # due now: not late yet
    assert item.days_overdue(T0 + dt.timedelta(days=14, minutes=1)) == 1
    assert item.days_overdue(T0 + dt.timedelta(days=15, hours=23)) == 1
    assert item.days_overdue(T0 + dt.timedelta(days=20, hours=1)) == 6


def test_the_deadline_setting_applies_to_new_objections_only(welfare, settings):
    settings.OBJECTION_DEADLINE_DAYS = 14
    before = _file(welfare, T0)
    settings.OBJECTION_DEADLINE_DAYS = 5
    after = _file(welfare, T0, household=welfare.household)
    before.refresh_from_db()
    assert before.due_at == T0 + dt.timedelta(days=14)
    assert after.due_at == T0 + dt.timedelta(days=5)


def test_overdue_objections_are_escalated_on_the_walidata_board(welfare):
    late = _file(welfare, T0)
    on_time = _file(welfare, T0 + dt.timedelta(days=10), household=welfare.household)
    now = T0 + dt.timedelta(days=17, hours=2)
    walidata = viewer(welfare, "walidata")
    count, rows = overdue_objections(walidata, now=now)
    assert count == 1
    assert [(r.pk, r.household_public_id, r.days_overdue) for r in rows] == [
        (late.pk, welfare.other.public_id, 3)
    ]
    # Resolved ones leave the board, even when they were late.
    services.objection_assign(viewer=walidata, objection=late, assignee=welfare.users["petugas"])
    services.objection_verify(viewer=viewer(welfare, "petugas"), objection=late, note="dicek",
                              now=now)  # fmt: skip
    assert overdue_objections(walidata, now=now)[0] == 1  # verified, not yet decided
    resolved = services.objection_resolve(
        viewer=walidata, objection=late, upheld=False, resolution="tidak terbukti", now=now
    )
    assert overdue_objections(walidata, now=now) == (0, [])
    event = resolved  # the outcome records that it came late
    from audit.models import AuditEvent

    assert AuditEvent.objects.get(action="objection.resolve").detail["late"] is True
    assert event.state == "rejected"
    assert on_time.days_overdue(now) == 0
    # Only the walidata's board shows them.
    assert overdue_objections(viewer(welfare, "analyst"), now=now) == (0, [])


def test_board_page_shows_the_count_and_days(welfare, client):
    now = timezone.now()
    item = _file(welfare, now - dt.timedelta(days=16, hours=1))
    client.force_login(welfare.users["walidata"])
    body = client.get(reverse("board:index")).content.decode()
    assert 'id="overdue-objections">1<' in body
    assert 'data-days-overdue="2"' in body
    assert reverse("welfare:objection_detail", args=[item.pk]) in body
    give_purpose(client)
    listing = client.get(reverse("welfare:objections")).content.decode()
    assert 'id="stat-overdue">1<' in listing and 'data-overdue="2"' in listing
