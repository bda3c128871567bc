"""Bulk writes that rebuild a table's indexes and foreign keys instead of maintaining them.

A city's first link writes millions of rows into tables that carry several indexes and
deferred foreign keys: every row then costs an entry in each index (mostly in random order)
and a queued check that PostgreSQL runs row by row at commit. Building an index by one sort
and validating a foreign key by one join are several times cheaper. The price: DROP INDEX
and ALTER TABLE hold the table exclusively until the transaction ends, so only bulk writes
(a share of the table, see `worth_rebuilding`) take this path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection

# A write of at least this many rows, and at least this share of the table's rows after the
# write, rebuilds the indexes instead of maintaining them row by row.
REBUILD_MIN_ROWS = 100_000
REBUILD_SHARE = 0.25


def worth_rebuilding(table: str, rows: int, *, min_rows: int | None = None) -> bool:
    """Whether writing `rows` rows into `table` should take the rebuild path (at least
    `min_rows`, REBUILD_MIN_ROWS unless given, and REBUILD_SHARE of the table)."""
    if rows < (REBUILD_MIN_ROWS if min_rows is None else min_rows):
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a model's table
        existing = cursor.fetchone()[0]
    return rows >= REBUILD_SHARE * (existing + rows)


def _secondary_indexes(
    cursor, table: str, keep: tuple[str, ...] | None = None
) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes no constraint owns, but for an index on
    exactly the columns `keep`."""
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
                  ARRAY(SELECT a.attname::text
                          FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)
                          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                         ORDER BY k.n)
             FROM pg_index i
            WHERE i.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1""",
        [table],
    )
    kept = list(keep) if keep else None
    return [
        (name, definition) for name, definition, columns in cursor.fetchall() if columns != kept
    ]


def _foreign_keys(cursor, table: str, columns: tuple[str, ...] | None) -> list[tuple[str, str]]:
    """(name, definition) of the table's foreign keys, or of those on `columns` only."""
    cursor.execute(
        """SELECT c.conname, pg_get_constraintdef(c.oid)
             FROM pg_constraint c
            WHERE c.conrelid = %s::regclass AND c.contype = 'f'
              AND (%s::text[] IS NULL OR (
                   SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
                    WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey))
                   <@ %s::text[])
            ORDER BY 1""",
        [table, list(columns) if columns else None, list(columns) if columns else None],
    )
    return cursor.fetchall()


def run_pending_checks(cursor) -> None:
    """Run the deferred foreign-key checks queued so far, as a commit would, then defer again:
    ALTER TABLE and CREATE INDEX refuse a table with pending trigger events."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextlib.contextmanager
def indexes_rebuilt(
    table: str,
    *,
    enabled: bool = True,
    foreign_keys: tuple[str, ...] | None = None,
    keep: tuple[str, ...] | None = None,
) -> Iterator[None]:
    """Inside the caller's transaction: drop `table`'s secondary indexes (but an index on
    exactly the columns `keep`) and its foreign keys (all of them, or those on `foreign_keys`
    columns), run the block, re-create them. Indexes that back a constraint (primary key,
    unique) stay: they keep the data honest while it is written. With `enabled` false the
    block runs with everything in place."""
    if not enabled:
        yield
        return
    with connection.cursor() as cursor:
        indexes = _secondary_indexes(cursor, table, keep)
        keys = _foreign_keys(cursor, table, foreign_keys)
        run_pending_checks(cursor)
        for name, _definition in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        run_pending_checks(cursor)
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in keys:
            # validated by one join instead of a check per row
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
