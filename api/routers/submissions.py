from __future__ import annotations

from uuid import UUID

from django.db.models import Q
from ninja import File, Form, Header, Router
from ninja.files import UploadedFile

from api.errors import ApiError
from api.models import Submission
from api.schemas.common import AUTH_ERRORS, errors
from api.schemas.submissions import SubmissionIn, SubmissionOut
from api.services import submissions as svc
from audit.actions import Action
from audit.services import audit_record
from registry.ingest.limits import check_size, upload_limits
from registry.ingest.reading import FileFormatError, FileTooLarge, ParsedFile, read_upload
from registry.roles import Role
from registry.selectors import NotFound, audit_denial, viewer_from_request
from registry.services.imports import ImportBusy

router = Router(tags=["submissions"])

IDEMPOTENCY_DESCRIPTION = (
    "client-chosen unique key for this submission (e.g. a UUID). Same key and same body: the "
    "first response again, nothing changes; same key, other body: 422; while the first is "
    "still running: 409"
)
RESPONSES = {
    201: SubmissionOut,
    202: SubmissionOut,
    **errors(400, 404, 409, 422, *AUTH_ERRORS),
}
UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".ods")


def _respond(request, submission: Submission, parsed: ParsedFile, *, strict: bool):
    if len(parsed.rows) > svc.async_threshold():
        return svc.submission_enqueue(submission, parsed=parsed, strict=strict)
    try:
        return svc.submission_run_now(
            submission, viewer_user=request.auth, parsed=parsed, strict=strict
        )
    except ApiError:
        raise  # another live runner has this submission: its claim stays
    except ImportBusy as exc:
        svc.submission_release(submission)
        raise ApiError(409, "agency_busy", str(exc)) from exc
    except Exception:
        svc.submission_release(submission)
        raise


def _refuse_nul(records: list[dict]) -> None:
    """PostgreSQL stores no NUL character, in text or JSON: refused before anything is kept."""
    details = [
        {"index": index, "field": str(key), "reason": "contains a NUL character"}
        for index, record in enumerate(records)
        for key, value in record.items()
        if isinstance(value, str) and "\x00" in value
    ]
    if details:
        raise ApiError(
            422, "validation_failed", "the batch was refused; nothing was stored", details
        )


@router.post(
    "/datasets/{dataset_id}/submissions",
    response=RESPONSES,
    summary="Submit a batch of exchange-format records",
    description="Validated whole (per-record errors with index and field) and stored atomically, "
    "then linked to persons. Batches above the async threshold (2,000 records) are answered "
    "202 with a job to poll at GET /api/jobs/{job_id}.",
)
def submission_create(
    request,
    dataset_id: int,
    payload: SubmissionIn,
    idempotency_key: str = Header(
        ...,
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description=IDEMPOTENCY_DESCRIPTION,
    ),
):
    viewer = viewer_from_request(request, user=request.auth)
    dataset = svc.dataset_for_writer(viewer, dataset_id, action=Action.RECORDS_SUBMIT)
    records = [r.model_dump(exclude_none=True) for r in payload.records]
    if b"\\u0000" in request.body:  # JSON escapes every NUL: one search of the body
        _refuse_nul(records)
    submission, replay = svc.submission_claim(
        viewer=viewer,
        dataset=dataset,
        token=getattr(request, "api_token", None),
        key=idempotency_key,
        digest=svc.body_sha256(request.body),
        kind="json",
        records_total=len(records),
        skip_invalid=payload.skip_invalid,
    )
    if replay:
        return submission.response_status, submission.response_body
    parsed = ParsedFile(rows=list(enumerate(records)))
    return _respond(request, submission, parsed, strict=payload.strict)


@router.post(
    "/datasets/{dataset_id}/uploads",
    response=RESPONSES,
    summary="Upload a spreadsheet (CSV or XLSX) of records",
    description="The header row is found by itself (Indonesian headers map without "
    "configuration, plus the agency's own mapping); errors are reported by spreadsheet line.",
)
def upload_create(
    request,
    dataset_id: int,
    file: File[UploadedFile],
    skip_invalid: Form[bool] = False,
    strict: Form[bool] = False,
    idempotency_key: str = Header(
        ...,
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description=IDEMPOTENCY_DESCRIPTION,
    ),
):
    viewer = viewer_from_request(request, user=request.auth)
    dataset = svc.dataset_for_writer(viewer, dataset_id, action=Action.RECORDS_UPLOAD)
    name = (file.name or "upload.csv")[:255]
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise ApiError(422, "unsupported_file", "upload a .csv or .xlsx file")
    limits = upload_limits()
    try:
        check_size(file.size or 0, limits)  # before the bytes are read into memory
        content = file.read()
        parsed = read_upload(
            name, content, agency_mapping=dataset.agency.column_mapping, limits=limits
        )
    except FileTooLarge as exc:
        raise ApiError(413, "file_too_large", str(exc)) from exc
    except (FileFormatError, ValueError) as exc:
        raise ApiError(422, "unreadable_file", str(exc)) from exc
    except Exception as exc:  # calamine raises its own errors on broken workbooks
        raise ApiError(422, "unreadable_file", "the file could not be read") from exc
    submission, replay = svc.submission_claim(
        viewer=viewer,
        dataset=dataset,
        token=getattr(request, "api_token", None),
        key=idempotency_key,
        digest=svc.body_sha256(
            content, name.encode(), str(skip_invalid).encode(), str(strict).encode()
        ),
        kind="upload",
        file_name=name,
        records_total=len(parsed.rows),
        skip_invalid=skip_invalid,
    )
    if replay:
        return submission.response_status, submission.response_body
    return _respond(request, submission, parsed, strict=strict)


@router.get(
    "/jobs/{job_id}",
    response={200: SubmissionOut, **errors(400, 404, *AUTH_ERRORS)},
    tags=["jobs"],
    summary="Status of a submission job: counts, errors, per-record linking outcome",
)
def job_get(request, job_id: UUID):
    viewer = viewer_from_request(request, user=request.auth)
    visible = Q(public_id=job_id)
    submission = None
    if viewer.role == Role.WALIDATA:
        submission = Submission.objects.filter(visible).first()
    elif viewer.agency is not None and viewer.role == Role.OPERATOR:
        submission = Submission.objects.filter(visible, agency=viewer.agency).first()
    if submission is None:
        audit_denial(
            viewer, reason="not_found_or_forbidden", action=Action.JOB_VIEW, object_type="job",
            object_id=str(job_id),
        )  # fmt: skip
        raise NotFound(str(job_id))
    body = svc.submission_out(submission)
    # The job's answer names persons (record -> person id): reading it is a read of them.
    persons = sorted({r["person_id"] for r in body["records"] if r.get("person_id")})
    audit_record(
        actor=viewer.user,
        action=Action.JOB_VIEW,
        object_type="job",
        object_id=str(job_id),
        persons=persons,
        agency_code=viewer.agency_code,
        role=viewer.role,
        ip=viewer.ip,
        user_agent=viewer.user_agent,
        detail={"status": body["status"], "records": len(body["records"])},
    )
    return 200, body
