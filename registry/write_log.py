"""Database-level write audit for persons, source records and their links (migrations 0008,
0014).

`audit_actor(user)` opens a transaction with `app.actor_id` set (SET LOCAL semantics); every
row written to registry_person, registry_sourcerecord or registry_recordlink inside it - by
the ORM, update(), bulk_create, COPY or raw SQL - is staged by a trigger in
registry_write_log, and on leaving the block the staged rows are folded into hash-chained
audit events in the same transaction: one event per (table, operation), action
'<person|record|record_link>.db_<insert|update|delete|truncate>', with the rows' ids and the
persons touched (a relink is a record_link update: both persons). A transaction that set
app.actor_id by hand leaves its rows staged until `manage.py fold_write_log` (or
write_log_fold(pending=True)).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from audit.services import audit_record_many
from registry.selectors import viewer_for

IDS_MAX = 1000
PERSONS_MAX = 5000
_OBJECT = {
    "registry_person": "person",
    "registry_sourcerecord": "record",
    "registry_recordlink": "record_link",
}


@contextmanager
def audit_actor(user) -> Iterator[None]:
    """Attribute every person/record write in the block to `user`, at the database."""
    if user is None or getattr(user, "pk", None) is None:
        raise ValueError("audit_actor needs a saved user")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.actor_id', %s, true)", [str(user.pk)])
        yield
        write_log_fold()
        # set_config(..., true) lasts to the end of the *outer* transaction: reset it so later
        # writes in an enclosing block are not attributed to this user. (On an exception the
        # savepoint or transaction rollback restores the previous value by itself.)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.actor_id', '', true)")


_FOLD_SQL = """
WITH gone AS (
    DELETE FROM registry_write_log
    WHERE id IN (
        SELECT id FROM registry_write_log WHERE {where} ORDER BY id FOR UPDATE SKIP LOCKED
    )
    RETURNING *
)
SELECT g.txid, g.actor_raw, g.table_name, g.operation, count(*) AS n, min(g.staged_at),
       (array_agg(g.object_id ORDER BY g.id) FILTER (WHERE g.object_id IS NOT NULL))[1:%s],
       (SELECT array_agg(DISTINCT pid) FROM (
            SELECT unnest(array_agg(g.person_id) || array_agg(g.old_person_id)) AS pid
        ) x WHERE pid IS NOT NULL),
       array_agg(DISTINCT g.public_id) FILTER (WHERE g.public_id IS NOT NULL)
FROM gone g
GROUP BY g.txid, g.actor_raw, g.table_name, g.operation
ORDER BY min(g.id)
"""


def write_log_fold(*, pending: bool = False) -> int:
    """Fold staged write rows into audit events: this transaction's rows, or (pending=True)
    rows left by other, committed transactions. Returns the number of events written."""
    where = "txid <> txid_current()" if pending else "txid = txid_current()"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_FOLD_SQL.format(where=where), [IDS_MAX])
        groups = cursor.fetchall()
        if not groups:
            return 0
        person_ids = {pid for g in groups for pid in (g[7] or [])}
        public_ids = _public_ids(person_ids)
        events = [_event(g, public_ids) for g in groups]
        return audit_record_many(events)


def _public_ids(person_ids: set[int]) -> dict[int, str]:
    from registry.models import Person

    if not person_ids:
        return {}
    return dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "public_id"))


def _event(group: tuple, public_ids: dict[int, str]) -> dict[str, Any]:
    txid, actor_raw, table, operation, count, staged_at, ids, person_ids, captured = group
    persons = sorted(
        {*(public_ids[p] for p in person_ids or () if p in public_ids), *(captured or ())}
    )
    user = None
    if actor_raw.isdigit():
        user = get_user_model().objects.filter(pk=int(actor_raw)).first()
    viewer = viewer_for(user) if user is not None else None
    return {
        "actor": user,
        "action": f"{_OBJECT.get(table, table)}.db_{operation.lower()}",
        "object_type": table,
        "persons": persons[:PERSONS_MAX],
        "agency_code": viewer.agency_code if viewer else "",
        "role": viewer.role if viewer else "",
        "reason": "" if user else f"unknown actor {actor_raw[:40]!r}",
        "detail": {
            "rows": count,
            "ids": list(ids or []),
            "persons_total": len(persons),
            "txid": txid,
            "staged_at": staged_at.isoformat(),
            "actor_raw": actor_raw[:40],
        },
    }
