"""Operator pages: upload a CSV/XLSX, read the validation report, then confirm the import.

The uploaded file is validated without writing anything and kept server-side under
WEB_UPLOAD_DIR (var/uploads) in a folder named by a random token, so confirming does not
upload it again. Only the user who uploaded a file can see its report or confirm it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from linkage.normalize.regions import RegionMatcher
from registry.ingest import flags
from registry.ingest.limits import check_size, upload_limits
from registry.ingest.reading import FileFormatError, FileTooLarge, ParsedFile, read_upload
from registry.models import Dataset, DatasetKind, ImportBatch
from registry.reports.batch_linking import batch_linking
from registry.roles import Role
from registry.services.dtsen import dtsen_validate
from registry.services.imports import ImportBusy, validate_rows
from registry.services.submit import (
    LINKING_PENDING,
    SubmitOutcome,
    batch_linking_state,
    records_submit,
)
from registry.web.auth import page_denied, request_role, role_required
from registry.web.exports import xlsx_response
from registry.web.labels import field_label, fix_list_sheet, problems_labelled, reason_label

logger = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".ods")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
STAGED_MAX_AGE_SECONDS = 24 * 3600
REPORT_ROWS_SHOWN = 500


def upload_dir() -> Path:
    configured = getattr(settings, "WEB_UPLOAD_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "uploads"


def _operator_agency(request: HttpRequest):
    profile = getattr(request.user, "profile", None)
    agency = getattr(profile, "agency", None)
    if agency is None:
        # An operator without an agency cannot upload anything: same answer as a wrong role.
        raise Http404
    return agency


class UploadForm(forms.Form):
    dataset = forms.ModelChoiceField(label=_("Dataset"), queryset=Dataset.objects.none())
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("Exchange format; Indonesian or English column headers."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_SUFFIXES)}),
    )
    strict = forms.BooleanField(
        label=_("Strict: refuse rows with a problem value too"),
        help_text=_(
            "By default a row with an unusable value (a birth date in the future, an unknown "
            "sex code, ...) is imported with that value left empty and flagged."
        ),
        required=False,
    )

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = Dataset.objects.filter(agency=agency)
        self.fields["dataset"].label_from_instance = lambda d: f"{d.title} ({d.name})"
        only = list(self.fields["dataset"].queryset[:2])
        if len(only) == 1:
            # The agency's only dataset comes preselected, without an empty choice first.
            self.fields["dataset"].initial = only[0].pk
            self.fields["dataset"].empty_label = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("Only CSV or XLSX files can be imported."))
        return upload


# multipart boundaries and the form's other fields, on top of the file itself
FORM_OVERHEAD = 64 * 1024


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large_text(size: int, limits) -> str:
    try:
        check_size(size, limits)
    except FileTooLarge as exc:
        return gettext("The file cannot be read: %(reason)s") % {"reason": exc}
    return ""


# --- staging: files waiting for confirmation ----------------------------------------------


@dataclass
class Staged:
    token: str
    folder: Path
    meta: dict

    @property
    def content(self) -> bytes:
        return (self.folder / "upload.bin").read_bytes()


def _safe_name(name: str) -> str:
    base = Path(name).name
    return re.sub(r"[^A-Za-z0-9._ -]", "_", base)[:200] or "upload"


def stage_file(*, user, dataset: Dataset, name: str, content: bytes, report: dict) -> str:
    _purge_old()
    token = secrets.token_urlsafe(24)
    folder = upload_dir() / token
    folder.mkdir(parents=True, mode=0o700)
    (folder / "upload.bin").write_bytes(content)
    meta = {
        "user_id": user.pk,
        "dataset_id": dataset.pk,
        "file_name": _safe_name(name),
        "sha256": hashlib.sha256(content).hexdigest(),
        "staged_at": time.time(),
        "report": report,
    }
    (folder / "meta.json").write_text(json.dumps(meta))
    return token


def staged_get(token: str, user) -> Staged:
    """The staged upload of this user, or 404 (unknown, expired or somebody else's)."""
    if not TOKEN_RE.match(token):
        raise Http404
    folder = upload_dir() / token
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    if meta.get("user_id") != user.pk or time.time() - meta["staged_at"] > STAGED_MAX_AGE_SECONDS:
        raise Http404
    return Staged(token, folder, meta)


def _staged_or_denied(request: HttpRequest, token: str) -> Staged:
    """This user's staged upload; anything else (unknown, expired, somebody else's) is a 404
    and an audited denial."""
    try:
        return staged_get(token, request.user)
    except Http404:
        raise page_denied(request, reason="not_found_or_not_owner") from None


def staged_discard(staged: Staged) -> None:
    shutil.rmtree(staged.folder, ignore_errors=True)


def _purge_old() -> None:
    root = upload_dir()
    if not root.is_dir():
        return
    cutoff = time.time() - STAGED_MAX_AGE_SECONDS
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


# --- validation report --------------------------------------------------------------------


def _regions() -> RegionMatcher:
    return RegionMatcher.for_regency(settings.REGISTRY_REGENCY_CODE)


def build_report(parsed: ParsedFile, *, strict: bool = False, dataset=None) -> dict:
    """Dry-run validation: what records_import would accept and reject, nothing written."""
    if dataset is not None and dataset.kind == DatasetKind.DTSEN:
        # a DTSEN extract is checked by its own rules (registry.services.dtsen)
        validation = dtsen_validate(parsed.rows).validation
    else:
        # in the request's own process: a web server process never forks validation workers
        validation = validate_rows(parsed.rows, regions=_regions(), parallel=False, strict=strict)
    return {
        "strict": strict,
        "rows_total": len(parsed.rows),
        "rows_valid": len(validation.valid),
        "rows_invalid": len(validation.invalid_lines),
        "errors": [
            {
                "line": e["line"],
                "field": e["field"],
                "reason": e["reason"],
                "source_record_id": e.get("source_record_id", ""),
            }
            for e in validation.errors
        ],
        # rows that will land with a value flagged (a field problem or an unreliable NIK)
        "problems": validation.problems,
        "problem_counts": validation.problem_counts,
        "skipped": parsed.skipped,
        "unknown_headers": [str(h) for h in parsed.unknown_headers],
        "header_line": parsed.header_line,
        "columns": parsed.columns,
    }


def _readable_errors(errors: list[dict]) -> list[dict]:
    return [
        {**e, "field_label": field_label(e["field"]), "reason_label": reason_label(e["reason"])}
        for e in errors
    ]


# --- views --------------------------------------------------------------------------------


@role_required(Role.OPERATOR)
def upload_view(request: HttpRequest) -> HttpResponse:
    agency = _operator_agency(request)
    limits = upload_limits()
    if request.method == "POST" and _declared_length(request) > limits.max_bytes + FORM_OVERHEAD:
        # refused before Django reads the body: nothing of it is spooled or parsed
        messages.error(request, _too_large_text(_declared_length(request), limits))
        context = {"form": UploadForm(agency=agency), "agency": agency}
        return render(request, "uploads/upload.html", context, status=413)
    form = UploadForm(request.POST or None, request.FILES or None, agency=agency)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size, limits)
            content = upload.read()
            parsed = read_upload(
                upload.name, content, agency_mapping=agency.column_mapping, limits=limits
            )
        except FileFormatError as exc:  # FileTooLarge (413) included
            form.add_error("file", gettext("The file cannot be read: %(reason)s") % {"reason": exc})
            status = 413 if isinstance(exc, FileTooLarge) else 422
            context = {"form": form, "agency": agency}
            return render(request, "uploads/upload.html", context, status=status)
        except Exception:  # a corrupt spreadsheet raises the reader's own errors
            logger.warning("unreadable upload agency=%s", agency.code, exc_info=True)
            form.add_error("file", gettext("The file cannot be read as CSV or XLSX."))
            context = {"form": form, "agency": agency}
            return render(request, "uploads/upload.html", context, status=422)
        else:
            report = build_report(
                parsed, strict=form.cleaned_data["strict"], dataset=form.cleaned_data["dataset"]
            )
            token = stage_file(
                user=request.user,
                dataset=form.cleaned_data["dataset"],
                name=upload.name,
                content=content,
                report=report,
            )
            return redirect("upload_report", token=token)
    status = 422 if form.errors else 200  # a refused form (empty file, wrong type) is a 4xx
    return render(request, "uploads/upload.html", {"form": form, "agency": agency}, status=status)


@role_required(Role.OPERATOR)
def upload_report_view(request: HttpRequest, token: str) -> HttpResponse:
    staged = _staged_or_denied(request, token)
    dataset = get_object_or_404(Dataset, pk=staged.meta["dataset_id"])
    report = staged.meta["report"]
    errors = _readable_errors(report["errors"])
    return render(
        request,
        "uploads/report.html",
        {
            "token": token,
            "dataset": dataset,
            "file_name": staged.meta["file_name"],
            "report": report,
            "errors": errors[:REPORT_ROWS_SHOWN],
            "errors_hidden": max(0, len(errors) - REPORT_ROWS_SHOWN),
            **_problems_context(report.get("problems", []), report.get("problem_counts", {})),
            "fix_list_url": reverse("upload_fix_list", args=[token]),
            "can_import_all": report["rows_invalid"] == 0 and report["rows_total"] > 0,
            "can_import_valid": report["rows_valid"] > 0,
        },
    )


@require_POST
@role_required(Role.OPERATOR)
def upload_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    staged = _staged_or_denied(request, token)
    mode = request.POST.get("mode")
    if mode == "cancel":
        staged_discard(staged)
        messages.info(request, gettext("The upload was discarded; nothing was imported."))
        return redirect("upload")
    if mode not in {"all", "valid"}:
        return redirect("upload_report", token=token)
    agency = _operator_agency(request)
    dataset = get_object_or_404(Dataset, pk=staged.meta["dataset_id"], agency=agency)
    parsed = read_upload(
        staged.meta["file_name"], staged.content, agency_mapping=agency.column_mapping
    )
    if len(parsed.rows) >= settings.WEB_IMPORT_PROGRESS_MIN_ROWS:
        # A large file is imported by the worker, never in the request: the import forks
        # validation workers, which must not be children of a web server process (they held
        # gunicorn's socket when it died), and a request must not hold the agency's lock.
        from api.services.submissions import submission_queue_upload

        submission = submission_queue_upload(
            user=request.user,
            dataset=dataset,
            key=f"web:{token}",
            sha256=staged.meta["sha256"],
            file_name=staged.meta["file_name"],
            parsed=parsed,
            skip_invalid=(mode == "valid"),
            strict=staged.meta["report"].get("strict", False),
        )
        staged_discard(staged)
        return redirect("upload_job", public_id=submission.public_id)
    try:
        outcome = _import_and_link(
            dataset=dataset,
            parsed=parsed,
            actor=request.user,
            meta=staged.meta,
            skip_invalid=(mode == "valid"),
            strict=staged.meta["report"].get("strict", False),
        )
    except ImportBusy:
        messages.error(
            request,
            gettext("Another import of this agency is running; nothing was imported. Try again."),
        )
        return redirect("upload_report", token=token)
    staged_discard(staged)
    _report_outcome(request, outcome.batch, outcome.linking)
    return redirect("batch_detail", pk=outcome.batch.pk)


def _import_and_link(*, dataset, parsed, actor, meta, skip_invalid, strict=False) -> SubmitOutcome:
    """Import the confirmed file, then place its new records on persons at once (the same
    incremental linking as an API submission), so the operator's data is usable right away;
    if linking fails after the import committed, it is queued and reported pending."""
    return records_submit(
        actor=actor,
        dataset=dataset,
        parsed=parsed,
        channel="file",
        file_name=meta["file_name"],
        file_sha256=meta["sha256"],
        skip_invalid=skip_invalid,
        strict=strict,
        regions=_regions(),
    )


def _report_outcome(request: HttpRequest, batch: ImportBatch, linking: str = "") -> None:
    if batch.status == ImportBatch.Status.REJECTED:
        messages.error(
            request,
            gettext("Nothing was imported: %(count)s rows are invalid.")
            % {"count": batch.rows_invalid},
        )
        return
    messages.success(
        request,
        gettext(
            "Imported: %(new)s new, %(changed)s changed, %(unchanged)s unchanged, "
            "%(invalid)s invalid rows left out."
        )
        % {
            "new": batch.rows_new,
            "changed": batch.rows_changed,
            "unchanged": batch.rows_unchanged,
            "invalid": batch.rows_invalid,
        },
    )
    if linking == LINKING_PENDING:
        messages.warning(request, _linking_pending_text())


def _linking_pending_text() -> str:
    return gettext("Linking pending: the records are stored and will be placed on persons shortly.")


@role_required(Role.OPERATOR)
def upload_job_view(request: HttpRequest, public_id) -> HttpResponse:
    """The queued import of a large upload: its state, refreshed until it ends, then the
    counts and the batch. Only the user who confirmed the upload sees it."""
    from api.models import Submission

    submission = (
        Submission.objects.select_related("batch", "dataset")
        .filter(public_id=public_id, kind="web", submitted_by=request.user)
        .first()
    )
    if submission is None:
        raise page_denied(request, reason="not_found_or_not_owner")
    batch = submission.batch
    linking = batch_linking_state(batch) if batch is not None else ""
    ended = submission.status not in (Submission.Status.QUEUED, Submission.Status.RUNNING)
    errors = _readable_errors(_submission_errors(submission))
    return render(
        request,
        "uploads/job.html",
        {
            "submission": submission,
            "batch": batch,
            "ended": ended,
            "linking_pending": linking == LINKING_PENDING,
            "errors": errors[:REPORT_ROWS_SHOWN],
            "errors_hidden": max(0, len(errors) - REPORT_ROWS_SHOWN),
        },
    )


def _submission_errors(submission) -> list[dict]:
    return [
        {
            "line": e.get("line") or e.get("index"),
            "field": e.get("field", ""),
            "reason": e.get("reason", ""),
            "source_record_id": e.get("source_record_id", ""),
        }
        for e in (submission.result or {}).get("errors", [])
    ]


def _batches_for(request: HttpRequest):
    batches = ImportBatch.objects.select_related("agency", "dataset", "created_by")
    if request_role(request) == Role.WALIDATA:
        return batches
    return batches.filter(agency=_operator_agency(request))


@role_required(Role.OPERATOR, Role.WALIDATA)
def batch_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(_batches_for(request).order_by("-created_at"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "uploads/batch_list.html",
        {"page": page, "all_agencies": request_role(request) == Role.WALIDATA},
    )


@role_required(Role.OPERATOR, Role.WALIDATA)
def batch_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batches_for(request).filter(pk=pk).first()
    if batch is None:
        raise page_denied(request, reason="not_found_or_not_owner")
    errors = _readable_errors(batch.errors)
    return render(
        request,
        "uploads/batch_detail.html",
        {
            "batch": batch,
            "linking": batch_linking(batch),
            "errors": errors[:REPORT_ROWS_SHOWN],
            "errors_hidden": max(0, len(errors) - REPORT_ROWS_SHOWN),
            "linking_pending": batch_linking_state(batch) == LINKING_PENDING,
            **_problems_context(batch.problems, batch.problem_counts),
            "fix_list_url": reverse("batch_fix_list", args=[batch.pk]),
        },
    )


def _problems_context(problems: list[dict], counts: dict[str, int]) -> dict:
    shown = problems_labelled(problems[:REPORT_ROWS_SHOWN])
    return {
        "problem_summary": flags.summary(counts),
        "problems": shown,
        "problems_total": sum(counts.values()),
        "problems_hidden": max(0, sum(counts.values()) - len(shown)),
    }


@role_required(Role.OPERATOR)
def upload_fix_list_view(request: HttpRequest, token: str) -> HttpResponse:
    """The staged file's fix list (XLSX: line, field, value, problem), for its uploader."""
    staged = _staged_or_denied(request, token)
    report = staged.meta["report"]
    sheet = fix_list_sheet(report["errors"], report.get("problems", []))
    return xlsx_response("daftar-perbaikan", [sheet])


@role_required(Role.OPERATOR, Role.WALIDATA)
def batch_fix_list_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batches_for(request).filter(pk=pk).first()
    if batch is None:
        raise page_denied(request, reason="not_found_or_not_owner")
    sheet = fix_list_sheet(batch.errors, batch.problems)
    return xlsx_response(f"daftar-perbaikan-impor-{batch.pk}", [sheet])
