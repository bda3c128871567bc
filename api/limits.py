"""Per-credential rate limits and statement timeouts.

Rate limits are fixed one-minute windows counted in PostgreSQL (api_ratelimitwindow, one UPSERT
per request), so every process and machine behind the same database shares the count; no
separate cache service is needed. Statement timeouts use SET LOCAL inside a transaction so a
slow query is cancelled by the server and the setting never leaks to the next request on the
same connection.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from api.errors import ApiError, RateLimited
from api.models import RateLimitWindow
from registry.selectors import InvalidPurpose, InvalidQuery, NotFound

T = TypeVar("T")
WINDOW_SECONDS = 60
DEFAULT_STATEMENT_TIMEOUT_MS = 5000


def rate_limit_hit(bucket: str, limit: int) -> None:
    """Count one request for `bucket`; raise RateLimited past `limit` per window."""
    if limit <= 0:
        return
    now = timezone.now()
    window = now.replace(second=0, microsecond=0)
    table = RateLimitWindow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (bucket, window_start, count) VALUES (%s, %s, 1)
                ON CONFLICT (bucket, window_start)
                DO UPDATE SET count = {table}.count + 1
                RETURNING count""",  # noqa: S608 - table name from model metadata
            [bucket, window],
        )
        (count,) = cursor.fetchone()
        if count == 1:
            # First hit of a new window: forget this bucket's old windows.
            cursor.execute(
                f"DELETE FROM {table} WHERE bucket = %s AND window_start < %s",  # noqa: S608
                [bucket, window - timedelta(minutes=5)],
            )
    if count > limit:
        elapsed = (now - window).total_seconds()
        raise RateLimited(max(1, math.ceil(WINDOW_SECONDS - elapsed)), limit)


def statement_timeout_ms() -> int:
    return int(getattr(settings, "API_STATEMENT_TIMEOUT_MS", DEFAULT_STATEMENT_TIMEOUT_MS))


def bounded(fn: Callable[[], T], *, timeout_ms: int | None = None) -> T:
    """Run fn in a transaction whose statements the server cancels after timeout_ms.

    Selectors raise NotFound after writing their denial audit event; the exception is carried
    out of the block so that event still commits (a rollback would erase the trail)."""
    ms = int(timeout_ms or statement_timeout_ms())
    outcome: list = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {ms}")
        try:
            outcome.append(fn())
        except (NotFound, InvalidPurpose, InvalidQuery, ApiError) as exc:
            carried = exc
        else:
            carried = None
    if carried is not None:
        raise carried
    return outcome[0]
