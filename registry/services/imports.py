"""records_import: validate a whole batch, then store it atomically as new record versions.

A batch lands whole or not at all; with skip_invalid only the valid rows land and the rest
are reported. Re-sending identical rows changes nothing (content hash); a changed row
becomes a new version and the old one is kept.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import logging
import multiprocessing
import os
import signal
import stat
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import orjson
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from audit.actions import Action
from audit.services import audit_record
from linkage.normalize.record import FIELD_NAMES, normalize_record, nul_errors
from linkage.normalize.regions import RegionMatcher
from linkage.schema import SOURCE_ID_MAX_LENGTH
from linkage.schema import source_id as _source_id
from registry.bound_sql import bound_cursor
from registry.bulk_write import indexes_rebuilt
from registry.ingest import flags as flag_catalogue
from registry.ingest.copy import NULL, copy_writer
from registry.ingest.reading import ParsedFile
from registry.memory import gc_paused
from registry.models import AidReceipt, Dataset, DatasetKind, ImportBatch, SourceRecord
from registry.services.bulk_load import import_worth_rebuilding, loading_in_bulk

logger = logging.getLogger(__name__)

# The normalised columns of SourceRecord are exactly what the normaliser returns.
RECORD_COLUMNS = tuple(FIELD_NAMES)
COPY_COLUMNS = (
    "agency_id",
    "dataset_id",
    "batch_id",
    "source_record_id",
    "version",
    "is_current",
    "content_hash",
    "line_number",
    "created_at",
    "original",
    *RECORD_COLUMNS,
)


@dataclass
class ValidatedRow:
    line: int
    source_record_id: str
    content_hash: str
    # The row's COPY text from `original` on (original JSON, then the normalised columns):
    # built by the worker that normalised it, so only one string per row crosses processes.
    copy_tail: str


@dataclass
class Validation:
    valid: list[ValidatedRow] = field(default_factory=list)
    errors: list[dict[str, object]] = field(default_factory=list)
    # Flags the sender is told about (rows that landed with a field emptied or unreliable):
    # the first PROBLEMS_KEPT of them, and the count of every code.
    problems: list[dict[str, object]] = field(default_factory=list)
    problem_counts: dict[str, int] = field(default_factory=dict)

    @property
    def invalid_lines(self) -> set[int]:
        return {int(e["line"]) for e in self.errors}


def original_json(record: dict[str, object]) -> bytes:
    """The row exactly as sent (spreadsheet dates as ISO text, empty cells dropped), as
    canonical JSON so that the same content always gives the same hash. orjson: the
    standard library's encoder cost more than normalising the row."""
    original = {k: v for k, v in record.items() if v is not None and v != ""}
    options = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    try:  # default=str: a spreadsheet's duration cell (timedelta) is kept as its text
        return orjson.dumps(original, default=str, option=options)
    except TypeError:  # an integer beyond 64 bits (an API's 10**30 NIK): kept as its digits
        original = {k: str(v) if _is_big_int(v) else v for k, v in original.items()}
        return orjson.dumps(original, default=str, option=options)


def _is_big_int(value: object) -> bool:
    return isinstance(value, int) and not -(2**63) <= value < 2**64


# COPY text format: tab-separated, \N for NULL, backslash escapes for backslash, tab,
# newline and carriage return (cheaper for PostgreSQL to parse than CSV, and cheaper here).
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text_field(value: str) -> str:
    """One COPY text field: escaped only when it holds a character that needs it."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_TEXT_ESCAPES)
    return value


def _copy_tail(original: bytes, fields: dict[str, object]) -> str:
    """The COPY text of the row's original JSON and normalised columns (NULL markers, array
    literal for flags, t/f for booleans), in COPY_COLUMNS order. Joined by hand, with one
    escape check per row instead of one per field: JSON escapes every backslash, quote and
    control character of the input with a backslash, so a dump without one proves that no
    input value, and nothing normalised from it, holds a character COPY would need escaped."""
    needs_escape = b"\\" in original
    parts = [original.decode()]
    for column in RECORD_COLUMNS:
        value = fields[column]
        if value is None:
            parts.append(NULL)
        elif column == "flags":
            parts.append("{" + ",".join(value) + "}")  # type: ignore[arg-type]
        elif column == "nik_reliable":
            parts.append("t" if value else "f")
        elif isinstance(value, str):
            parts.append(_text_field(value) if needs_escape else value)
        else:
            parts.append(str(value))
    if needs_escape:
        parts[0] = _text_field(parts[0])
    return "\t".join(parts)


# Rows of the file being validated, set before the worker processes fork so that they read
# them from inherited memory instead of receiving them pickled.
_ROWS: list[tuple[int, dict[str, object]]] = []


def _validate_range(start: int, stop: int, regency_code: str) -> list[tuple]:
    """All per-row CPU work of an import for rows[start:stop]: normalise, canonical JSON,
    content hash, COPY text. Pure Python, no database: runs in worker processes."""
    regions = RegionMatcher.for_regency(regency_code)
    out = []
    with gc_paused():
        for line, record in _ROWS[start:stop]:
            fields, errors = normalize_record(record, regions=regions)
            source_id = _source_id(record)
            if errors:
                out.append((line, source_id, errors, "", "", fields["flags"]))
                continue
            dumped = original_json(record)
            if b"\\u0000" in dumped:  # JSON escapes every NUL: no per-value test needed
                out.append((line, source_id, nul_errors(record), "", "", fields["flags"]))
                continue
            digest = hashlib.sha256(dumped).hexdigest()
            out.append((line, source_id, (), digest, _copy_tail(dumped, fields), fields["flags"]))
    return out


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def worker_process_init(parent_pid: int) -> None:
    """First thing a forked validation worker does: die with its parent, and let go of every
    socket inherited through fork.

    A worker that outlived a kill -9 of its parent kept the parent's PostgreSQL socket open,
    so the server never saw the client go: the backend sat in COPY holding the agency lock,
    and every later import of that agency waited forever (under gunicorn the orphans also
    kept the listening socket, so the server could not restart).

    - prctl(PR_SET_PDEATHSIG, SIGKILL): the kernel kills the worker when the thread that
      forked it ends; if the parent is already gone (the fork raced its death), exit now.
    - Each inherited socket (database connections of Django and of procrastinate's psycopg
      pool, gunicorn's listening and client sockets) is replaced by /dev/null with dup2,
      without any protocol traffic. Closing a libpq connection in the child (Django's
      close(), or letting the object be freed) would send a Terminate message on the
      parent's live session; dup2 releases only the child's reference to the socket, the
      descriptor number stays valid, and whatever later writes to it writes to /dev/null.
      (Celery's Django fixup does the same for forked pool workers with os.close; dup2
      keeps the number from being reused by an unrelated file.)
    - Django's per-thread connection objects are then dropped, so any database use in a
      worker would open a connection of its own instead of writing into the parent's.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in _inherited_sockets():
            os.dup2(devnull, fd)
    finally:
        os.close(devnull)
    from django.db import connections

    # The wrappers hold the libpq objects of the parent's sessions; their sockets are
    # /dev/null now, so dropping them sends nothing anywhere.
    for conn in connections.all(initialized_only=True):
        conn.connection = None
        del connections[conn.alias]


def _inherited_sockets() -> list[int]:
    fds = []
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else []:
        fd = int(name)
        if fd <= 2:
            continue  # stdin/out/err stay (a journal socket under systemd carries the logs)
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                fds.append(fd)
        except OSError:
            continue  # the descriptor of the listdir itself, already closed
    return fds


PARALLEL_MIN_ROWS = 20_000
CHUNK_ROWS = 20_000


def _validated(rows, regions: RegionMatcher, progress, parallel: bool = True):
    """Every row's validation result, in file order. Large files use every core: the work is
    pure CPU and the database waits anyway until validation is complete (all or nothing).
    Not `parallel`: in this process only (a web request never forks)."""
    global _ROWS
    workers = os.cpu_count() or 1
    _ROWS = rows
    try:
        if len(rows) < PARALLEL_MIN_ROWS or workers < 2 or not parallel:
            for start in range(0, len(rows), CHUNK_ROWS):
                chunk = _validate_range(start, start + CHUNK_ROWS, regions.regency_code)
                if progress:
                    progress(len(chunk))
                yield from chunk
            return
        starts = list(range(0, len(rows), CHUNK_ROWS))
        stops = [start + CHUNK_ROWS for start in starts]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=worker_process_init,
            initargs=(os.getpid(),),
        ) as pool:
            codes = [regions.regency_code] * len(starts)
            for chunk in pool.map(_validate_range, starts, stops, codes):
                if progress:
                    progress(len(chunk))
                yield from chunk
    finally:
        _ROWS = []


def _shown_id(source_id: str) -> str:
    """A refused row's id as reported: storable (no NUL) and of bounded length."""
    if "\x00" in source_id or len(source_id) > SOURCE_ID_MAX_LENGTH:
        source_id = source_id.replace("\x00", "\ufffd")
        if len(source_id) > SOURCE_ID_MAX_LENGTH:
            source_id = source_id[:SOURCE_ID_MAX_LENGTH] + "\u2026"
    return source_id


class _RowChecker:
    """Per-row bookkeeping shared by the dry run and the import: every error with its line
    and field, and a second row with the same source_record_id is an error too. Field
    problems (flags) are collected for the sender's report; with strict they are errors."""

    def __init__(self, *, strict: bool = False) -> None:
        self.result = Validation()
        self.first_line_of: dict[str, int] = {}
        self.strict = strict

    def accept(
        self, line, source_id, errors, digest, tail, flags=(), record=None
    ) -> ValidatedRow | None:
        codes = flag_catalogue.reported(flags) if flags and not errors else ()
        if codes and self.strict:
            errors = [
                (flag_catalogue.flag_field(code), code)
                for code in codes
                if code in flag_catalogue.FIELD_PROBLEMS
            ]
        if errors:
            shown = _shown_id(source_id)
            for field_name, reason in errors:
                self.result.errors.append(
                    {"line": line, "field": field_name, "reason": reason, "source_record_id": shown}
                )
        if source_id:
            if source_id in self.first_line_of:
                self.result.errors.append(
                    {
                        "line": line,
                        "field": "source_record_id",
                        "reason": f"duplicate of line {self.first_line_of[source_id]}",
                        "source_record_id": _shown_id(source_id),
                    }
                )
                return None
            self.first_line_of[source_id] = line
        if errors:
            return None
        if codes:
            self._keep_problems(line, source_id, codes, record or {})
        return ValidatedRow(line, source_id, digest, tail)

    def _keep_problems(self, line, source_id, codes, record) -> None:
        """The row landed with these reported flags: counted, and kept for the sender."""
        counts = self.result.problem_counts
        kept = self.result.problems
        for code in codes:
            counts[code] = counts.get(code, 0) + 1
            if len(kept) < flag_catalogue.PROBLEMS_KEPT:
                kept.append(flag_catalogue.problem(line, code, record, source_id))


def validate_rows(
    rows: list[tuple[int, dict[str, object]]],
    *,
    regions: RegionMatcher,
    progress: Callable[[int], None] | None = None,
    parallel: bool = True,
    strict: bool = False,
) -> Validation:
    """Validate and normalise every row once, storing nothing (the upload report's dry run)."""
    checker = _RowChecker(strict=strict)
    for (_, record), item in zip(rows, _validated(rows, regions, progress, parallel), strict=True):
        row = checker.accept(*item, record=record)
        if row is not None:
            checker.result.valid.append(row)
    return checker.result


@dataclass
class ImportOutcome:
    batch: ImportBatch
    validation: Validation
    new_record_ids: list[int] = field(default_factory=list)


class _Rejected(Exception):
    def __init__(self, validation: Validation) -> None:
        self.validation = validation


def records_import(
    *,
    dataset: Dataset,
    parsed: ParsedFile,
    actor=None,
    file_name: str = "",
    file_sha256: str = "",
    channel: str = "file",
    skip_invalid: bool = False,
    strict: bool = False,
    regions: RegionMatcher | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    """Validate and store a batch in one transaction. Rows stream into COPY while the worker
    processes are still validating later rows; the first error stops the copying and, unless
    skip_invalid, rolls everything back, so a batch still lands whole or not at all. Field
    problems (a future birth date, an unknown sex code, ...) are flags and the row lands;
    with strict they are errors like any other."""
    if dataset.kind == DatasetKind.DTSEN:
        # A national DTSEN extract arrives on the same path but becomes household decile
        # facts, not record versions (registry.services.dtsen).
        from registry.services.dtsen import dtsen_import

        return dtsen_import(
            dataset=dataset,
            parsed=parsed,
            actor=actor,
            file_name=file_name,
            file_sha256=file_sha256,
            channel=channel,
            skip_invalid=skip_invalid,
        )
    regions = regions or RegionMatcher.for_regency(_regency_code())
    batch = import_batch_new(
        dataset=dataset,
        parsed=parsed,
        actor=actor,
        channel=channel,
        file_name=file_name,
        file_sha256=file_sha256,
    )
    # The parsed file is hundreds of thousands of long-lived dicts: moved out of the cyclic
    # GC's sight, the collector stops rescanning them on every allocation burst.
    gc.freeze()
    try:
        with transaction.atomic():
            # First, before anything is written: the wait for a running import of the agency
            # is bounded (lock_timeout) and ends in ImportBusy.
            _lock_agency(dataset.agency)
            batch.save()
            # raises _Rejected when a row is invalid and not skip_invalid
            validation, new_ids = _stream_versions(
                batch, parsed.rows, regions, progress, skip_invalid, strict
            )
            batch.errors = validation.errors
            _keep_problems(batch, validation)
            batch.rows_invalid = len(validation.invalid_lines)
            if validation.errors:
                batch.status = ImportBatch.Status.PARTIAL
            batch.save()
            audit_import(batch, actor, outcome="allowed")
    except _Rejected as rejected:
        validation, new_ids = rejected.validation, []
        # The attempt itself is kept (and audited); none of its rows are.
        batch.pk = None
        batch._state.adding = True
        batch.rows_new = batch.rows_changed = batch.rows_unchanged = 0
        batch.status = ImportBatch.Status.REJECTED
        batch.errors = validation.errors
        batch.rows_invalid = len(validation.invalid_lines)
        _keep_problems(batch, validation)
        with transaction.atomic():
            batch.save()
            audit_import(batch, actor, outcome="denied")
    finally:
        gc.unfreeze()
    logger.info(
        "import batch=%s agency=%s status=%s new=%s changed=%s unchanged=%s invalid=%s",
        batch.pk,
        dataset.agency.code,
        batch.status,
        batch.rows_new,
        batch.rows_changed,
        batch.rows_unchanged,
        batch.rows_invalid,
    )
    return ImportOutcome(batch, validation, new_ids)


def _keep_problems(batch: ImportBatch, validation: Validation) -> None:
    batch.problems = validation.problems
    batch.problem_counts = validation.problem_counts


def _regency_code() -> str:
    from django.conf import settings

    return settings.REGISTRY_REGENCY_CODE


COPY_FLUSH_ROWS = 5_000


def _stream_versions(
    batch: ImportBatch, rows, regions, progress, skip_invalid: bool, strict: bool = False
):
    """Validate the rows and COPY each valid new or changed one as it comes. A changed row is
    copied as not current and flipped after the COPY (the old version first), because no other
    statement can run on the connection while a COPY is open."""
    agency = batch.agency
    # (records_import holds the agency's lock: one import per agency at a time, so version
    # numbers and the current flag stay consistent.)
    lap = _Laps()
    current = _current_versions(agency.pk, rows)
    lap("current_versions")
    checker = _RowChecker(strict=strict)
    changed: list[str] = []
    now = timezone.now().isoformat()
    prefix = f"{agency.pk}\t{batch.dataset_id}\t{batch.pk}\t"
    table = SourceRecord._meta.db_table
    # A bulk load (a city's first files) builds the record indexes and checks the batch key
    # once afterwards instead of row by row. At least len(rows) - len(current) rows are new
    # (every current version could be among the rows), so re-sending a file never takes it.
    # Inside bulk_load the indexes are built once for all its files.
    bulk = not loading_in_bulk() and import_worth_rebuilding(table, len(rows) - len(current))
    with (
        indexes_rebuilt(table, enabled=bulk, foreign_keys=("batch_id",)),
        copy_writer(table, COPY_COLUMNS, text=True) as write,
    ):
        pending: list[str] = []
        for (_, record), item in zip(rows, _validated(rows, regions, progress), strict=True):
            row = checker.accept(*item, record=record)
            if row is None or (checker.result.errors and not skip_invalid):
                continue  # nothing more is copied once the batch is going to be rejected
            previous = current.get(row.source_record_id)
            if previous is None:
                version, is_current = 1, "t"
                batch.rows_new += 1
            elif previous[1] == row.content_hash:
                batch.rows_unchanged += 1
                continue
            else:
                version, is_current = previous[0] + 1, "f"
                changed.append(row.source_record_id)
                batch.rows_changed += 1
            pending.append(
                f"{prefix}{_text_field(row.source_record_id)}\t{version}\t{is_current}\t"
                f"{row.content_hash}\t{row.line}\t{now}\t{row.copy_tail}\n"
            )
            if len(pending) >= COPY_FLUSH_ROWS:
                write("".join(pending))
                pending.clear()
        if pending:
            write("".join(pending))
        if checker.result.errors and not skip_invalid:
            raise _Rejected(checker.result)  # before any index is rebuilt: all is rolled back
        lap("validate_copy")
    lap("indexes_rebuilt" if bulk else "indexes")
    if changed:
        _make_current(batch, changed)
    # In row order (ids follow the COPY): physical order is not that once pages have holes.
    new_ids = list(
        SourceRecord.objects.filter(batch=batch).order_by("id").values_list("id", flat=True)
    )
    lap("versions")
    _insert_aid_receipts(batch)
    lap("aid_receipts")
    if bulk:
        # Planner statistics now, not when autovacuum comes by: the first links and reads
        # after a city's first load would otherwise be planned for nearly empty tables.
        with connection.cursor() as cursor:
            for model in (SourceRecord, AidReceipt):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        lap("analyze")
    # per-step seconds of files; a submission's few rows would only double the log's lines
    level = logging.INFO if len(rows) >= PARALLEL_MIN_ROWS else logging.DEBUG
    logger.log(level, "import batch=%s seconds=%s", batch.pk, lap.seconds)
    return checker.result, new_ids


class ImportBusy(Exception):
    """Another import of the agency holds its lock (or the server cancelled the import's
    statement on a timeout): nothing of this import was stored; try again later."""

    def __init__(self, agency_code: str, reason: str) -> None:
        self.agency_code = agency_code
        self.reason = reason
        super().__init__(
            f"agency {agency_code}: {reason}; nothing was imported, try again in a moment"
        )


def _import_timeouts() -> tuple[int, int, int]:
    """(lock, statement, idle in transaction) timeouts of an import, in ms."""
    from django.conf import settings

    return (
        int(getattr(settings, "IMPORT_LOCK_TIMEOUT_MS", 5_000)),
        # Backstops, not limits: a city's first file streams one COPY for minutes, so these
        # only end an import whose client stopped sending (a stuck or stopped process).
        int(getattr(settings, "IMPORT_STATEMENT_TIMEOUT_MS", 30 * 60_000)),
        int(getattr(settings, "IMPORT_IDLE_TIMEOUT_MS", 10 * 60_000)),
    )


def _lock_agency(agency) -> None:
    """Take the agency's import lock, waiting at most IMPORT_LOCK_TIMEOUT_MS: an import that
    finds the agency busy fails within seconds with a clear message instead of queueing
    behind a wedged one forever. SET LOCAL: the timeouts end with the import's transaction."""
    lock_ms, statement_ms, idle_ms = _import_timeouts()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = {lock_ms:d}")
        cursor.execute(f"SET LOCAL statement_timeout = {statement_ms:d}")
        cursor.execute(f"SET LOCAL idle_in_transaction_session_timeout = {idle_ms:d}")
        try:
            with transaction.atomic():
                # NO KEY UPDATE: imports of the agency exclude each other, but rows that only
                # reference the agency (a submission's claim, a new dataset: their foreign
                # key checks take KEY SHARE at commit) do not wait for a running import.
                cursor.execute(
                    f"SELECT 1 FROM {type(agency)._meta.db_table} "  # noqa: S608
                    "WHERE id = %s FOR NO KEY UPDATE",
                    [agency.pk],
                )
        except OperationalError as exc:
            cause = exc.__cause__
            code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
            if code != LOCK_NOT_AVAILABLE:
                raise
            raise ImportBusy(
                agency.code,
                f"another import of this agency is running (lock not granted in "
                f"{lock_ms / 1000:g} s)",
            ) from exc
        # Held: later waits of the import (an index rebuild behind a long read) are bounded
        # by the statement timeout only.
        cursor.execute("SET LOCAL lock_timeout = 0")


LOCK_NOT_AVAILABLE = "55P03"


class _Laps:
    """Seconds per step of an import, for the log (no row content)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = round(now - self._last, 1)
        self._last = now


def _make_current(batch: ImportBatch, source_ids: list[str]) -> None:
    table = SourceRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} SET is_current = false WHERE agency_id = %s AND is_current
                AND source_record_id = ANY(%s)""",  # noqa: S608
            [batch.agency_id, source_ids],
        )
        cursor.execute(
            f"""UPDATE {table} SET is_current = true WHERE batch_id = %s
                AND source_record_id = ANY(%s)""",  # noqa: S608
            [batch.pk, source_ids],
        )


# Up to this many rows, the current versions are probed by source id (index); above, the
# agency's current versions are read whole (one scan beats a probe per row).
PROBE_CURRENT_MAX_ROWS = 20_000


def _current_versions(agency_id: int, rows) -> dict[str, tuple[int, str]]:
    """source_record_id -> (version, content_hash) of the agency's current versions of the
    batch's rows (read before the COPY opens: nothing else can be asked while it streams)."""
    sql = f"""SELECT source_record_id, version, content_hash FROM {SourceRecord._meta.db_table}
              WHERE agency_id = %s AND is_current"""  # noqa: S608
    params: list = [agency_id]
    if len(rows) <= PROBE_CURRENT_MAX_ROWS:
        sql += " AND source_record_id = ANY(%s)"
        # ids PostgreSQL could not even compare (a NUL, longer than the column) are row
        # errors found by validation; they are left out of the probe
        ids = {_source_id(record) for _, record in rows}
        params.append(sorted(i for i in ids if len(i) <= SOURCE_ID_MAX_LENGTH and "\x00" not in i))
    with bound_cursor() as cursor:
        cursor.execute(sql, params)
        return {sid: (version, digest) for sid, version, digest in cursor.fetchall()}


def _insert_aid_receipts(batch: ImportBatch) -> None:
    """One aid receipt per new record version that names a program (a social agency's file
    is one row per receipt: a city's first Dinsos file is about a million of them)."""
    table, records = AidReceipt._meta.db_table, SourceRecord._meta.db_table
    with (
        indexes_rebuilt(table, enabled=_receipts_worth_rebuilding(batch)),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"""
            INSERT INTO {table} (source_record_id, agency_id, program, period, amount, person_id)
            SELECT id, agency_id, program, period, amount, NULL
            FROM {records}
            WHERE batch_id = %s AND program <> ''
            """,  # noqa: S608 - table names come from model metadata, values are parameters
            [batch.pk],
        )


def _receipts_worth_rebuilding(batch: ImportBatch) -> bool:
    """Whether the batch's receipts are a bulk write of their own; counted only when the
    batch copied enough rows to hold that many (a submission's few rows ask nothing)."""
    copied = batch.rows_new + batch.rows_changed
    if loading_in_bulk() or not import_worth_rebuilding(AidReceipt._meta.db_table, copied):
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {SourceRecord._meta.db_table} "  # noqa: S608
            "WHERE batch_id = %s AND program <> ''",
            [batch.pk],
        )
        receipts = cursor.fetchone()[0]
    return import_worth_rebuilding(AidReceipt._meta.db_table, receipts)


def import_batch_new(
    *,
    dataset: Dataset,
    parsed: ParsedFile,
    actor,
    channel: str,
    file_name: str,
    file_sha256: str,
    **fields,
) -> ImportBatch:
    """The unsaved batch of one arriving file (agency records or a DTSEN extract): who sent
    what through which channel, the rows read and skipped; `fields` adds the kind's own."""
    return ImportBatch(
        agency=dataset.agency,
        dataset=dataset,
        created_by=actor if getattr(actor, "pk", None) else None,
        channel=channel,
        file_name=file_name,
        file_sha256=file_sha256,
        rows_total=len(parsed.rows),
        rows_skipped=len(parsed.skipped),
        skipped=parsed.skipped,
        status=ImportBatch.Status.IMPORTED,
        **fields,
    )


def audit_import(
    batch: ImportBatch,
    actor,
    *,
    outcome: str,
    action: Action = Action.RECORDS_IMPORT,
    extra: dict | None = None,
) -> None:
    """The one audit event of an import batch (agency records or a DTSEN extract): who, which
    file, row counts; `extra` adds the kind's own counts."""
    audit_record(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type="import_batch",
        object_id=str(batch.pk),
        agency_code=batch.agency.code,
        outcome=outcome,
        reason="validation failed" if outcome == "denied" else "",
        detail={
            "dataset": batch.dataset.name,
            "channel": batch.channel,
            "file_sha256": batch.file_sha256,
            "rows_total": batch.rows_total,
            "rows_invalid": batch.rows_invalid,
            "rows_new": batch.rows_new,
            "rows_changed": batch.rows_changed,
            "rows_unchanged": batch.rows_unchanged,
            **(extra or {}),
        },
    )
