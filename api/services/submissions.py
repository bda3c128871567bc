"""Submissions through the API: idempotency claim, whole-batch validation and atomic storage
(registry.services.imports.records_import), then linking; large batches go to the task queue.

Idempotency (per agency and Idempotency-Key):
- the claim row is committed before any work, so a concurrent retry sees it and gets 409;
- same key and same body (SHA-256) after completion -> the stored first response, nothing runs;
- same key with another body or dataset -> 422.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from api.errors import ApiError, error_body
from api.models import Submission
from api.services.submission_outcomes import outcomes_for_submitter
from audit.services import audit_record
from registry.ingest import flags
from registry.ingest.reading import ParsedFile
from registry.models import Dataset, ImportBatch, RecordLink, SourceRecord
from registry.roles import Role
from registry.selectors import NotFound, Viewer
from registry.services.imports import ImportBusy
from registry.services.submit import (
    LINKING_PENDING,
    batch_linking_state,
    persons_of,
    records_submit,
    source_id_of,
)
from registry.web.labels import reason_label

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


def datasets_writable_by(viewer: Viewer) -> QuerySet[Dataset]:
    """The datasets the viewer may submit records to (the one rule, used by the submission
    endpoints and by GET /api/datasets): its own agency's; the walidata's: any."""
    datasets = Dataset.objects.select_related("agency")
    if viewer.role == Role.WALIDATA:
        return datasets
    if viewer.role == Role.OPERATOR and viewer.agency is not None:
        return datasets.filter(agency=viewer.agency)
    return datasets.none()


def dataset_for_writer(viewer: Viewer, dataset_id: int, *, action: str) -> Dataset:
    """The dataset the viewer may write to: its own agency's (walidata: any). Otherwise
    NotFound, exactly as for a missing dataset, and the refusal is audited."""
    dataset = datasets_writable_by(viewer).filter(pk=dataset_id).first()
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
        if runner_alive(existing):
            raise ApiError(
                409, "submission_in_progress", "the first request with this key is still running"
            )
        # Its runner is gone (a crashed or killed process; its session ended with it):
        # this request takes the submission over and finishes the work.
        logger.warning("submission %s: runner gone, resumed by a retry", existing.pk)
        return existing, False
    return existing, True


def submission_release(submission: Submission) -> None:
    """Forget a claim whose processing crashed before it stored anything, so the client may
    retry with the same key (a claim whose batch committed stays, to be resumed)."""
    Submission.objects.filter(
        pk=submission.pk, response_status__isnull=True, batch__isnull=True
    ).delete()


# Session-level advisory lock (namespace, submission id) held by whoever runs a submission:
# a request or a worker. PostgreSQL drops it with the session, so a runner killed in any
# way (kill -9, OOM, pg_terminate_backend) frees it at once, without a lease to expire.
RUNNER_LOCK_NAMESPACE = 0x5D_5B  # "SDSB"


@contextlib.contextmanager
def submission_runner(submission: Submission) -> Iterator[bool]:
    """Hold the submission's runner lock for the block; yields False (and holds nothing)
    when another live runner has it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [RUNNER_LOCK_NAMESPACE, submission.pk]
        )
        (taken,) = cursor.fetchone()
    try:
        yield taken
    finally:
        if taken:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [RUNNER_LOCK_NAMESPACE, submission.pk]
                )


def runner_alive(submission: Submission) -> bool:
    """Whether some session holds the submission's runner lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
                 AND classid = %s AND objid = %s AND objsubid = 2 AND granted)""",
            [RUNNER_LOCK_NAMESPACE, submission.pk],
        )
        return cursor.fetchone()[0]


def jsonable_rows(rows: list[tuple[int, dict[str, Any]]]) -> list[list[Any]]:
    def value(v: Any) -> Any:
        return v.isoformat() if isinstance(v, datetime | date) else v

    return [[line, {k: value(v) for k, v in record.items()}] for line, record in rows]


def status_url(submission: Submission) -> str:
    return f"/api/jobs/{submission.public_id}"


def submission_out(submission: Submission) -> dict[str, Any]:
    result = submission.result or {}
    if result.get("linking") == LINKING_PENDING and submission.batch_id:
        result = _linking_caught_up(submission, result)
    return {
        "job_id": str(submission.public_id),
        "status": submission.status,
        "dataset_id": submission.dataset_id,
        "batch_id": submission.batch_id,
        "created_at": submission.created_at.isoformat(),
        "finished_at": submission.finished_at.isoformat() if submission.finished_at else None,
        "counts": result.get("counts"),
        "errors": result.get("errors", []),
        "flags": result.get("flags", []),
        "records": outcomes_for_submitter(
            result.get("records", []), linking=result.get("linking", "not_run")
        ),
        "linking": result.get("linking", "not_run"),
        "status_url": status_url(submission),
    }


def _linking_caught_up(submission: Submission, result: dict[str, Any]) -> dict[str, Any]:
    """A submission stored with linking "pending" says "done" once the queued link has
    placed every record of its batch, with each record's person filled in."""
    if batch_linking_state(submission.batch) == LINKING_PENDING:
        return result
    ids = {
        sid: pk
        for pk, sid in SourceRecord.objects.filter(
            agency_id=submission.agency_id,
            is_current=True,
            source_record_id__in=[r["source_record_id"] for r in result.get("records", [])],
        ).values_list("pk", "source_record_id")
    }
    person_of = persons_of(list(ids.values()))
    records = [
        {**r, "person_id": person_of.get(ids.get(r["source_record_id"]))}
        if r.get("status") != "invalid"
        else r
        for r in result.get("records", [])
    ]
    result = {**result, "records": records, "linking": "done"}
    Submission.objects.filter(pk=submission.pk).update(result=result)
    submission.result = result
    return result


def submission_run_now(
    submission: Submission, *, viewer_user, parsed: ParsedFile, strict: bool = False
) -> tuple[int, dict[str, Any]]:
    """Validate, store and link synchronously; store and return the (status, body) to answer
    this and every retry with."""
    with submission_runner(submission) as mine:
        if not mine:
            raise ApiError(
                409, "submission_in_progress", "the first request with this key is still running"
            )
        submission.refresh_from_db()
        _process(submission, actor=viewer_user, parsed=parsed, strict=strict)
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


def submission_enqueue(
    submission: Submission, *, parsed: ParsedFile, strict: bool = False
) -> tuple[int, dict]:
    """Keep the rows (and the sender's strict choice) for the worker and queue the job; the
    job row and the queue entry commit together (procrastinate's Django connector defers on
    Django's own connection)."""
    from api.tasks import process_submission

    with transaction.atomic():
        submission.payload = {
            "rows": jsonable_rows(parsed.rows),
            "skipped": parsed.skipped,
            "strict": strict,
        }
        submission.status = Submission.Status.QUEUED
        body = submission_out(submission)
        submission.response_status = 202
        submission.response_body = body
        submission.save()
        process_submission.defer(submission_id=submission.pk)
    return 202, body


def submission_queue_upload(
    *, user, dataset: Dataset, key: str, sha256: str, file_name: str, parsed: ParsedFile,
    skip_invalid: bool, strict: bool = False,
) -> Submission:  # fmt: skip
    """A confirmed large web upload as a queued job (the worker imports it, as an API batch).
    Confirming the same staged upload twice finds the first job (the key is the upload's)."""
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                agency=dataset.agency,
                dataset=dataset,
                submitted_by=user,
                idempotency_key=key,
                request_sha256=sha256,
                kind="web",
                file_name=file_name,
                records_total=len(parsed.rows),
                skip_invalid=skip_invalid,
            )
    except IntegrityError:
        return Submission.objects.get(agency=dataset.agency, idempotency_key=key)
    submission_enqueue(submission, parsed=parsed, strict=strict)
    return submission


def submission_run_job(submission_id: int) -> None:
    """The worker's side: run a queued submission. Idempotent: a retry of the job (after the
    worker died mid-run, procrastinate's stalled-job recovery) finds the submission
    `running` with no live runner and finishes it, from the stored batch when the import had
    committed. The payload (personal data) is cleared when the submission ends, done or
    failed."""
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None or submission.status not in (
        Submission.Status.QUEUED,
        Submission.Status.RUNNING,
    ):
        _clear_payload(submission_id)
        return  # already run (at-least-once delivery)
    with submission_runner(submission) as mine:
        if not mine:
            return  # another worker is on it right now
        submission.refresh_from_db()
        if submission.status not in (Submission.Status.QUEUED, Submission.Status.RUNNING):
            return
        if submission.status == Submission.Status.RUNNING:
            logger.warning("submission %s: resuming after its runner died", submission.pk)
        submission.status = Submission.Status.RUNNING
        submission.started_at = submission.started_at or timezone.now()
        submission.save(update_fields=["status", "started_at"])
        payload = submission.payload or {}
        parsed = ParsedFile(
            rows=[(int(line), record) for line, record in payload.get("rows", [])],
            skipped=payload.get("skipped", []),
        )
        try:
            _process(
                submission,
                actor=submission.submitted_by,
                parsed=parsed,
                strict=bool(payload.get("strict", False)),
            )
        except ImportBusy:
            # the agency is busy: nothing was stored; the job's retry runs it again later
            Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.QUEUED)
            raise
        except Exception:
            logger.exception("submission %s failed", submission.pk)
            submission.status = Submission.Status.FAILED
            submission.finished_at = timezone.now()
            submission.save(update_fields=["status", "finished_at"])
            _clear_payload(submission.pk)
            raise
        _clear_payload(submission.pk)


def _clear_payload(submission_id: int) -> None:
    Submission.objects.filter(pk=submission_id, payload__isnull=False).update(payload=None)


def _process(submission: Submission, *, actor, parsed: ParsedFile, strict: bool = False) -> None:
    json_batch = submission.kind == "json"
    stored = None
    if submission.batch_id is not None:
        stored = ImportBatch.objects.select_related("agency", "dataset").get(pk=submission.batch_id)

    def remember(batch: ImportBatch) -> None:
        # committed with the rows: a retry after a crash resumes from this batch
        Submission.objects.filter(pk=submission.pk).update(batch=batch)

    outcome = records_submit(
        actor=actor,
        dataset=submission.dataset,
        parsed=parsed,
        channel="api" if submission.kind != "web" else "file",
        file_name=submission.file_name or f"api:{submission.public_id}",
        file_sha256=submission.request_sha256,
        skip_invalid=submission.skip_invalid,
        strict=strict,
        stored_batch=stored,
        on_stored=remember,
    )
    batch = outcome.batch
    errors = [_error_out(e, json_batch) for e in outcome.errors[:ERRORS_SHOWN]]
    # flagged values: from this run's validation, or as the batch stored them on a resume
    validation = outcome.import_outcome.validation if outcome.import_outcome else None
    problems = validation.problems if validation else batch.problems
    problem_counts = validation.problem_counts if validation else batch.problem_counts
    counts = {
        "total": batch.rows_total,
        "invalid": batch.rows_invalid,
        "new": batch.rows_new,
        "changed": batch.rows_changed,
        "unchanged": batch.rows_unchanged,
        "skipped": batch.rows_skipped,
        "flagged": len({p["line"] for p in problems}),
    }
    submission.batch = batch
    if outcome.rejected:
        submission.status = Submission.Status.REJECTED
        records: list[dict[str, Any]] = []
    else:
        records = _record_outcomes(
            batch, parsed, outcome.invalid_lines, outcome.person_of, json_batch
        )
        submission.status = Submission.Status.SUCCEEDED
        # rows that landed with a value flagged: told to the sender, line by line
        room = max(0, ERRORS_SHOWN - len(errors))
        errors += [_warning_out(p, json_batch) for p in problems[:room]]
    submission.result = {
        "counts": counts,
        "errors": errors,
        "flags": flags.summary(problem_counts),
        "records": records,
        "linking": outcome.linking,
    }
    submission.finished_at = timezone.now()
    submission.save(update_fields=["batch", "status", "result", "finished_at"])


def _error_out(error: dict[str, Any], json_batch: bool) -> dict[str, Any]:
    position = int(error["line"])
    reason = str(error.get("reason", ""))
    return {
        "index": position if json_batch else None,
        "line": None if json_batch else position,
        "severity": "error",
        "field": str(error.get("field", "")),
        "code": reason if reason in flags.CATALOGUE else "",
        "reason": reason,
        "message": reason_label(reason),
        "source_record_id": str(error.get("source_record_id", "")),
    }


def _warning_out(problem: dict[str, Any], json_batch: bool) -> dict[str, Any]:
    """A flagged value of a stored record (its field emptied or marked unreliable)."""
    position = int(problem["line"])
    code = str(problem["code"])
    with translation.override("en"):
        reason = flags.flag_label(code)
    return {
        "index": position if json_batch else None,
        "line": None if json_batch else position,
        "severity": "warning",
        "field": str(problem["field"]),
        "code": code,
        "reason": reason,
        "message": flags.flag_label(code),
        "source_record_id": str(problem.get("source_record_id", "")),
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
    ids = [source_id_of(record) for _, record in parsed.rows]
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
