"""verify_audit and export_audit_head, including the process exit code."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.services import chain_head
from tests.audit.conftest import TABLE, sql, triggers_disabled

pytestmark = pytest.mark.django_db


def run_cli(*argv):
    """Run `manage.py ...` in a separate process against the test database; return it."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{quote(db['HOST'], safe='')}/{db['NAME']}"
    if db["PORT"]:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url}
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_verify_exit_codes(five_events):
    ok = run_cli("verify_audit")
    assert ok.returncode == 0, ok.stderr
    assert "checked 5 events: OK" in ok.stdout
    bad = five_events[3].id
    with triggers_disabled():
        sql(f"UPDATE {TABLE} SET action = 'person.export' WHERE id = %s", [bad])
    broken = run_cli("verify_audit")
    assert broken.returncode == 1
    assert f"at event {bad}" in broken.stderr


def test_verify_ok(five_events, capsys):
    call_command("verify_audit")
    assert "checked 5 events: OK" in capsys.readouterr().out


def test_verify_fails_naming_the_event(five_events):
    bad = five_events[3].id
    with triggers_disabled():
        sql(f"UPDATE {TABLE} SET action = 'person.export' WHERE id = %s", [bad])
    with pytest.raises(CommandError, match=f"at event {bad}: stored hash does not match"):
        call_command("verify_audit")


def test_export_head_then_verify_against_it(five_events, tmp_path, capsys):
    out = tmp_path / "head.json"
    call_command("export_audit_head", out=str(out))
    exported = json.loads(out.read_text())
    head = chain_head()
    assert exported["hash"] == head["hash"]
    assert exported["id"] == head["id"]
    assert exported["count"] == 5
    assert exported["occurred_at"].endswith("Z")
    call_command("verify_audit", expected_head=exported["hash"])

    with triggers_disabled():
        sql(f"DELETE FROM {TABLE} WHERE id = %s", [five_events[-1].id])
    call_command("verify_audit")  # the shortened chain is self-consistent...
    with pytest.raises(CommandError, match="truncated"):  # ...but the exported head is gone
        call_command("verify_audit", "--expected-head", exported["hash"])


def test_export_head_to_stdout_on_empty_chain(capsys):
    call_command("export_audit_head")
    assert json.loads(capsys.readouterr().out) == {
        "count": 0,
        "hash": "0" * 64,
        "id": None,
        "occurred_at": None,
    }
