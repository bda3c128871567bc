"""records_import: validate a whole batch, then store it atomically as new record versions.

A batch lands whole or not at all; with skip_invalid only the valid rows land and the rest
are reported. Re-sending identical rows changes nothing (content hash); a changed row
becomes a new version and the old one is kept.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import orjson
from django.db import connection, transaction
from django.utils import timezone

from audit.services import audit_record
from linkage.normalize.record import FIELD_NAMES, normalize_record
from linkage.normalize.regions import RegionMatcher
from registry.ingest.copy import NULL, copy_rows
from registry.ingest.reading import ParsedFile
from registry.models import AidReceipt, Dataset, ImportBatch, SourceRecord

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
    original_json: str  # the row as sent, canonical JSON: hashed and stored as is
    fields: dict[str, object]
    content_hash: str


@dataclass
class Validation:
    valid: list[ValidatedRow] = field(default_factory=list)
    errors: list[dict[str, object]] = field(default_factory=list)

    @property
    def invalid_lines(self) -> set[int]:
        return {int(e["line"]) for e in self.errors}


def original_json(record: dict[str, object]) -> bytes:
    """The row exactly as sent (spreadsheet dates as ISO text, empty cells dropped), as
    canonical JSON so that the same content always gives the same hash. orjson: the
    standard library's encoder cost more than normalising the row."""
    original = {k: v for k, v in record.items() if v is not None and v != ""}
    return orjson.dumps(original, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def _source_id(record: dict[str, object]) -> str:
    value = record.get("source_record_id")
    if isinstance(value, float) and value.is_integer():
        return format(value, ".0f")  # a numeric id typed in a spreadsheet cell
    return str(value or "").strip()


def _normalise_chunk(rows: list[tuple[int, dict[str, object]]], regency_code: str):
    """Worker side of the parallel validation: pure Python, no database."""
    regions = RegionMatcher.for_regency(regency_code)
    out = []
    for line, record in rows:
        fields, errors = normalize_record(record, regions=regions)
        out.append((line, record, fields, errors))
    return out


PARALLEL_MIN_ROWS = 20_000
CHUNK_ROWS = 10_000


def _normalised(rows, regions: RegionMatcher, progress):
    """Normalise every row once. Large files use every core: normalising is pure CPU work
    and the database waits anyway until validation is complete (all or nothing)."""
    workers = os.cpu_count() or 1
    if len(rows) < PARALLEL_MIN_ROWS or workers < 2:
        for line, record in rows:
            fields, errors = normalize_record(record, regions=regions)
            if progress:
                progress(1)
            yield line, record, fields, errors
        return
    chunks = [rows[i : i + CHUNK_ROWS] for i in range(0, len(rows), CHUNK_ROWS)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for chunk in pool.map(_normalise_chunk, chunks, [regions.regency_code] * len(chunks)):
            if progress:
                progress(len(chunk))
            yield from chunk


def validate_rows(
    rows: list[tuple[int, dict[str, object]]],
    *,
    regions: RegionMatcher,
    progress: Callable[[int], None] | None = None,
) -> Validation:
    """Normalise every row once; collect every error with its line and field."""
    result = Validation()
    first_line_of: dict[str, int] = {}
    for line, record, fields, errors in _normalised(rows, regions, progress):
        source_id = _source_id(record)
        for field_name, reason in errors:
            result.errors.append(
                {"line": line, "field": field_name, "reason": reason, "source_record_id": source_id}
            )
        if source_id:
            if source_id in first_line_of:
                result.errors.append(
                    {
                        "line": line,
                        "field": "source_record_id",
                        "reason": f"duplicate of line {first_line_of[source_id]}",
                        "source_record_id": source_id,
                    }
                )
                errors = [*errors, ("source_record_id", "duplicate")]
            else:
                first_line_of[source_id] = line
        if not errors:
            dumped = original_json(record)
            digest = hashlib.sha256(dumped).hexdigest()
            result.valid.append(ValidatedRow(line, source_id, dumped.decode(), fields, digest))
    return result


@dataclass
class ImportOutcome:
    batch: ImportBatch
    validation: Validation
    new_record_ids: list[int] = field(default_factory=list)


def records_import(
    *,
    dataset: Dataset,
    parsed: ParsedFile,
    actor=None,
    file_name: str = "",
    file_sha256: str = "",
    channel: str = "file",
    skip_invalid: bool = False,
    regions: RegionMatcher | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    regions = regions or RegionMatcher.for_regency(_regency_code())
    # The parsed file is hundreds of thousands of long-lived dicts: moved out of the cyclic
    # GC's sight, the collector stops rescanning them on every allocation burst.
    gc.freeze()
    try:
        validation = validate_rows(parsed.rows, regions=regions, progress=progress)
    finally:
        gc.unfreeze()
    invalid_lines = validation.invalid_lines
    batch = ImportBatch(
        agency=dataset.agency,
        dataset=dataset,
        created_by=actor if getattr(actor, "pk", None) else None,
        channel=channel,
        file_name=file_name,
        file_sha256=file_sha256,
        rows_total=len(parsed.rows),
        rows_invalid=len(invalid_lines),
        rows_skipped=len(parsed.skipped),
        errors=validation.errors,
        skipped=parsed.skipped,
    )
    with transaction.atomic():
        if validation.errors and not skip_invalid:
            batch.status = ImportBatch.Status.REJECTED
            batch.save()
            _audit_import(batch, actor, outcome="denied")
            return ImportOutcome(batch, validation)
        batch.status = (
            ImportBatch.Status.PARTIAL if validation.errors else ImportBatch.Status.IMPORTED
        )
        batch.save()
        new_ids = _store_versions(batch, validation.valid)
        batch.save(update_fields=["rows_new", "rows_changed", "rows_unchanged"])
        _audit_import(batch, actor, outcome="allowed")
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


def _regency_code() -> str:
    from django.conf import settings

    return settings.REGISTRY_REGENCY_CODE


def _store_versions(batch: ImportBatch, rows: list[ValidatedRow]) -> list[int]:
    agency = batch.agency
    # One import per agency at a time: version numbers and the current flag stay consistent.
    type(agency).objects.select_for_update().filter(pk=agency.pk).first()
    current = _current_versions(agency.pk, [r.source_record_id for r in rows])
    to_write: list[tuple[ValidatedRow, int]] = []
    superseded: list[str] = []
    for row in rows:
        previous = current.get(row.source_record_id)
        if previous is None:
            to_write.append((row, 1))
            batch.rows_new += 1
        elif previous[1] == row.content_hash:
            batch.rows_unchanged += 1
        else:
            to_write.append((row, previous[0] + 1))
            superseded.append(row.source_record_id)
            batch.rows_changed += 1
    if superseded:
        SourceRecord.objects.filter(
            agency=agency, is_current=True, source_record_id__in=superseded
        ).update(is_current=False)
    now = timezone.now()
    copy_rows(
        SourceRecord._meta.db_table,
        COPY_COLUMNS,
        (_copy_row(agency.pk, batch.dataset_id, batch.pk, row, v, now) for row, v in to_write),
        prepared=True,
    )
    new_ids = list(SourceRecord.objects.filter(batch=batch).values_list("id", flat=True))
    _insert_aid_receipts(batch)
    return new_ids


def _current_versions(agency_id: int, source_ids: list[str]) -> dict[str, tuple[int, str]]:
    """source_record_id -> (version, content_hash) of the current versions, in one query with
    one array parameter (an IN list of 100k placeholders is slow to build and to plan)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT source_record_id, version, content_hash FROM {SourceRecord._meta.db_table}
                WHERE agency_id = %s AND is_current AND source_record_id = ANY(%s)""",  # noqa: S608
            [agency_id, source_ids],
        )
        return {sid: (version, digest) for sid, version, digest in cursor.fetchall()}


def _copy_row(agency_id: int, dataset_id: int, batch_id: int, row: ValidatedRow, version: int, now):
    """One COPY line; the generic cell conversion is skipped on this hot path because the
    column types are known here."""
    fields = row.fields
    values = [
        agency_id, dataset_id, batch_id, row.source_record_id, version, "t", row.content_hash,
        row.line, now, row.original_json,
    ]  # fmt: skip
    for column in RECORD_COLUMNS:
        value = fields[column]
        if value is None:
            value = NULL
        elif column == "flags":
            value = "{" + ",".join(value) + "}"
        elif column == "nik_reliable":
            value = "t" if value else "f"
        values.append(value)
    return values


def _insert_aid_receipts(batch: ImportBatch) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {AidReceipt._meta.db_table}
                (source_record_id, agency_id, program, period, amount, person_id)
            SELECT id, agency_id, program, period, amount, NULL
            FROM {SourceRecord._meta.db_table}
            WHERE batch_id = %s AND program <> ''
            """,  # noqa: S608 - table names come from model metadata, values are parameters
            [batch.pk],
        )


def _audit_import(batch: ImportBatch, actor, *, outcome: str) -> None:
    audit_record(
        actor=actor if getattr(actor, "pk", None) else None,
        action="records.import",
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
        },
    )
