"""Formula injection (issue 14 item 5): every CSV export goes through one helper that quotes
cells starting with = + - @ tab or CR, the same rule as the XLSX exports."""

from __future__ import annotations

import csv
import io
import pathlib

import pytest
from django.core.management import call_command

from registry.audit_reports import audit_events_csv
from registry.reports.cells import FORMULA_PREFIXES, spreadsheet_safe
from registry.reports.xlsx import _cell
from registry.selectors import NotFound, Purpose, person_get_for_user

from .conftest import CAPIL_ROWS, import_rows

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def _no_formula(rows):
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES), cell


@pytest.mark.parametrize("value", PAYLOADS)
def test_one_rule_for_csv_and_xlsx(value):
    assert spreadsheet_safe(value) == "'" + value
    assert _cell(value) == spreadsheet_safe(value)
    assert spreadsheet_safe(-5) == -5 and spreadsheet_safe("Siti") == "Siti"


def test_audit_csv_escapes_object_id_and_purpose_text(cast):
    planner = cast.viewer("planner")
    with pytest.raises(NotFound):
        person_get_for_user(
            viewer=planner,
            public_id='=HYPERLINK("http://x")',
            purpose=Purpose.parse("perencanaan", "=1+1 cmd|' /C calc'!A0"),
        )
    body = audit_events_csv(viewer=cast.viewer("auditor"))
    rows = list(csv.reader(io.StringIO(body)))
    assert any('\'=HYPERLINK("http://x")' in row for row in rows)
    assert any("'=1+1 cmd|' /C calc'!A0" in row for row in rows)
    _no_formula(rows)


def test_export_links_escapes_source_ids(cast, tmp_path):
    rows = [list(CAPIL_ROWS[3])]
    rows[0][0] = "=1+2"
    import_rows(cast.penduduk, rows)
    out = tmp_path / "links.csv"
    call_command("export_links", str(out), stdout=io.StringIO())
    parsed = list(csv.reader(out.open(encoding="utf-8")))
    assert any(r[:2] == ["capil", "'=1+2"] for r in parsed)
    _no_formula(parsed)


def test_every_csv_export_uses_the_helper():
    """No module writes CSV with a bare csv.writer except the helper itself and the writers
    of machine files that never reach a spreadsheet (COPY buffers, the synthetic city)."""
    allowed = {
        "registry/reports/cells.py",
        "registry/ingest/copy.py",
        "registry/citygen/writers.py",
        "registry/citygen/generator.py",
    }
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv/", "tests/", "bench/")) or rel in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if "csv.writer(" in text or "csv.DictWriter(" in text:
            offenders.append(rel)
    assert offenders == []
