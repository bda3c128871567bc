from audit.models import AuditEvent
from registry.reports.common import period_start
from registry.reports.targeting import Filters, targeting_counts, targeting_list
from tests.web_dashboards.conftest import PURPOSE


def test_counts_on_known_city(city):
    counts = targeting_counts(city.viewer("analyst"))
    assert counts == {
        "deceased": 1,
        "double_payment": 1,
        "overlap": 2,  # household rule and person rule
        "high_decile": 1,
        "low_decile_no_aid": 1,
    }


def test_deceased_recipient_found_and_audited(city):
    before = AuditEvent.objects.count()
    page = targeting_list(city.viewer("analyst"), "deceased", purpose=PURPOSE)
    assert page.total == 1
    (row,) = page.rows
    assert row["person_public_id"] == "PXP1"
    assert row["period"] == "2026-Q2"
    assert str(row["civil_death"]) == "2026-02-10"
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "report.targeting.list"
    assert event.query["report"] == "targeting.deceased"
    assert event.persons == ["PXP1"]
    assert event.purpose_code == PURPOSE.code


def test_payer_death_column_is_not_evidence(city):
    # Only the civil registry's death date counts: a dinsos death column alone does not.
    city.record("dinsos", "P4", death_date="2025-01-01")
    assert targeting_counts(city.viewer("analyst"))["deceased"] == 1


def test_double_payment_found(city):
    page = targeting_list(city.viewer("analyst"), "double_payment", purpose=PURPOSE)
    assert page.total == 1
    (row,) = page.rows
    assert (row["person_public_id"], row["program"], row["period"], row["n"]) == (
        "PXP2",
        "PKH",
        "2026-Q1",
        2,
    )
    assert len(row["records"]) == 2


def test_overlap_household_and_person(city):
    viewer = city.viewer("analyst")
    hh = targeting_list(viewer, "overlap", rule_code="household_cash_stack", purpose=PURPOSE)
    assert [r["household_public_id"] for r in hh.rows] == ["HHH4"]
    assert hh.rows[0]["programs"] == ["BLT", "BPNT", "PKH"]
    person = targeting_list(viewer, "overlap", rule_code="person_cash_stack", purpose=PURPOSE)
    assert [r["person_public_id"] for r in person.rows] == ["PXP7"]


def test_high_decile_and_low_decile_without_aid(city):
    viewer = city.viewer("analyst")
    high = targeting_list(viewer, "high_decile", purpose=PURPOSE)
    assert [(r["person_public_id"], r["decile"]) for r in high.rows] == [("PXP4", 8)]
    low = targeting_list(viewer, "low_decile_no_aid", purpose=PURPOSE)
    assert [r["household_public_id"] for r in low.rows] == ["HHH3"]
    assert sorted(low.rows[0]["member_public_ids"]) == ["PXP5", "PXP6"]


def test_filters_apply(city):
    viewer = city.viewer("analyst")
    assert targeting_counts(viewer, Filters(period="2026-Q1"))["deceased"] == 0
    assert targeting_counts(viewer, Filters(program="BPNT"))["double_payment"] == 0


def test_other_agency_sees_nothing(city):
    # dinkes analyst cannot read dinsos receipts: every check is empty.
    counts = targeting_counts(city.viewer("analyst_other"))
    assert counts["deceased"] == counts["double_payment"] == counts["high_decile"] == 0


def test_period_start():
    assert str(period_start("2026-Q2")) == "2026-04-01"
    assert str(period_start("2026-09")) == "2026-09-01"
    assert str(period_start("2026")) == "2026-01-01"
    assert period_start("tahap 1") is None


def test_records_for_matches_the_selector(city):
    # The reports inline the readable dataset ids; the rows must be the selector's.
    from registry.reports.common import households_for, records_for
    from registry.selectors import households_for_user, visible_records

    for role in ("walidata", "analyst", "analyst_other", "planner", "operator", "auditor"):
        viewer = city.viewer(role)
        assert set(records_for(viewer).values_list("id", flat=True)) == set(
            visible_records(viewer).values_list("id", flat=True)
        )
        assert set(households_for(viewer).values_list("id", flat=True)) == set(
            households_for_user(viewer).values_list("id", flat=True)
        )
