"""Operator pages: upload a CSV/XLSX, read the validation report, then confirm the import.

The uploaded file is validated without writing anything and kept server-side under
WEB_UPLOAD_DIR (var/uploads) in a folder named by a random token, so confirming does not
upload it again. Only the user who uploaded a file can see its report or confirm it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import queue
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from linkage.normalize.regions import RegionMatcher
from registry.ingest.reading import FileFormatError, ParsedFile, read_upload
from registry.linking import link_new_records
from registry.models import Dataset, ImportBatch
from registry.roles import Role
from registry.services.imports import records_import, validate_rows
from registry.web.auth import page_denied, request_role, role_required
from registry.web.labels import field_label, reason_label

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

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = Dataset.objects.filter(agency=agency)
        self.fields["dataset"].label_from_instance = lambda d: f"{d.title} ({d.name})"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("Only CSV or XLSX files can be imported."))
        return upload


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


def build_report(parsed: ParsedFile) -> dict:
    """Dry-run validation: what records_import would accept and reject, nothing written."""
    validation = validate_rows(parsed.rows, regions=_regions())
    return {
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
    form = UploadForm(request.POST or None, request.FILES or None, agency=agency)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            parsed = read_upload(upload.name, content, agency_mapping=agency.column_mapping)
        except FileFormatError as exc:
            form.add_error("file", gettext("The file cannot be read: %(reason)s") % {"reason": exc})
        except Exception:  # a corrupt spreadsheet raises the reader's own errors
            logger.warning("unreadable upload agency=%s", agency.code, exc_info=True)
            form.add_error("file", gettext("The file cannot be read as CSV or XLSX."))
        else:
            report = build_report(parsed)
            token = stage_file(
                user=request.user,
                dataset=form.cleaned_data["dataset"],
                name=upload.name,
                content=content,
                report=report,
            )
            return redirect("upload_report", token=token)
    return render(request, "uploads/upload.html", {"form": form, "agency": agency})


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
    run = functools.partial(
        _import_and_link,
        dataset=dataset,
        parsed=parsed,
        actor=request.user,
        meta=staged.meta,
        skip_invalid=(mode == "valid"),
    )
    if len(parsed.rows) >= settings.WEB_IMPORT_PROGRESS_MIN_ROWS:
        staged_discard(staged)
        # The nonce is drawn now: the CSP header is written before the body streams.
        nonce = str(request.csp_nonce)
        return StreamingHttpResponse(_progress_page(request, run, len(parsed.rows), nonce))
    batch = run()
    staged_discard(staged)
    _report_outcome(request, batch)
    return redirect("batch_detail", pk=batch.pk)


def _import_and_link(*, dataset, parsed, actor, meta, skip_invalid, progress=None) -> ImportBatch:
    """Import the confirmed file, then place its new records on persons at once (the same
    incremental linking as an API submission), so the operator's data is usable right away."""
    outcome = records_import(
        dataset=dataset,
        parsed=parsed,
        actor=actor,
        file_name=meta["file_name"],
        file_sha256=meta["sha256"],
        channel="file",
        skip_invalid=skip_invalid,
        regions=_regions(),
        progress=progress,
    )
    if outcome.new_record_ids:
        link_new_records(outcome.new_record_ids, actor=actor)
    return outcome.batch


def _report_outcome(request: HttpRequest, batch: ImportBatch) -> None:
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


def _progress_page(request: HttpRequest, run, total: int, nonce: str) -> Iterator[str]:
    """A large import runs in a worker thread while this page streams its progress (rows
    validated so far), then links to the batch. No job queue needed; the work still happens
    in one transaction, so leaving the page early does not half-import anything."""
    updates: queue.Queue = queue.Queue()
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["batch"] = run(progress=lambda n: updates.put(n))
        except Exception as exc:  # reported on the page; the transaction has rolled back
            logger.exception("web import failed")
            outcome["error"] = exc
        finally:
            connection.close()  # this thread's own database connection
            updates.put(None)

    worker = threading.Thread(target=work, name="web-import", daemon=True)
    worker.start()
    head, tail = render_to_string("uploads/progress.html", {"total": total}, request=request).split(
        "<!--progress-->"
    )
    yield head
    done = 0
    while (step := updates.get()) is not None:
        done += step
        yield f'<script nonce="{nonce}">showProgress({done}, {total})</script>\n'
    worker.join()
    batch = outcome.get("batch")
    if batch is None:
        yield (
            '<p class="notice error">'
            + escape(gettext("The import failed; nothing was imported."))
            + "</p>"
        )
    else:
        _report_outcome(request, batch)
        url = reverse("batch_detail", args=[batch.pk])
        yield f'<p><a class="btn" href="{url}">{escape(gettext("Open the import batch"))}</a></p>'
        yield f'<script nonce="{nonce}">window.location.assign("{url}")</script>'
    yield tail


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
            "errors": errors[:REPORT_ROWS_SHOWN],
            "errors_hidden": max(0, len(errors) - REPORT_ROWS_SHOWN),
        },
    )
