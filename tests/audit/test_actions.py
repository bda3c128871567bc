"""Issue 17 item 6 (partly): one catalogue of audit actions. Every action code the code base
writes is in audit.actions.Action, so the auditor pages can label it."""

import ast
from pathlib import Path

from django.conf import settings
from django.utils import translation

from audit.actions import Action, action_label

ROOT = Path(settings.BASE_DIR)


def _written_action_codes(root: Path = ROOT) -> dict[str, str]:
    """Literal action codes in `action="..."` keywords and `{"action": "..."}` dicts."""
    found: dict[str, str] = {}

    def literals(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.IfExp):
            yield from literals(node.body)
            yield from literals(node.orelse)

    for folder in ("registry", "api", "audit", "config"):
        for path in (root / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                values = []
                if isinstance(node, ast.keyword) and node.arg == "action":
                    values = list(literals(node.value))
                elif isinstance(node, ast.Dict):
                    for key, value in zip(node.keys, node.values, strict=True):
                        if isinstance(key, ast.Constant) and key.value == "action":
                            values += list(literals(value))
                for code in values:
                    if "." in code and " " not in code:  # argparse's action="store_true" etc.
                        found[code] = str(path.relative_to(root))
    return found


def test_every_written_action_is_in_the_catalogue():
    written = _written_action_codes()
    unknown = {code: where for code, where in written.items() if code not in Action.values}
    assert unknown == {}


def test_no_action_code_is_written_as_a_string_outside_the_catalogue():
    """Writers name actions as Action.X: a code typed as a string (in an `action=` keyword, an
    `{"action": ...}` dict, a positional argument or a tuple of codes) could drift from the
    catalogue unseen. Docstrings may cite codes."""
    assert _written_action_codes() == {}
    literal = {}
    for folder in ("registry", "api", "audit", "config"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "audit" / "actions.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                and node.body
                and isinstance(node.body[0], ast.Expr)
            }
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and node.value in Action.values
                    and id(node) not in docstrings
                ):
                    literal[f"{path.relative_to(ROOT)}:{node.lineno}"] = node.value
    assert literal == {}


def test_the_scan_sees_a_literal_code(tmp_path):
    sample = tmp_path / "registry" / "sample.py"
    sample.parent.mkdir()
    sample.write_text('audit_record(actor=None, action="person.view")\n')
    assert _written_action_codes(tmp_path) == {"person.view": "registry/sample.py"}


def test_labels_are_translated_and_unknown_codes_shown_as_stored():
    with translation.override("id"):
        assert action_label("auth.lockout") == "Akun dikunci setelah gagal masuk berulang"
        assert action_label(Action.PERSON_VIEW) == "Profil orang dilihat"
        assert action_label("legacy.code") == "legacy.code"
