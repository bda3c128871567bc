"""Issue 14 item 12: the chain head exported outside the database, signed with a key the
database never sees, catches a chain rewritten consistently after an edited event."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from procrastinate.contrib.django import app

from audit.chain import GENESIS_HASH, HASHED_FIELDS, compute_hash, verify_chain
from audit.head import exported_heads, head_export, verify_with_exported_heads
from audit.models import AuditEvent
from audit.services import audit_record
from tests.audit.conftest import TABLE, sql, triggers_disabled

pytestmark = pytest.mark.django_db


def rewrite_chain_from(event_id: int, **changes) -> None:
    """What a database superuser can do: edit one event, then recompute every later hash and
    link so the chain alone is valid again."""
    rows = list(AuditEvent.objects.order_by("id").values("id", *HASHED_FIELDS))
    prev = GENESIS_HASH
    with triggers_disabled():
        for row in rows:
            if row["id"] == event_id:
                row.update(changes)
            if row["id"] >= event_id:
                row["prev_hash"] = prev
                new_hash = compute_hash(row)
                sql(
                    f"UPDATE {TABLE} SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
                    [row["action"], prev, new_hash, row["id"]],
                )
                prev = new_hash
            else:
                prev = AuditEvent.objects.values_list("hash", flat=True).get(id=row["id"])


def test_consistent_rewrite_passes_the_chain_but_not_the_exported_head(five_events):
    head_export()
    audit_record(actor=None, action="person.view", persons=["P9"])  # after the export
    rewrite_chain_from(five_events[1].id, action="household.view")
    assert verify_chain().ok  # the chain alone cannot tell
    check = verify_with_exported_heads()
    assert not check.result.ok
    assert check.result.first_bad_id == five_events[-1].id
    assert "exported" in check.result.problem
    with pytest.raises(CommandError, match=f"at event {five_events[-1].id}"):
        call_command("verify_audit")


def test_verify_audit_compares_with_the_latest_exported_head_by_default(five_events, capsys):
    call_command("export_audit_head", "--append")
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "checked 5 events: OK" in out
    assert f"(event #{five_events[-1].id})" in out


def test_truncated_tail_fails_against_the_exported_head(five_events):
    head_export()
    with triggers_disabled():
        sql(f"DELETE FROM {TABLE} WHERE id = %s", [five_events[-1].id])
    assert verify_chain().ok
    assert not verify_with_exported_heads().result.ok


def test_a_forged_or_edited_head_line_is_refused(five_events, settings):
    line = head_export()
    path = settings.AUDIT_HEAD_FILE
    forged = {**line, "hash": "f" * 64}
    path.write_text(path.read_text() + json.dumps(forged) + "\n")
    check = verify_with_exported_heads()
    assert not check.result.ok and "line 2" in check.result.problem
    assert "signature" in check.result.problem


def test_lines_are_appended_and_signed_with_the_environment_key(five_events, settings):
    head_export()
    audit_record(actor=None, action="person.view", persons=["P9"])
    head_export()
    heads = exported_heads()
    assert [h["count"] for h in heads] == [5, 6]
    settings.AUDIT_HEAD_KEY = "another-key-the-tamperer-guessed"
    assert not verify_with_exported_heads().result.ok


def test_the_export_is_a_periodic_procrastinate_task(five_events, settings):
    tasks = {p.task.name: p for p in app.periodic_registry.periodic_tasks.values()}
    periodic = tasks["audit.export_head"]
    assert periodic.cron == f"*/{settings.AUDIT_HEAD_EXPORT_MINUTES} * * * *"
    periodic.task(timestamp=0)
    (head,) = exported_heads()
    assert head["id"] == five_events[-1].id
