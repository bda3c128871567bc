"""Hash chain of audit events: canonical serialisation, hashing, head export, verification.

hash = sha256(canonical_json({"v": 1, <HASHED_FIELDS>})) where the fields include prev_hash.

Canonical JSON (version 1), chosen so that the value read back from PostgreSQL hashes the same
as the value the writer hashed:
- objects with keys sorted by code point, no whitespace, strings escaped as `json.dumps` does
  with ensure_ascii=False;
- numbers as normalised decimals ("1E+2", "0.5", "-3"): jsonb stores numbers as numeric, so
  1e100 written as a float can come back as an int and 5.0 vs 5 must not matter;
- occurred_at as UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ" (timestamptz keeps microseconds);
- actor_id as an integer or null; persons as a list in stored order.
Changing any of this breaks every existing hash: add a new version instead.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

from audit.models import AuditEvent

# What json.dumps(s, ensure_ascii=False) does for a str, without building an encoder each call.
_quote = encode_basestring

GENESIS_HASH = "0" * 64
CANONICAL_VERSION = 1

# Exactly the fields covered by the hash (id is not: position is fixed by prev_hash links).
HASHED_FIELDS: tuple[str, ...] = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "agency_code",
    "role",
    "action",
    "object_type",
    "object_id",
    "persons",
    "purpose_code",
    "purpose_text",
    "outcome",
    "reason",
    "ip",
    "user_agent",
    "query",
    "detail",
    "prev_hash",
)


def format_timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _number(value: int | float | decimal.Decimal) -> str:
    if type(value) is int and value % 10 and -(10**27) < value < 10**27:
        return str(value)  # fast path, identical to the normalised-decimal form below
    d = value if isinstance(value, decimal.Decimal) else decimal.Decimal(repr(value))
    if not d.is_finite():
        raise ValueError("audit JSON cannot hold NaN or Infinity")
    if d.is_zero():
        return "0"  # numeric has no negative zero
    # Enough precision that normalising never rounds (the default context keeps 28 digits).
    ctx = decimal.Context(prec=max(28, len(d.as_tuple().digits)))
    return str(d.normalize(ctx))


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_quote(value))
    elif isinstance(value, int | float | decimal.Decimal):
        out.append(_number(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, Mapping):
        out.append("{")
        for i, key in enumerate(sorted(value)):
            if not isinstance(key, str):
                raise TypeError("audit JSON object keys must be strings")
            if i:
                out.append(",")
            out.append(_quote(key))
            out.append(":")
            _encode(value[key], out)
        out.append("}")
    else:
        raise TypeError(f"cannot canonicalise {type(value).__name__} in an audit event")


def canonical_json(value: Any) -> str:
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def compute_hash(fields: Mapping[str, Any]) -> str:
    """Hash of one event given its HASHED_FIELDS (a model's values() row or the writer's dict)."""
    payload: dict[str, Any] = {"v": CANONICAL_VERSION}
    for name in HASHED_FIELDS:
        value = fields[name]
        if name == "occurred_at":
            value = format_timestamp(value)
        payload[name] = value
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def chain_head() -> dict:
    """The last event's id and hash plus the event count, to keep outside the database.

    A later `verify_chain(expected_head_hash=...)` then detects a truncated tail, which the
    chain alone cannot (the remaining prefix is still a valid chain).
    """
    head = AuditEvent.objects.order_by("-id").values("id", "hash", "occurred_at").first()
    if head is None:
        return {"id": None, "hash": GENESIS_HASH, "occurred_at": None, "count": 0}
    # Ids are drawn and committed one writer at a time, so every event below the committed
    # head is committed too: the count matches the head without locking out writers.
    count = AuditEvent.objects.filter(id__lte=head["id"]).count()
    return {**head, "count": count}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None
    problem: str


def _iter_events(batch_size: int, last_id: int) -> Iterator[dict[str, Any]]:
    # Keyset pages instead of a server-side cursor: constant memory, no long-lived cursor or
    # transaction, and it works behind a transaction-pooling proxy.
    after = 0
    while True:
        page = list(
            AuditEvent.objects.filter(id__gt=after, id__lte=last_id)
            .order_by("id")
            .values("id", "hash", *HASHED_FIELDS)[:batch_size]
        )
        if not page:
            return
        yield from page
        after = page[-1]["id"]


def verify_chain(
    *,
    batch_size: int = 10000,
    expected_head_hash: str | None = None,
    exported_heads: Mapping[int, str] | None = None,
) -> VerifyResult:
    """Walk all events in id order and check every hash and every link.

    Detects edited content (hash mismatch), removed or reordered events (prev_hash differs from
    the previous event's hash; removing the first event breaks the genesis link) and, given a
    previously exported head hash, a truncated tail. `exported_heads` (event id -> hash, from
    audit.head) must all be found unchanged: that also catches a chain rewritten consistently
    after an edited event. Events appended while verifying are left for the next run.
    """
    exported = dict(exported_heads or {})
    last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    expected_seen = expected_head_hash in (None, GENESIS_HASH)
    prev_hash, prev_id, checked = GENESIS_HASH, None, 0
    for row in _iter_events(batch_size, last_id):
        if row["prev_hash"] != prev_hash:
            where = f"event {prev_id}" if prev_id is not None else "genesis"
            return VerifyResult(
                False,
                checked,
                row["id"],
                f"prev_hash does not match the hash of {where} (event removed or reordered)",
            )
        if compute_hash(row) != row["hash"]:
            return VerifyResult(
                False, checked, row["id"], "stored hash does not match the event content"
            )
        if row["id"] in exported and exported.pop(row["id"]) != row["hash"]:
            return VerifyResult(
                False,
                checked,
                row["id"],
                "differs from the head exported outside the database (chain rewritten)",
            )
        checked += 1
        prev_hash, prev_id = row["hash"], row["id"]
        if row["hash"] == expected_head_hash:
            expected_seen = True
    if exported:
        missing = min(exported)
        return VerifyResult(
            False,
            checked,
            missing,
            "an exported head is no longer in the chain (tail truncated or chain rewritten)",
        )
    if not expected_seen:
        return VerifyResult(
            False,
            checked,
            None,
            "expected head hash not found in the chain (tail truncated or chain rewritten)",
        )
    return VerifyResult(True, checked, None, "")
