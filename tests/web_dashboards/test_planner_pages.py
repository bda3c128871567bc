"""Planner dashboard (issue 16): aggregate aid coverage of every program while the records stay
closed, dropdowns instead of free text, CSV/XLSX exports of every chart and table suppressed
like the page, Indonesian number formats, and the tile-grid map of kelurahan."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from registry.models import Region
from registry.reports import planning as stats
from registry.reports.suppression import HIDDEN_LABEL
from registry.templatetags.numbers import id_number
from registry.web.planning import EXPORT_TABLES, DashboardFilters, _map_values
from tests.web_dashboards.conftest import KEC, KEL1


def test_planner_sees_every_programs_coverage_as_aggregates_only(client, city):
    planner = city.viewer("planner")
    # Every dataset of this city is closed: the planner reads no aid record...
    assert stats.aid_coverage(planner) == []
    # ...yet the dashboard counts every program, suppressed.
    rows = stats.aid_coverage(planner, all_programs=True)
    assert [r.program for r in rows] == ["BLT", "BPNT", "PKH"]
    assert all(r.persons is None and r.amount is None for r in rows)  # all below 11
    client.force_login(city.users["planner"])
    page = client.get(reverse("planning:dashboard")).content.decode()
    coverage = page.split('id="cov-h"', 1)[1].split("</section>", 1)[0]
    assert "PKH" in coverage and "BPNT" in coverage and "BLT" in coverage
    assert "Warga P7" not in page


@pytest.mark.parametrize("table", EXPORT_TABLES)
def test_every_table_exports_as_csv_and_xlsx_with_small_cells_hidden(client, city, table):
    client.force_login(city.users["walidata"])  # reads every dataset: every table has rows
    response = client.get(reverse("planning:export", args=[table, "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) >= 2
    numbers = [c for row in rows[1:] for c in row if c.isdigit()]
    if table != "completeness":  # record counts per agency are not person counts
        assert all(int(n) == 0 or int(n) > 10 for n in numbers), (table, numbers)
    response = client.get(reverse("planning:export", args=[table, "xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows(min_row=2, values_only=True) for c in row]

    def same(value) -> str:
        return "" if value is None else str(int(value) if value == int(value) else value)

    in_xlsx = [c if isinstance(c, str) else same(c) for c in cells]
    in_csv = [same(float(c)) if c.replace(".", "", 1).isdigit() else c for r in rows[1:] for c in r]
    assert in_xlsx == in_csv


def test_coverage_export_hides_every_small_count(client, city):
    client.force_login(city.users["planner"])
    response = client.get(reverse("planning:export", args=["coverage", "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["BLT", "BPNT", "PKH"]
    assert {c for r in rows[1:] for c in r[1:]} == {HIDDEN_LABEL}


@pytest.mark.parametrize("role", ["operator", "auditor", "public"])
def test_exports_refused_to_other_roles(client, city, role):
    client.force_login(city.users[role])
    assert client.get(reverse("planning:export", args=["coverage", "csv"])).status_code == 404


def test_unknown_export_is_404(client, city):
    client.force_login(city.users["planner"])
    assert client.get(reverse("planning:export", args=["persons", "csv"])).status_code == 404
    assert client.get(reverse("planning:export", args=["coverage", "pdf"])).status_code == 404


def test_kelurahan_and_period_are_dropdowns(client, city):
    client.force_login(city.users["planner"])
    page = client.get(reverse("planning:dashboard")).content.decode()
    assert '<select name="period"' in page
    assert '<option value="2026-Q1">2026-Q1</option>' in page
    client.post(reverse("purpose"), {"code": "perencanaan", "text": "uji", "next": "/"})
    url = reverse("planning:households")
    page = client.get(url).content.decode()
    name = Region.objects.get(code=KEL1).name
    assert '<select name="kelurahan_code"' in page
    assert f'<option value="{KEL1}">{name}</option>' in page
    # A typed name is refused with a message instead of silently counting 0.
    page = client.get(url, {"run": "1", "kelurahan_code": "Cimone"}).content.decode()
    assert 'id="id_kelurahan_code_error"' in page
    assert "Hasil" not in page.split("</form>", 1)[1].split("Kueri tersimpan", 1)[0]


def test_tile_map_has_one_tile_per_kelurahan_and_hides_small_counts(client, city):
    client.force_login(city.users["walidata"])
    page = client.get(reverse("planning:dashboard"), {"peta": "persons"}).content.decode()
    svg = page.split('class="chart tile-map"', 1)[1].split("</svg>", 1)[0]
    assert svg.count('class="tile"') == Region.objects.filter(level=4).count()
    tile = svg.split(f'data-code="{KEL1}"', 1)[1].split("</g>", 1)[0]
    assert "&lt;11" in tile and "url(#tilehatch)" in tile  # 6 residents: hidden, hatched
    # The whole-city map shows each kelurahan as the drill-down into its kecamatan does.
    walidata = city.viewer("walidata")
    city_map = _map_values(walidata, DashboardFilters())
    drill = stats.population_by_area(walidata, level="kelurahan", kecamatan_code=KEC)
    assert {c: city_map[c] for c, _n in drill.rows} == dict(
        zip([c for c, _n in drill.rows], drill.column("persons").values, strict=True)
    )


def test_sortable_tables_use_the_apps_own_script(client, city):
    client.force_login(city.users["planner"])
    page = client.get(reverse("planning:dashboard")).content.decode()
    assert 'src="/static/js/sortable.js"' in page
    assert 'class="sortable"' in page
    assert "http://" not in page.split("<body", 1)[0].replace("http://www.w3.org", "")


def test_indonesian_number_formats():
    assert id_number(1234567) == "1.234.567"
    assert id_number(0) == "0"
    assert id_number(12.5) == "12,5"
    assert id_number(None) == HIDDEN_LABEL


def test_tile_map_by_kecamatan_matches_the_kecamatan_table(client, city):
    client.force_login(city.users["walidata"])
    page = client.get(
        reverse("planning:dashboard"), {"peta": "households", "tingkat": "kecamatan"}
    ).content.decode()
    svg = page.split('class="chart tile-map"', 1)[1].split("</svg>", 1)[0]
    assert svg.count('class="tile"') == Region.objects.filter(level=3).count()
    assert "Peta per kecamatan" in page
    walidata = city.viewer("walidata")
    values = _map_values(walidata, DashboardFilters(indicator="households", map_level="kecamatan"))
    table = stats.population_by_area(walidata, level="kecamatan")
    assert values == dict(
        zip([c for c, _n in table.rows], table.column("households").values, strict=True)
    )
    gaps = _map_values(
        walidata, DashboardFilters(indicator="low_decile_no_aid", map_level="kecamatan")
    )
    assert set(gaps) == {KEC}
