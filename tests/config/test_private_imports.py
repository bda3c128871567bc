"""No module imports another module's `_private` names (issue 17): a helper another module
needs is public in the module that owns it. Scans every production module's imports, and
attribute reads of an imported project module (`profiles._golden_values`); the standard
library's own (`os._exit`) are not ours."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("api", "audit", "registry", "linkage", "config", "bench")
KNOWN: set[str] = set()  # none left; an entry here needs a reason


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _modules():
    for top in PRODUCTION:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _offences(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(root).as_posix()
    found = []
    imported_modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{where}: {node.module}.{alias.name}")
                elif node.level or (node.module or "").split(".")[0] in PRODUCTION:
                    imported_modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PRODUCTION:
                    imported_modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported_modules
            and node.value.id[0].islower()  # a module, not a class (Model._meta is Django's)
        ):
            found.append(f"{where}: {node.value.id}.{node.attr}")
    return found


def test_no_module_imports_another_modules_private_names():
    offences = {o for path in _modules() for o in _offences(path)}
    assert offences - KNOWN == set()


def test_the_scan_sees_a_private_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from registry.linking.profiles import _golden_values\n"
        "from registry.linking import profiles\n"
        "profiles._write_golden(None)\n"
    )
    found = _offences(sample, tmp_path)
    assert found == [
        "sample.py: registry.linking.profiles._golden_values",
        "sample.py: profiles._write_golden",
    ]
