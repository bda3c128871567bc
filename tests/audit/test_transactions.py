"""The event shares the caller's transaction; concurrent writers keep one chain."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.services import AUDIT_CHAIN_LOCK_KEY, audit_record, audit_record_many, verify_chain

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


def test_event_rolls_back_with_the_callers_transaction():
    with pytest.raises(Boom), transaction.atomic():
        audit_record(actor=None, action="person.merge", persons=["P0000000001"])
        raise Boom
    assert AuditEvent.objects.count() == 0
    # The next append starts from the committed head, not from the rolled-back event.
    event = audit_record(actor=None, action="person.merge")
    assert verify_chain().ok
    assert event.prev_hash == "0" * 64


def test_record_many_rolls_back_with_the_callers_transaction():
    with pytest.raises(Boom), transaction.atomic():
        audit_record_many([{"actor": None, "action": "records.import"}] * 3)
        raise Boom
    assert AuditEvent.objects.count() == 0


def test_standalone_call_commits():
    audit_record(actor=None, action="grant.create")
    assert not connection.in_atomic_block
    assert AuditEvent.objects.count() == 1


def test_append_lock_is_held_until_the_callers_commit():
    def held() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND pid = pg_backend_pid() AND classid = %s AND objid = %s",
                [AUDIT_CHAIN_LOCK_KEY >> 32, AUDIT_CHAIN_LOCK_KEY & 0xFFFFFFFF],
            )
            return cursor.fetchone()[0] > 0

    with transaction.atomic():
        audit_record(actor=None, action="person.view")
        assert held()
    assert not held()


def test_concurrent_writers_keep_a_single_chain():
    user = get_user_model().objects.create_user(username="petugas2", password="x" * 12)
    per_thread, threads = 30, 4
    barrier = threading.Barrier(threads)
    errors = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    if i % 10 == 9:
                        audit_record_many(
                            [{"actor": user, "action": "records.import", "detail": {"t": n}}] * 3
                        )
                    else:
                        audit_record(actor=user, action="person.view", detail={"t": n, "i": i})
        except Exception as exc:  # reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    expected = threads * (per_thread - 3 + 3 * 3)
    assert AuditEvent.objects.count() == expected
    result = verify_chain(batch_size=37)
    assert result.ok, result
    assert result.checked == expected
    # Interleaving really happened (otherwise the test proves little).
    threads_in_order = [e["detail"]["t"] for e in AuditEvent.objects.values("detail")]
    switches = sum(a != b for a, b in zip(threads_in_order, threads_in_order[1:], strict=False))
    assert switches > 1
