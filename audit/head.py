"""The chain head kept outside the database, where its superuser cannot rewrite it.

The hash chain alone catches an edited event only if the tamperer leaves the later hashes
alone: someone able to disable the triggers can recompute every hash after the edit and the
chain is valid again. So the head (last id, hash, count) is appended on a schedule
(audit.tasks, a procrastinate periodic job) to a file outside the database: one JSON line per
export, each signed with HMAC-SHA256 under AUDIT_HEAD_KEY, a key that only the application's
environment holds (never a table, never a query). Verification then requires every exported
head to still be in the chain with the same hash; a rewrite from an event at or before an
exported head fails, and so does a truncated tail. Lines are only appended (O_APPEND); the
operator can also make the file append-only for the OS (`chattr +a`) or ship it off the host.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from audit.chain import VerifyResult, canonical_json, chain_head, format_timestamp, verify_chain

SIGNED_FIELDS = ("id", "hash", "count", "occurred_at", "exported_at")


class HeadFileError(Exception):
    """The exported-head file is unreadable or a line is not signed with our key."""


def _key() -> bytes:
    key = getattr(settings, "AUDIT_HEAD_KEY", "")
    if not key:
        raise HeadFileError("AUDIT_HEAD_KEY is not set")
    return key.encode("utf-8")


def _path() -> Path:
    return Path(settings.AUDIT_HEAD_FILE)


def _signature(fields: dict[str, Any]) -> str:
    payload = canonical_json({name: fields[name] for name in SIGNED_FIELDS})
    return hmac.new(_key(), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def head_export() -> dict[str, Any]:
    """Append the current chain head as one signed line; returns the line's fields."""
    head = chain_head()
    line = {
        "id": head["id"],
        "hash": head["hash"],
        "count": head["count"],
        "occurred_at": (
            format_timestamp(head["occurred_at"]) if head["occurred_at"] is not None else None
        ),
        "exported_at": format_timestamp(timezone.now()),
    }
    line["sig"] = _signature(line)
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: each line is written at the end in one write, whatever else appends.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(line, sort_keys=True) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return line


def exported_heads() -> list[dict[str, Any]]:
    """Every exported head, oldest first, each signature checked ([] when none yet)."""
    path = _path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise HeadFileError(f"cannot read {path.name}: {exc.strerror}") from None
    heads = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
            signed = {name: line[name] for name in SIGNED_FIELDS}
            signature = str(line["sig"])
        except (ValueError, KeyError, TypeError):
            raise HeadFileError(f"line {number} of {path.name} is not an exported head") from None
        if not hmac.compare_digest(_signature(signed), signature):
            raise HeadFileError(f"line {number} of {path.name} has an invalid signature")
        heads.append({**signed, "line": number})
    return heads


@dataclass(frozen=True)
class HeadCheck:
    result: VerifyResult
    latest: dict[str, Any] | None  # the newest exported head compared against, if any


def verify_with_exported_heads(*, batch_size: int = 10000) -> HeadCheck:
    """Verify the chain and that every exported head is still in it, unchanged."""
    try:
        # Read before the chain: every head in the file was committed before this moment.
        heads = exported_heads()
    except HeadFileError as exc:
        return HeadCheck(VerifyResult(False, 0, None, f"exported head file: {exc}"), None)
    expected = {int(h["id"]): str(h["hash"]) for h in heads if h["id"] is not None}
    result = verify_chain(batch_size=batch_size, exported_heads=expected)
    return HeadCheck(result, heads[-1] if heads else None)


def parse_timestamp(value: str | None) -> dt.datetime | None:
    """An exported timestamp ("...Z") back as an aware datetime, for display."""
    if not value:
        return None
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
