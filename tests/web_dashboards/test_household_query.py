import datetime as dt

import pytest

from audit.models import AuditEvent
from registry.reports.household_query import (
    HouseholdFilters,
    InvalidFilters,
    household_query_run,
)
from tests.web_dashboards.conftest import KEL1, PURPOSE

TODAY = dt.date(2026, 11, 1)


def run(city, role="walidata", with_list=False, **filters):
    return household_query_run(
        city.viewer(role),
        HouseholdFilters.from_dict(filters),
        purpose=PURPOSE,
        with_list=with_list,
        today=TODAY,
    )


def test_counts(city):
    assert run(city).households == 4
    assert run(city, kelurahan_code=KEL1).households == 3
    assert run(city, decile_max=4).households == 3
    assert run(city, size_min=2).households == 2  # H1 (3), H3 (2)
    assert run(city, member_age_min=7, member_age_max=18).households == 2  # H1, H3
    assert run(city, member_age_min=7, member_age_max=18, member_sex="P").households == 1
    assert run(city, school="child_not_enrolled").households == 1  # H1: P3
    assert run(city, school="all_enrolled").households == 1  # H3: P6
    assert run(city, insurance="none").households == 2  # H3, H4
    assert run(city, aid_program="PKH").households == 2  # H1, H4
    assert run(city, aid_program="PKH", aid_mode="not_received").households == 2
    result = run(city, decile_max=4)
    assert result.persons == 6


def test_every_run_audited_with_filters(city):
    before = AuditEvent.objects.count()
    run(city, decile_max=4, school="child_not_enrolled")
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "report.household_query"
    assert event.query == {
        "report": "household_query",
        "decile_max": 4,
        "school": "child_not_enrolled",
    }
    assert event.persons == []


def test_list_is_masked_and_audits_members(city):
    result = run(city, "planner", with_list=True, decile_max=4)
    # A bappeda planner reads no person-level dataset: no household is visible.
    assert result.households == 0
    result = run(city, "walidata", with_list=True, school="child_not_enrolled")
    (row,) = result.rows
    assert row["public_id"] == "HHH1"
    assert set(row["kk_number"]) == {"*"}
    event = AuditEvent.objects.order_by("-id").first()
    assert event.persons == ["PXP1", "PXP2", "PXP3"]
    assert event.query["list"] is True


def test_aid_filter_list_withheld_from_planners(city):
    from registry.reports.household_query import list_allowed

    f = HouseholdFilters(aid_program="PKH")
    assert list_allowed(city.viewer("planner"), f) == (False, "aid_filter")
    assert list_allowed(city.viewer("analyst"), f) == (True, "")


def test_invalid_filters():
    with pytest.raises(InvalidFilters):
        HouseholdFilters.from_dict({"size_min": "abc"})
    with pytest.raises(InvalidFilters):
        HouseholdFilters.from_dict({"school": "maybe"})
