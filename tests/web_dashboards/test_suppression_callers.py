"""One suppression rule: the open statistics API, the catalogue and the planner's pages and
exports all hide cells through `registry.reports.suppression.suppress_lines`. A private copy
of the rule (another threshold test, another complement choice) fails here: by the source
scan, and by the area tables answering exactly what the one rule answers."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

from api.services.stats import area_table
from registry.reports import suppression
from registry.reports.suppression import (
    THRESHOLD,
    kecamatan_of,
    suppress,
    suppress_areas,
    suppress_lines,
)

ROOT = Path(__file__).resolve().parents[2]
RULE_MODULE = ROOT / "registry" / "reports" / "suppression.py"
PRODUCTION = ("api", "audit", "registry", "linkage", "config")
# Where suppressed numbers are made or published: each must use the one rule.
CALLERS = {
    "api/services/stats.py": "suppress_areas",
    "registry/reports/planning.py": "suppress",
}


def _production_modules():
    for top in PRODUCTION:
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_module_but_the_rule_tests_the_threshold_or_defines_a_suppression():
    offenders = []
    for path in _production_modules():
        if path == RULE_MODULE:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            name = (getattr(node, "name", None) or "").lstrip("_")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                name in ("suppress", "complement")
                or name.startswith(("suppress_", "hide_", "complement_"))
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} def {node.name}")
            if isinstance(node, ast.Compare):
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                if "THRESHOLD" in names or "threshold" in names:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} threshold test")
    assert offenders == []


@pytest.mark.parametrize(("module", "name"), sorted(CALLERS.items()))
def test_callers_import_the_rule(module, name):
    tree = ast.parse((ROOT / module).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "registry.reports.suppression"
        for alias in node.names
    }
    assert name in imported


def test_area_and_grid_suppression_are_the_one_rule():
    """Both entry points hide exactly what suppress_lines hides on the same lines."""
    rng = random.Random(17)
    for _ in range(200):
        kel = {
            f"36.71.0{k}.100{i}": rng.choice([0, 0, 3, 8, 11, 15, 40, 120])
            for k in range(1, 4)
            for i in range(1, rng.randint(2, 5))
        }
        kec: dict[str, int] = {}
        for code, value in kel.items():
            kec[kecamatan_of(code)] = kec.get(kecamatan_of(code), 0) + value
        hidden_kel, hidden_kec = suppress_areas(kel, kec)
        # Every kecamatan line and the city line: zero or two hidden entries; no 1-10 shown.
        for parent, total in kec.items():
            line = [c in hidden_kel for c in kel if kecamatan_of(c) == parent]
            assert sum(line) + (parent in hidden_kec) != 1
            assert parent in hidden_kec or not 1 <= total <= THRESHOLD
        assert len(hidden_kec) != 1
        assert all(c in hidden_kel for c, v in kel.items() if 1 <= v <= THRESHOLD)

        table = [[rng.choice([0, 4, 12, 30]) for _ in range(3)] for _ in range(3)]
        flat = [v for r in table for v in [*r, sum(r)]]
        cols = [sum(r[j] for r in table) for j in range(3)]
        flat += [*cols, sum(cols)]
        lines = [[i * 4 + j for j in range(4)] for i in range(4)]
        lines += [[i * 4 + j for i in range(4)] for j in range(4)]
        expected = suppress_lines(flat, lines)
        result = suppress(table)
        got = [
            v is None for r, t in zip(result.cells, result.row_totals, strict=True) for v in r + [t]
        ]
        got += [v is None for v in [*result.col_totals, result.total]]
        assert got == expected


@pytest.mark.django_db
def test_open_statistics_hide_what_the_rule_hides():
    counts = {
        "persons": {"36.71.01.1001": 5, "36.71.01.1002": 40, "36.71.01.1003": 50},
        "households": {"36.71.01.1001": 2, "36.71.01.1002": 0, "36.71.02.1001": 30},
    }
    for measure, given in counts.items():
        by_kel = area_table("kelurahan", "36.71", counts, (measure,))
        by_kec = area_table("kecamatan", "36.71", counts, (measure,))
        kel = {a["code"]: given.get(a["code"], 0) for a in by_kel["areas"]}
        kec = {a["code"]: 0 for a in by_kec["areas"]}
        for code, value in kel.items():
            kec[kecamatan_of(code)] += value
        hidden_kel, hidden_kec = suppression.suppress_areas(kel, kec)
        assert {a["code"] for a in by_kel["areas"] if measure in a["suppressed"]} == hidden_kel
        assert {a["code"] for a in by_kec["areas"] if measure in a["suppressed"]} == hidden_kec
        assert by_kel["totals"][measure] == sum(given.values())
    # 5 hidden, and the smallest other cell too so 95 - 50 does not give it back.
    table = area_table("kelurahan", "36.71", counts, ("persons",))
    hidden = {a["code"] for a in table["areas"] if "persons" in a["suppressed"]}
    assert {"36.71.01.1001", "36.71.01.1002"} <= hidden
