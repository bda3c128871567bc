"""The walidata board: submissions per agency and dataset, late agencies, grants, and the
data-quality report per agency (page and XLSX, both audited)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import Agency, ImportBatch
from registry.reports import board as report
from registry.reports.common import EXPORT_LIMIT, PAGE_SIZE
from registry.reports.xlsx import Sheet
from registry.roles import Role
from registry.selectors import viewer_from_request
from registry.web.auth import role_required
from registry.web.exports import xlsx_response
from registry.web.purpose import purpose_required

BOARD_ROLES = (Role.WALIDATA,)

ISSUE_LABELS = {
    "nik_invalid": _("NIK missing or invalid"),
    "nik_differs": _("NIK different from the civil registry's for the same person"),
    "name_differs": _("Name disagrees with the linked person"),
    "birth_date_differs": _("Birth date disagrees with the linked person"),
}


@role_required(BOARD_ROLES)
def index_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    datasets = report.submission_board(viewer)
    for d in datasets:
        d.linked_pct = None if d.linked_share is None else round(d.linked_share * 100, 1)
        d.last_status_label = ImportBatch.Status(d.last_status).label if d.last_status else ""
    overdue_count, overdue = report.overdue_objections(viewer)
    return render(
        request,
        "board/index.html",
        {
            "overdue_count": overdue_count,
            "overdue": overdue,
            "datasets": datasets,
            "late": report.late_agencies(viewer),
            "grants": report.grants(viewer, include_inactive=bool(request.GET.get("all"))),
            "show_all_grants": bool(request.GET.get("all")),
            "agencies": report.agencies_for_quality(viewer),
        },
    )


def _agency_or_404(code: str) -> str:
    if not Agency.objects.filter(code=code).exists():
        raise Http404
    return code


@role_required(BOARD_ROLES)
@purpose_required
def quality_view(request: HttpRequest, agency_code: str) -> HttpResponse:
    viewer = viewer_from_request(request)
    result = report.quality_report(
        viewer, _agency_or_404(agency_code), purpose=request.purpose, limit=PAGE_SIZE
    )
    sections = [
        {
            "code": issue,
            "label": ISSUE_LABELS[issue],
            "count": result.counts[issue],
            "rows": result.rows[issue],
        }
        for issue in report.QUALITY_ISSUES
    ]
    return render(
        request,
        "board/quality.html",
        {"agency": Agency.objects.get(code=agency_code), "sections": sections, "limit": PAGE_SIZE},
    )


@role_required(BOARD_ROLES)
@purpose_required
def quality_export_view(request: HttpRequest, agency_code: str) -> HttpResponse:
    viewer = viewer_from_request(request)
    result = report.quality_report(
        viewer,
        _agency_or_404(agency_code),
        purpose=request.purpose,
        limit=EXPORT_LIMIT,
        export=True,
    )
    headers = [
        gettext("Dataset"),
        gettext("Record"),
        gettext("Line"),
        gettext("Batch"),
        gettext("NIK (masked)"),
        gettext("Flags"),
        gettext("Digits apart"),
    ]
    sheets = [
        Sheet(
            title=issue,
            headers=[gettext("Issue"), *headers],
            rows=(
                [
                    str(ISSUE_LABELS[issue]),
                    r["dataset_name"],
                    r["source_record_id"],
                    r["line_number"],
                    r["batch_id"],
                    r["nik"],
                    r["flags"],
                    r.get("digits_apart"),
                ]
                for r in result.rows[issue]
            ),
        )
        for issue in report.QUALITY_ISSUES
    ]
    return xlsx_response(f"kualitas-data-{agency_code}", sheets)


urlpatterns = [
    path("", index_view, name="index"),
    path("kualitas/<slug:agency_code>/", quality_view, name="quality"),
    path("kualitas/<slug:agency_code>/xlsx/", quality_export_view, name="quality_export"),
]
