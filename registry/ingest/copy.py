"""Bulk insert through PostgreSQL COPY: an order of magnitude faster than ORM saves."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

from django.db import connection

NULL = "\\N"


def _cell(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | tuple):
        # PostgreSQL array literal of plain tokens (flags never contain quotes or commas).
        return "{" + ",".join(str(v) for v in value) + "}"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY rows into table inside the caller's transaction; returns the number of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    count = 0
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        count += 1
    if not count:
        return 0
    buffer.seek(0)
    column_list = ", ".join(f'"{c}"' for c in columns)
    sql = f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, buffer)
    return count
