"""Statements with large array parameters (a thousand ids, golden values of a thousand
persons) on Django's connection, with the parameters bound server-side.

Django's psycopg 3 cursors bind client-side: every parameter is quoted into the SQL text in
Python, which for a batch of 1,000 records cost more than running the statements. A plain
psycopg cursor on the same connection (same transaction) sends them separately.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection


@contextlib.contextmanager
def bound_cursor() -> Iterator:
    """A cursor inside Django's current connection and transaction whose parameters are bound
    server-side (psycopg 3); on psycopg2, Django's own cursor."""
    with connection.cursor() as django_cursor:
        raw = django_cursor.cursor
        if hasattr(raw, "copy_expert"):  # psycopg2
            yield django_cursor
            return
        import psycopg

        with psycopg.Cursor(raw.connection) as cursor:
            yield cursor
