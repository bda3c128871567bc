"""Issue 16, aid-targeting pages: households without a decile counted and explained, rule
codes in words, one period and date format, monthly and quarterly periods compared in the
quarter, totals in the pager."""

from __future__ import annotations

from django.urls import reverse

from registry.models import Household, Membership, Person
from registry.reports.common import PeriodQuarter, period_quarter
from registry.reports.targeting import Filters, decile_coverage, targeting_counts, targeting_list
from tests.web_dashboards.conftest import KEC, KEL1, PURPOSE


def _purpose(client):
    response = client.post(
        reverse("purpose"), {"code": PURPOSE.code, "text": PURPOSE.text, "next": "/"}
    )
    assert response.status_code == 302


def test_period_quarter_sql_matches_python(city):
    from registry.models import AidReceipt

    city.aid("P5", "BLT", "2026-03")
    city.aid("P5", "BLT", "2026-11")
    rows = AidReceipt.objects.annotate(q=PeriodQuarter("period")).values_list("period", "q")
    assert rows, "no receipts"
    for period, quarter in rows:
        assert quarter == period_quarter(period), period


def test_monthly_and_quarterly_receipts_stack_in_one_quarter(city):
    viewer = city.viewer("analyst")
    # H3 (P5 and P6): PKH for the second quarter, BPNT for May and BLT for June.
    city.aid("P5", "PKH", "2026-Q2")
    city.aid("P6", "BPNT", "2026-05")
    city.aid("P6", "BLT", "2026-06")
    page = targeting_list(viewer, "overlap", rule_code="household_cash_stack", purpose=PURPOSE)
    by_household = {r["household_public_id"]: r for r in page.rows}
    assert by_household["HHH3"]["period"] == "2026-Q2"
    assert by_household["HHH3"]["programs"] == ["BLT", "BPNT", "PKH"]
    # The period filter takes a month into its quarter for this check.
    assert targeting_counts(viewer, Filters(period="2026-05"))["overlap"] >= 1
    # March is not in the second quarter.
    city.aid("P7", "BLT", "2026-03")
    q1 = targeting_list(
        viewer, "overlap", Filters(period="2026-Q1"), rule_code="household_cash_stack",
        purpose=PURPOSE,
    )  # fmt: skip
    assert "HHH4" not in {r["household_public_id"] for r in q1.rows}


def test_decile_coverage_counts_households_without_a_decile(city):
    undecided = Household.objects.create(
        public_id="HHH9", kk_number="3671011200000090", kelurahan_code=KEL1, kecamatan_code=KEC
    )
    person = Person.objects.create(public_id="PXP9", full_name="Warga P9", kelurahan_code=KEL1)
    Membership.objects.create(household=undecided, person=person, relationship="kepala")
    city.persons["P9"] = person
    city.record("dinsos", "P9", kk_number=undecided.kk_number)
    coverage = decile_coverage(city.viewer("analyst"))
    # Deciles as the analyst's readable records state them: P9's record carries none.
    assert coverage.without_decile == 1
    assert coverage.households == 5
    assert coverage.datasets_with_deciles == ["dinsos data"]


def test_index_explains_missing_deciles_and_names_rules_in_words(client, city):
    undecided = Household.objects.create(
        public_id="HHH9", kk_number="3671011200000090", kelurahan_code=KEL1, kecamatan_code=KEC
    )
    person = Person.objects.create(public_id="PXP9", full_name="Warga P9", kelurahan_code=KEL1)
    Membership.objects.create(household=undecided, person=person, relationship="kepala")
    city.persons["P9"] = person
    city.record("dinsos", "P9", kk_number=undecided.kk_number)
    client.force_login(city.users["analyst"])
    page = client.get(reverse("targeting:index")).content.decode()
    assert "1 dari 5 keluarga yang boleh Anda baca tidak memiliki desil kesejahteraan" in page
    assert "Program tunai bertumpuk dalam satu keluarga" in page
    assert "<td>household_cash_stack</td>" not in page
    assert "keluarga (KK)" in page


def test_list_shows_one_period_and_date_format_and_pager_totals(client, city):
    client.force_login(city.users["analyst"])
    _purpose(client)
    page = client.get(reverse("targeting:list", args=["deceased"])).content.decode()
    assert "Triwulan II 2026" in page  # not 2026-Q2
    assert "10 Feb 2026" in page  # the civil death date, in the pages' date format
    assert "Menampilkan 1–1 dari 1" in page
    assert "Halaman 1 dari 1" in page
    # The period filter offers the same words.
    assert '<option value="2026-Q1">Triwulan I 2026</option>' in page
