"""Submissions through the API: idempotency claim, whole-batch validation and atomic storage
(registry.services.imports.records_import), then linking; large batches go to the task queue.

Idempotency (per agency and Idempotency-Key):
- the claim row is committed before any work, so a concurrent retry sees it and gets 409;
- same key and same body (SHA-256) after completion -> the stored first response, nothing runs;
- same key with another body or dataset -> 422.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from api.errors import ApiError, error_body
from api.models import Submission
from audit.services import audit_record
from registry import linking
from registry.ingest.reading import ParsedFile
from registry.models import Dataset, ImportBatch, RecordLink, SourceRecord
from registry.roles import Role
from registry.selectors import NotFound, Viewer
from registry.services.imports import records_import

logger = logging.getLogger(__name__)

DEFAULT_ASYNC_THRESHOLD = 2000
ERRORS_SHOWN = 1000


def async_threshold() -> int:
    return int(getattr(settings, "API_ASYNC_THRESHOLD", DEFAULT_ASYNC_THRESHOLD))


def body_sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def dataset_for_writer(viewer: Viewer, dataset_id: int, *, action: str) -> Dataset:
    """The dataset the viewer may write to: its own agency's (walidata: any). Otherwise
    NotFound, exactly as for a missing dataset, and the refusal is audited."""
    datasets = Dataset.objects.select_related("agency")
    if viewer.role == Role.WALIDATA:
        dataset = datasets.filter(pk=dataset_id).first()
    elif viewer.role == Role.OPERATOR and viewer.agency is not None:
        dataset = datasets.filter(pk=dataset_id, agency=viewer.agency).first()
    else:
        dataset = None
    if dataset is None:
        with transaction.atomic():
            audit_record(
                actor=viewer.user,
                action=action,
                object_type="dataset",
                object_id=str(dataset_id),
                agency_code=viewer.agency_code,
                role=viewer.role,
                outcome="denied",
                reason="not_found_or_forbidden",
                ip=viewer.ip,
                user_agent=viewer.user_agent,
            )
        raise NotFound(str(dataset_id))
    return dataset


def submission_claim(
    *,
    viewer: Viewer,
    dataset: Dataset,
    token,
    key: str | None,
    digest: str,
    kind: str,
    file_name: str = "",
    records_total: int = 0,
    skip_invalid: bool = False,
) -> tuple[Submission, bool]:
    """(submission, replay): a fresh claim, or the finished earlier submission to replay."""
    key = (key or "").strip()
    if not key:
        raise ApiError(400, "idempotency_key_missing", "the Idempotency-Key header is required")
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                agency=dataset.agency,
                dataset=dataset,
                token=token,
                submitted_by=viewer.user if getattr(viewer.user, "pk", None) else None,
                idempotency_key=key,
                request_sha256=digest,
                kind=kind,
                file_name=file_name,
                records_total=records_total,
                skip_invalid=skip_invalid,
            )
        return submission, False
    except IntegrityError:
        pass
    existing = Submission.objects.get(agency=dataset.agency, idempotency_key=key)
    if existing.request_sha256 != digest or existing.dataset_id != dataset.pk:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request body",
        )
    if existing.response_status is None:
        raise ApiError(
            409, "submission_in_progress", "the first request with this key is still running"
        )
    return existing, True


def submission_release(submission: Submission) -> None:
    """Forget a claim whose processing crashed, so the client may retry with the same key."""
    Submission.objects.filter(pk=submission.pk, response_status__isnull=True).delete()


def jsonable_rows(rows: list[tuple[int, dict[str, Any]]]) -> list[list[Any]]:
    def value(v: Any) -> Any:
        return v.isoformat() if isinstance(v, datetime | date) else v

    return [[line, {k: value(v) for k, v in record.items()}] for line, record in rows]


def status_url(submission: Submission) -> str:
    return f"/api/jobs/{submission.public_id}"


def submission_out(submission: Submission) -> dict[str, Any]:
    result = submission.result or {}
    return {
        "job_id": str(submission.public_id),
        "status": submission.status,
        "dataset_id": submission.dataset_id,
        "batch_id": submission.batch_id,
        "created_at": submission.created_at.isoformat(),
        "finished_at": submission.finished_at.isoformat() if submission.finished_at else None,
        "counts": result.get("counts"),
        "errors": result.get("errors", []),
        "records": result.get("records", []),
        "linking": result.get("linking", "not_run"),
        "status_url": status_url(submission),
    }


def submission_run_now(
    submission: Submission, *, viewer_user, parsed: ParsedFile
) -> tuple[int, dict[str, Any]]:
    """Validate, store and link synchronously; store and return the (status, body) to answer
    this and every retry with."""
    _process(submission, actor=viewer_user, parsed=parsed)
    if submission.status == Submission.Status.REJECTED:
        status, body = (
            422,
            error_body(
                "validation_failed",
                "the batch was refused; nothing was stored",
                submission.result.get("errors", []),
            ),
        )
    else:
        status, body = 201, submission_out(submission)
    submission.response_status = status
    submission.response_body = body
    submission.save(update_fields=["response_status", "response_body"])
    return status, body


def submission_enqueue(submission: Submission, *, parsed: ParsedFile) -> tuple[int, dict]:
    """Keep the rows for the worker and queue the job; the job row and the queue entry commit
    together (procrastinate's Django connector defers on Django's own connection)."""
    from api.tasks import process_submission

    with transaction.atomic():
        submission.payload = {"rows": jsonable_rows(parsed.rows), "skipped": parsed.skipped}
        submission.status = Submission.Status.QUEUED
        body = submission_out(submission)
        submission.response_status = 202
        submission.response_body = body
        submission.save()
        process_submission.defer(submission_id=submission.pk)
    return 202, body


def submission_run_job(submission_id: int) -> None:
    """The worker's side: run a queued submission once."""
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .filter(pk=submission_id, status=Submission.Status.QUEUED)
            .first()
        )
        if submission is None:
            return  # already run (at-least-once delivery)
        submission.status = Submission.Status.RUNNING
        submission.started_at = timezone.now()
        submission.save(update_fields=["status", "started_at"])
    payload = submission.payload or {}
    parsed = ParsedFile(
        rows=[(int(line), record) for line, record in payload.get("rows", [])],
        skipped=payload.get("skipped", []),
    )
    try:
        _process(submission, actor=submission.submitted_by, parsed=parsed)
    except Exception:
        logger.exception("submission %s failed", submission.pk)
        submission.status = Submission.Status.FAILED
        submission.finished_at = timezone.now()
        submission.save(update_fields=["status", "finished_at"])
        raise
    finally:
        Submission.objects.filter(pk=submission.pk).update(payload=None)


def _process(submission: Submission, *, actor, parsed: ParsedFile) -> None:
    json_batch = submission.kind == "json"
    outcome = records_import(
        dataset=submission.dataset,
        parsed=parsed,
        actor=actor,
        file_name=submission.file_name or f"api:{submission.public_id}",
        file_sha256=submission.request_sha256,
        channel="api",
        skip_invalid=submission.skip_invalid,
    )
    batch = outcome.batch
    errors = [_error_out(e, json_batch) for e in outcome.validation.errors[:ERRORS_SHOWN]]
    counts = {
        "total": batch.rows_total,
        "invalid": batch.rows_invalid,
        "new": batch.rows_new,
        "changed": batch.rows_changed,
        "unchanged": batch.rows_unchanged,
        "skipped": batch.rows_skipped,
    }
    submission.batch = batch
    if batch.status == ImportBatch.Status.REJECTED:
        submission.status = Submission.Status.REJECTED
        records: list[dict[str, Any]] = []
        linking_state = "not_run"
    else:
        try:
            person_of = link_records(outcome.new_record_ids, actor=actor)
            linking_state = "done"
        except Exception:
            # The records are stored (committed); linking is slow work after commit and the
            # next link run places them. The client sees linking "pending", not an error.
            logger.exception("linking after batch %s failed", batch.pk)
            person_of, linking_state = {}, "pending"
        records = _record_outcomes(
            batch, parsed, outcome.validation.invalid_lines, person_of, json_batch
        )
        submission.status = Submission.Status.SUCCEEDED
    submission.result = {
        "counts": counts,
        "errors": errors,
        "records": records,
        "linking": linking_state,
    }
    submission.finished_at = timezone.now()
    submission.save(update_fields=["batch", "status", "result", "finished_at"])


def link_records(record_ids: list[int], *, actor) -> dict[int, str]:
    """Link just-stored records; record id -> person public id."""
    if not record_ids:
        return {}
    incremental = getattr(linking, "link_new_records", None)
    if incremental is not None:
        return dict(incremental(record_ids, actor=actor))
    linking.link(full=False, actor=actor)
    return dict(
        RecordLink.objects.filter(record_id__in=record_ids).values_list(
            "record_id", "person__public_id"
        )
    )


def _error_out(error: dict[str, Any], json_batch: bool) -> dict[str, Any]:
    position = int(error["line"])
    return {
        "index": position if json_batch else None,
        "line": None if json_batch else position,
        "field": str(error.get("field", "")),
        "reason": str(error.get("reason", "")),
        "source_record_id": str(error.get("source_record_id", "")),
    }


def _record_outcomes(
    batch: ImportBatch,
    parsed: ParsedFile,
    invalid_lines: set[int],
    person_of: dict[int, str],
    json_batch: bool,
) -> list[dict[str, Any]]:
    stored = {
        sid: (pk, version)
        for pk, sid, version in SourceRecord.objects.filter(batch=batch).values_list(
            "pk", "source_record_id", "version"
        )
    }
    ids = [_source_id(record) for _, record in parsed.rows]
    unchanged = [sid for sid in ids if sid and sid not in stored]
    current_person = dict(
        SourceRecord.objects.filter(
            agency_id=batch.agency_id, is_current=True, source_record_id__in=unchanged
        ).values_list("source_record_id", "link__person__public_id")
    )
    persons = set(person_of.values()) | {p for p in current_person.values() if p}
    earlier = set(
        RecordLink.objects.filter(person__public_id__in=persons)
        .exclude(record__batch=batch)
        .values_list("person__public_id", flat=True)
        .distinct()
    )
    out = []
    for (line, _record), sid in zip(parsed.rows, ids, strict=True):
        if line in invalid_lines:
            status, person = "invalid", None
        elif sid in stored:
            pk, version = stored[sid]
            status, person = ("new" if version == 1 else "changed"), person_of.get(pk)
        else:
            status, person = "unchanged", current_person.get(sid)
        out.append(
            {
                "index": line if json_batch else None,
                "line": None if json_batch else line,
                "source_record_id": sid,
                "status": status,
                "person_id": person,
                "linked_to_existing": (person in earlier) if person else None,
            }
        )
    return out


def _source_id(record: dict[str, Any]) -> str:
    value = record.get("source_record_id")
    if isinstance(value, float):
        return format(value, ".0f")
    return str(value or "").strip()
