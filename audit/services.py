"""Writing the audit trail. The only code that inserts AuditEvent rows: `audit_record` (one
event) and `audit_record_many` (a batch) are the one write API, and their `action` is a code of
the one catalogue, `audit.actions.Action` (pass the member; plain strings from older callers are
accepted, and tests/audit/test_actions.py keeps every code written in the catalogue).

Call these inside the transaction of the action being recorded, so the action and its event
commit or roll back together. Appends are serialised by a transaction-level advisory lock that
is held until *the caller's* transaction ends, so: record the event as the last step of the
atomic block (right before commit), and avoid slow work after it; otherwise every other audited
action in the city waits, and lock-order deadlocks with row locks become possible.

Ordinary READ COMMITTED transactions are assumed (Django's default): under REPEATABLE READ the
previous hash could come from a stale snapshot; the unique prev_hash constraint then makes the
append fail instead of forking the chain.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from audit.actions import Action
from audit.chain import (
    GENESIS_HASH,
    VerifyResult,
    chain_head,
    compute_hash,
    format_timestamp,
    verify_chain,
)
from audit.models import AuditEvent, Outcome

__all__ = [
    "audit_context_from_request",
    "audit_record",
    "audit_record_many",
    "chain_head",
    "verify_chain",
    "VerifyResult",
]

# pg_advisory_xact_lock key for appending to the chain: b"AUDIT_CH" as a big-endian bigint,
# so it is recognisable in pg_locks (classid 0x41554449, objid 0x545F4348).
AUDIT_CHAIN_LOCK_KEY = 0x41554449545F4348
USER_AGENT_MAX = 512
BULK_ROWS_PER_STATEMENT = 5000

# Column types for the bulk insert (jsonb_to_recordset needs a column definition list).
_BULK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("occurred_at", "timestamptz"),
    ("actor_id", "bigint"),
    ("actor_username", "text"),
    ("agency_code", "text"),
    ("role", "text"),
    ("action", "text"),
    ("object_type", "text"),
    ("object_id", "text"),
    ("persons", "text[]"),
    ("purpose_code", "text"),
    ("purpose_text", "text"),
    ("outcome", "text"),
    ("reason", "text"),
    ("ip", "inet"),
    ("user_agent", "text"),
    ("query", "jsonb"),
    ("detail", "jsonb"),
    ("prev_hash", "text"),
    ("hash", "text"),
)

_OUTCOMES = frozenset(Outcome.values)


def _text(value: Any) -> str:
    # PostgreSQL text cannot hold NUL and UTF-8 cannot hold lone surrogates; both can arrive in
    # request data, and an unstorable audit value must not break the audited action.
    s = "" if value is None else str(value)
    return s.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, dict):
        return {_text(k): _clean_json(v) for k, v in value.items()}
    return value


def _json(value: dict | None) -> Any:
    # Round-trip through JSON so dates, UUIDs, Decimals and tuples are stored and hashed in the
    # exact form they are read back in; NaN/Infinity are refused (jsonb rejects them).
    if value is None:
        return {}
    return _clean_json(json.loads(json.dumps(value, cls=DjangoJSONEncoder, allow_nan=False)))


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    # Same textual form PostgreSQL's inet returns, so the hash survives the round trip.
    addr = ipaddress.ip_address(str(value).split("%", 1)[0])
    return str(addr)


def _actor(actor: Any) -> tuple[int | None, str]:
    if actor is None:
        return None, ""  # the system itself
    if not getattr(actor, "is_authenticated", False):
        return None, "anonymous"
    return actor.pk, actor.get_username()


def _fields(
    *,
    actor: Any,
    action: Action | str,
    object_type: str = "",
    object_id: str = "",
    persons: Sequence[str] = (),
    purpose_code: str = "",
    purpose_text: str = "",
    outcome: str = Outcome.ALLOWED,
    reason: str = "",
    agency_code: str = "",
    role: str = "",
    ip: str | None = None,
    user_agent: str = "",
    query: dict | None = None,
    detail: dict | None = None,
) -> dict[str, Any]:
    """Validate and normalise one event's caller-supplied values (everything but the chain)."""
    if not action:
        raise ValueError("audit action is required")
    if outcome not in _OUTCOMES:
        raise ValueError(f"audit outcome must be one of {sorted(_OUTCOMES)}")
    if isinstance(persons, str):
        # A lone public id would otherwise be split into characters.
        raise TypeError("persons must be a sequence of public ids, not a string")
    actor_id, actor_username = _actor(actor)
    return {
        "actor_id": actor_id,
        "actor_username": _text(actor_username),
        "agency_code": _text(agency_code),
        "role": _text(role),
        "action": _text(action),
        "object_type": _text(object_type),
        "object_id": _text(object_id),
        "persons": [_text(p) for p in persons],
        "purpose_code": _text(purpose_code),
        "purpose_text": _text(purpose_text),
        "outcome": str(outcome),
        "reason": _text(reason),
        "ip": _ip(ip),
        "user_agent": _text(user_agent)[:USER_AGENT_MAX],
        "query": _json(query),
        "detail": _json(detail),
    }


def _lock_and_get_head() -> str:
    """Take the append lock (held to the end of the transaction) and return the head hash."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK_KEY])
    # Read after the lock: under READ COMMITTED this statement sees the previous writer's commit.
    head = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    return head or GENESIS_HASH


def _chain(fields_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lock, then link the events after the current head; returns complete rows."""
    prev_hash = _lock_and_get_head()
    # Stamped after the lock so occurred_at follows chain order (barring clock steps).
    now = timezone.now()
    rows = []
    for fields in fields_list:
        row = {**fields, "occurred_at": now, "prev_hash": prev_hash}
        row["hash"] = compute_hash(row)
        rows.append(row)
        prev_hash = row["hash"]
    return rows


def _bulk_insert(rows: list[dict[str, Any]]) -> None:
    # One jsonb parameter per statement instead of bulk_create: measured 20,000 events in
    # 0.9 s against 13.5 s for bulk_create (Django compiles, and psycopg splits, ~19 placeholders
    # per row), and all other audited actions wait on the append lock meanwhile.
    # ORDER BY ord: identity values are assigned in row order, so id order is chain order.
    names = ", ".join(name for name, _ in _BULK_COLUMNS)
    definitions = ", ".join(f"{name} {sql_type}" for name, sql_type in _BULK_COLUMNS)
    sql = (
        f"INSERT INTO {AuditEvent._meta.db_table} ({names}) "  # noqa: S608 - fixed names
        f"SELECT {names} FROM jsonb_to_recordset(%s::jsonb) AS r({definitions}, ord integer) "
        "ORDER BY ord"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BULK_ROWS_PER_STATEMENT):
            chunk = rows[start : start + BULK_ROWS_PER_STATEMENT]
            payload = [
                {**row, "occurred_at": format_timestamp(row["occurred_at"]), "ord": i}
                for i, row in enumerate(chunk)
            ]
            cursor.execute(sql, [json.dumps(payload, ensure_ascii=False)])


def audit_record(
    *,
    actor: Any,
    action: Action | str,
    object_type: str = "",
    object_id: str = "",
    persons: Sequence[str] = (),
    purpose_code: str = "",
    purpose_text: str = "",
    outcome: str = "allowed",
    reason: str = "",
    agency_code: str = "",
    role: str = "",
    ip: str | None = None,
    user_agent: str = "",
    query: dict | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event. `actor` is a user, None for the system, or AnonymousUser."""
    fields = _fields(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        persons=persons,
        purpose_code=purpose_code,
        purpose_text=purpose_text,
        outcome=outcome,
        reason=reason,
        agency_code=agency_code,
        role=role,
        ip=ip,
        user_agent=user_agent,
        query=query,
        detail=detail,
    )
    # savepoint=False: if the append fails, the caller's whole transaction must roll back;
    # an action must never commit without its event.
    with transaction.atomic(savepoint=False):
        (row,) = _chain([fields])
        event = AuditEvent(**row)
        event.save(force_insert=True)
    return event


def audit_record_many(events: Sequence[dict]) -> int:
    """Append many events (each a dict of audit_record's keyword arguments) in one go.

    One lock, hashes chained in Python in the given order, rows inserted a few thousand per
    statement. For an action touching very many persons, one event whose `persons` lists them
    all (GIN-indexed) is usually better than one event per person.
    """
    fields_list = [_fields(**e) for e in events]
    if not fields_list:
        return 0
    with transaction.atomic(savepoint=False):
        _bulk_insert(_chain(fields_list))
    return len(fields_list)


def _client_ip(request: Any) -> str | None:
    candidate = request.META.get("REMOTE_ADDR")
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The right-most entry is the one our own (trusted) reverse proxy appended; entries to
        # its left come from the client and can be forged.
        entries = [e.strip() for e in forwarded.split(",") if e.strip()]
        if entries:
            candidate = entries[-1]
    try:
        return _ip(candidate)
    except ValueError:
        return None


def audit_context_from_request(request: Any) -> dict:
    """{'ip': ..., 'user_agent': ...} to splat into audit_record(**ctx, ...)."""
    return {
        "ip": _client_ip(request),
        "user_agent": _text(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX],
    }
