import datetime as dt

from audit.models import AuditEvent
from registry.reports import planning
from registry.reports.suppression import suppress
from tests.web_dashboards.conftest import KEL1, KEL2

TODAY = dt.date(2026, 11, 1)


def test_population_by_area_suppresses_small_counts(city):
    table = planning.population_by_area(city.viewer("walidata"), level="kelurahan")
    rows = {r["code"]: r for r in table.as_rows()}
    # Every count in the toy city is 1-10: all hidden, totals too.
    assert rows[KEL1]["households"] is None and rows[KEL2]["persons"] is None
    assert table.column("persons").total is None


def test_population_counts_before_suppression(city, monkeypatch):
    # With suppression switched off the raw counts are the known ones.
    monkeypatch.setattr(planning, "suppress", lambda t: suppress([[0] * len(t[0])] * len(t)))
    monkeypatch.setattr(
        planning,
        "_suppressed_column",
        lambda key, values: planning.Column(key=key, values=values, total=sum(values)),
    )
    table = planning.population_by_area(city.viewer("walidata"), level="kelurahan")
    rows = {r["code"]: r for r in table.as_rows()}
    # P1 died: living persons only.
    assert rows[KEL1] == {"code": KEL1, "name": rows[KEL1]["name"], "households": 3, "persons": 5}
    assert rows[KEL2]["households"] == 1 and rows[KEL2]["persons"] == 1
    gaps = planning.cross_agency_gaps(city.viewer("walidata"), today=TODAY)
    g = {r["code"]: r for r in gaps.as_rows()}[KEL1]
    # School age 7-18 alive in KEL1: P3 (14, no school record), P6 (11, enrolled).
    assert g["school_age"] == 2 and g["school_age_no_school"] == 1
    # Living persons in KEL1: P2 (insured), P3, P5, P6, P7 -> 4 without insurance.
    assert g["persons"] == 5 and g["persons_no_insurance"] == 4
    # Low-decile households in KEL1: H1, H3, H4; H3 received nothing.
    assert g["low_decile_households"] == 3 and g["low_decile_no_aid"] == 1


def test_pyramid_shape_and_suppression(city):
    pyramid = planning.age_sex_pyramid(city.viewer("walidata"), today=TODAY)
    assert len(pyramid.bands) == 16 and pyramid.bands[-1] == "75+"
    assert all(v in (0, None) for v in pyramid.male + pyramid.female)


def test_completeness_and_coverage(city):
    rows = {r.agency_code: r for r in planning.completeness_by_agency(city.viewer("walidata"))}
    dinsos = rows["dinsos"]
    # 8 aid records + 4 quality-case records; one has no person and an unreliable NIK.
    assert dinsos.records == 12
    assert abs(dinsos.reliable_nik_share - 11 / 12) < 1e-9
    assert abs(dinsos.linked_share - 11 / 12) < 1e-9
    coverage = planning.aid_coverage(city.viewer("walidata"))
    assert {c.program for c in coverage} == {"PKH", "BPNT", "BLT"}
    assert all(c.persons is None and c.amount is None for c in coverage)  # small groups


def test_planning_reads_only_visible_data_and_audits_nothing(city):
    before = AuditEvent.objects.count()
    # A planner of bappeda reads no person-level dataset: the statistics are empty.
    table = planning.population_by_area(city.viewer("planner"))
    assert table.rows == []
    assert planning.completeness_by_agency(city.viewer("planner")) == []
    assert AuditEvent.objects.count() == before
