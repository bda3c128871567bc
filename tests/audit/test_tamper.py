"""The database refuses changes; changes made anyway (triggers off) are found by verify."""

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from audit.chain import GENESIS_HASH, compute_hash
from audit.models import AuditEvent
from audit.services import audit_record, chain_head, verify_chain
from tests.audit.conftest import TABLE, sql, triggers_disabled

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
class TestTriggers:
    @pytest.mark.parametrize(
        "statement",
        [
            f"UPDATE {TABLE} SET reason = 'edited'",
            f"DELETE FROM {TABLE}",
        ],
    )
    def test_sql_update_and_delete_fail(self, five_events, statement):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            sql(statement)
        assert AuditEvent.objects.filter(reason="").count() == 5

    def test_truncate_fails(self, five_events):
        # Test databases allow TRUNCATE for Django's flush unless a session opts into the
        # production behaviour (see migration 0002).
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            sql("SET LOCAL audit.enforce_truncate = 'on'")
            sql(f"TRUNCATE {TABLE}")
        assert AuditEvent.objects.count() == 5

    def test_queryset_update_and_delete_fail(self, five_events):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=five_events[0].pk).update(reason="edited")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.all().delete()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            five_events[1].delete()
        event = five_events[2]
        event.reason = "edited"
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            event.save()
        assert AuditEvent.objects.filter(reason="").count() == 5
        assert verify_chain().ok


def test_edited_content_is_detected(five_events):
    target = five_events[2]
    with triggers_disabled():
        sql(f"UPDATE {TABLE} SET purpose_text = 'changed' WHERE id = %s", [target.id])
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_id == target.id
    assert result.checked == 2
    assert "hash does not match" in result.problem


def test_edited_json_is_detected(five_events):
    target = five_events[4]
    with triggers_disabled():
        sql(f"UPDATE {TABLE} SET detail = '{{\"i\": 40}}' WHERE id = %s", [target.id])
    assert verify_chain().first_bad_id == target.id


def test_edited_content_with_recomputed_hash_breaks_next_link(five_events):
    """A tamperer who also fixes the event's own hash still breaks its successor's link."""
    target = five_events[1]
    row = AuditEvent.objects.filter(pk=target.pk).values().get()
    row["reason"] = "changed"
    new_hash = compute_hash(row)
    with triggers_disabled():
        sql(
            f"UPDATE {TABLE} SET reason = 'changed', hash = %s WHERE id = %s",
            [new_hash, target.id],
        )
    result = verify_chain()
    assert result.first_bad_id == five_events[2].id
    assert f"event {target.id}" in result.problem


@pytest.mark.parametrize("index", [0, 2])
def test_removed_event_is_detected(five_events, index):
    with triggers_disabled():
        sql(f"DELETE FROM {TABLE} WHERE id = %s", [five_events[index].id])
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_id == five_events[index + 1].id
    assert "removed or reordered" in result.problem
    if index == 0:
        assert "genesis" in result.problem


def test_reordered_events_are_detected(five_events):
    a, b = five_events[1].id, five_events[3].id
    with triggers_disabled():
        sql(f"UPDATE {TABLE} SET id = -1 WHERE id = %s", [a])
        sql(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [a, b])
        sql(f"UPDATE {TABLE} SET id = %s WHERE id = -1", [b])
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_id == a


def test_truncated_tail_needs_the_exported_head(five_events):
    head = chain_head()
    assert head["count"] == 5
    assert verify_chain(expected_head_hash=head["hash"]).ok
    with triggers_disabled():
        sql(f"DELETE FROM {TABLE} WHERE id >= %s", [five_events[3].id])
    # The remaining prefix is a valid chain on its own...
    assert verify_chain().ok
    # ...only the head kept outside the database shows the loss.
    result = verify_chain(expected_head_hash=head["hash"])
    assert not result.ok
    assert result.first_bad_id is None
    assert result.checked == 3
    assert "truncated" in result.problem


def test_a_fork_is_refused_by_the_database(five_events):
    """Even a writer that skipped the lock cannot give two events the same predecessor."""
    fork = AuditEvent(
        occurred_at=five_events[0].occurred_at,
        action="person.view",
        prev_hash=five_events[3].hash,
        hash="f" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save(force_insert=True)


def test_genesis_expected_head_matches_empty_chain():
    assert verify_chain(expected_head_hash=GENESIS_HASH).ok


def test_old_head_still_verifies_after_appends(five_events):
    head = chain_head()
    audit_record(actor=None, action="records.import")
    assert verify_chain(expected_head_hash=head["hash"]).ok
