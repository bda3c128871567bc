"""bulk_load(): a city's first agency files imported in one transaction, indexes built once.

Each records_import is one batch that lands whole or not at all. A city's first load is
several such files (civil registry, social affairs, health, ...), millions of rows into
nearly empty tables. Imported one by one, every file either maintains the record indexes
row by row or drops and rebuilds them over the whole table: at 2 million persons the five
files spent 134 s on indexes. Inside bulk_load the files are imported as before (each its own
batch, savepoint and audit event; a rejected file is rolled back alone), but the indexes of
records and aid receipts are dropped once before the first file and built once after the
last, and the whole load commits together.

While it runs, records and aid receipts are locked (DROP INDEX): a first load, not a
routine upload, takes this path, and only when the rows are a large share of the table.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db import connection, transaction

from registry.bulk_write import indexes_rebuilt, worth_rebuilding
from registry.models import AidReceipt, SourceRecord

# An import rebuilds indexes only from this many new rows (and REBUILD_SHARE of the table):
# below, the record indexes stay in memory and row-by-row upkeep is cheaper. A 200,000-person
# city imported file by file took 4 s longer (39.6 s) with its first file and Dinkes rebuilt;
# the first file of a 2,000,000-person city, 2 M rows, took 80 s instead of 132 s.
IMPORT_REBUILD_MIN_ROWS = 500_000


def import_worth_rebuilding(table: str, rows: int) -> bool:
    """worth_rebuilding with the import's own minimum."""
    return worth_rebuilding(table, rows, min_rows=IMPORT_REBUILD_MIN_ROWS)


_LOADING: contextvars.ContextVar[bool] = contextvars.ContextVar("bulk_load", default=False)


def loading_in_bulk() -> bool:
    """Whether a bulk_load that rebuilds the indexes is running (records_import then leaves
    the indexes and statistics to it)."""
    return _LOADING.get()


@contextlib.contextmanager
def bulk_load(rows: int) -> Iterator[bool]:
    """One transaction for the records_import calls in the block. When `rows`, the rows about
    to be loaded (see `data_lines`), are a large share of the records table, the secondary
    indexes and foreign keys of records and aid receipts are built once at the end (the batch
    key's index stays: each import reads its own batch back). Yields whether they are."""
    records, receipts = SourceRecord._meta.db_table, AidReceipt._meta.db_table
    with transaction.atomic():
        rebuild = import_worth_rebuilding(records, rows)
        with (
            indexes_rebuilt(
                records, enabled=rebuild, foreign_keys=("batch_id",), keep=("batch_id",)
            ),
            indexes_rebuilt(receipts, enabled=rebuild),
        ):
            token = _LOADING.set(rebuild)
            try:
                yield rebuild
            finally:
                _LOADING.reset(token)
        if rebuild:
            # planner statistics for the first links and reads, not when autovacuum comes by
            with connection.cursor() as cursor:
                for table in (records, receipts):
                    cursor.execute(f"ANALYZE {table}")


def data_lines(paths: Iterable[Path]) -> int:
    """Line count of text files (header and title rows included): the size of a load before
    its files are parsed. A spreadsheet counts as nothing (its rows are not lines)."""
    total = 0
    for path in paths:
        if path.suffix.lower() in {".csv", ".txt"}:
            with path.open("rb") as handle:
                total += sum(
                    block.count(b"\n") for block in iter(lambda h=handle: h.read(1 << 20), b"")
                )
    return total
