"""Anonymous refusals coalesced per source address and minute (see models.RefusalTally).

`refusal_record` is called instead of `audit_record` for a refusal nobody authenticated made
(a 401/400/403 under /api/ without a caller, a login attempt refused while locked). The first
refusal of its key in the minute is an ordinary chain event (detail.count = 1); the rest are
counted in one row, with a row lock on the attacker's own key instead of the chain's global
append lock. `refusal_tallies_flush` (the worker, every minute) turns the counted rest of each
finished minute into one event (detail.count = how many, detail.coalesced = true), so the
sum of detail.count over the events is exactly the number of refusals.

Refusals with an authenticated caller, lockouts and every other event stay one event each.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from audit.actions import Action
from audit.models import RefusalTally
from audit.services import USER_AGENT_MAX, audit_record, audit_record_many

WINDOW = timedelta(minutes=1)

_UPSERT = f"""
INSERT INTO {RefusalTally._meta.db_table}
    (window_start, ip, action, object_type, object_id, reason, detail, user_agent, count)
VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s, 1)
ON CONFLICT (window_start, ip, action, object_type, object_id, reason, detail)
DO UPDATE SET count = {RefusalTally._meta.db_table}.count + 1
RETURNING count
"""  # noqa: S608 - fixed table name

_TAKE = f"""
DELETE FROM {RefusalTally._meta.db_table} WHERE window_start < %s
RETURNING window_start, ip, action, object_type, object_id, reason, detail, user_agent, count
"""  # noqa: S608 - fixed table name


def window_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def refusal_record(
    *,
    action: Action | str,
    object_type: str,
    object_id: str,
    reason: str,
    ip: str | None,
    user_agent: str = "",
    detail: dict | None = None,
) -> bool:
    """Count one anonymous refusal; append its event now when it is the first of its key in
    this minute (returns True then)."""
    window = window_of(timezone.now())
    detail = json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _UPSERT,
                [window, ip or "", str(action), object_type, object_id[:128], reason[:64],
                 json.dumps(detail, sort_keys=True), user_agent[:USER_AGENT_MAX]],
            )  # fmt: skip
            (count,) = cursor.fetchone()
        if count != 1:
            return False
        audit_record(
            **_event(ip, action, object_type, object_id, reason, user_agent),
            detail={**detail, "window_start": window.isoformat(), "count": 1},
        )
    return True


def refusal_tallies_flush(*, until: datetime | None = None) -> int:
    """Append one event per key of every minute that started before `until` (default: the
    current minute, i.e. every finished minute) for the refusals counted after its first;
    the counters are removed in the same transaction. Returns the refusals written."""
    until = until or window_of(timezone.now())
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_TAKE, [until])
            rows = cursor.fetchall()
        events = []
        written = 0
        for window, ip, action, object_type, object_id, reason, detail, agent, count in rows:
            rest = count - 1  # the first is already in the chain
            if rest <= 0:
                continue
            detail = json.loads(detail) if isinstance(detail, str) else detail
            events.append(
                {
                    **_event(ip, action, object_type, object_id, reason, agent),
                    "detail": {
                        **detail,
                        "window_start": window.isoformat(),
                        "count": rest,
                        "coalesced": True,
                    },
                }
            )
            written += rest
        audit_record_many(events)
    return written


def _event(ip, action, object_type, object_id, reason, user_agent) -> dict[str, Any]:
    return {
        "actor": AnonymousUser(),
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "outcome": "denied",
        "reason": reason,
        "ip": ip or None,
        "user_agent": user_agent,
    }
