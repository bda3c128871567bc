"""Benchmark code stays out of the production path (issue 17): the bench app is neither
copied into the image nor packaged, no production module imports it, and the link measures
no memory itself (a benchmark passes `on_step`)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("api", "audit", "registry", "linkage", "config")


def test_image_and_package_leave_bench_out():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "bench" not in dockerfile
    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert not any(p.startswith("bench") for p in found["packages"]["find"]["include"])


def test_no_production_module_imports_bench_or_measures_peak_memory():
    offenders = []
    for top in PRODUCTION:
        for path in (ROOT / top).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                module = ""
                if isinstance(node, ast.ImportFrom):
                    module = node.module or ""
                elif isinstance(node, ast.Import):
                    module = " ".join(a.name for a in node.names)
                if module.split(".")[0] == "bench":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if "clear_refs" in path.read_text():
                offenders.append(f"{path.relative_to(ROOT)}: resets the peak-RSS counter")
    assert offenders == []


def test_bench_commands_come_from_the_bench_app():
    commands = get_commands()
    assert commands["bench_import"] == "bench"
    assert commands["bench_pipeline"] == "bench"
    assert not list((ROOT / "registry" / "management" / "commands").glob("bench_*.py"))
