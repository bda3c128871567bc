"""Aid targeting pages (social affairs): counts per check, drill-down lists, XLSX exports.
Views only parse filters and call registry.reports.targeting, which filters by what the viewer
may read and audits every list and export."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.reports import targeting as report
from registry.reports.common import EXPORT_LIMIT, PAGE_SIZE
from registry.reports.deciles import decile_source
from registry.reports.planning import kecamatan_choices
from registry.reports.xlsx import Sheet
from registry.roles import Role
from registry.selectors import viewer_from_request
from registry.web.auth import role_required
from registry.web.exports import table_cells, xlsx_response
from registry.web.labels import date_label, period_label
from registry.web.purpose import purpose_required

TARGETING_ROLES = (Role.WALIDATA, Role.ANALYST)
MAX_PAGE = 1_000_000

CHECK_LABELS = {
    "deceased": _("Recipients recorded deceased by the civil registry"),
    "double_payment": _("Paid twice in one program and period"),
    "overlap": _("More programs than allowed in one period"),
    "high_decile": _("Recipients in welfare decile 6 or higher"),
    "low_decile_no_aid": _("Households in deciles 1-4 receiving nothing"),
}
CHECK_HELP = {
    "deceased": _("Aid periods that start after the death date recorded by Disdukcapil."),
    "double_payment": _("The same linked person on two records of one program and period."),
    "overlap": _("Stacked cash programs, by the rules table below."),
    "high_decile": _("Programs target deciles 1-5; these recipients' households rank 6-10."),
    "low_decile_no_aid": _("Poorest households (deciles 1-4) with no aid receipt recorded."),
}

_PERSON = [
    ("person_public_id", _("Person id")),
    ("full_name", _("Name")),
    ("nik", _("NIK")),
    ("kelurahan", _("Kelurahan")),
]
_RECEIPT = [
    ("agency_code", _("Agency")),
    ("record_ref", _("Record")),
    ("program", _("Program")),
    ("period", _("Period")),
    ("amount", _("Amount (Rp)")),
]
COLUMNS = {
    "deceased": [*_PERSON, *_RECEIPT, ("civil_death", _("Date of death"))],
    "double_payment": [
        *_PERSON,
        ("program", _("Program")),
        ("period", _("Period")),
        ("n", _("Payments")),
        ("total_amount", _("Total (Rp)")),
        ("agencies", _("Agencies")),
        ("records", _("Records")),
    ],
    "overlap:household": [
        ("household_public_id", _("Household id")),
        ("kelurahan", _("Kelurahan")),
        ("period", _("Period")),
        ("programs", _("Programs")),
        ("member_public_ids", _("Members")),
    ],
    "overlap:person": [
        *_PERSON,
        ("period", _("Period")),
        ("programs", _("Programs")),
    ],
    "high_decile": [
        *_PERSON,
        *_RECEIPT,
        ("decile", _("Decile")),
        ("decile_source", _("Decile source")),
    ],
    "low_decile_no_aid": [
        ("household_public_id", _("Household id")),
        ("kelurahan", _("Kelurahan")),
        ("rw", _("RW")),
        ("rt", _("RT")),
        ("welfare_decile", _("Decile")),
        ("decile_source", _("Decile source")),
        ("members", _("Members")),
    ],
}
# Shown in the pages' one period and date format (exports keep the stored values).
FORMATS = {"period": period_label, "civil_death": date_label}
LINKS = {
    "person_public_id": lambda v: reverse("person_detail", args=[v]),
    "household_public_id": lambda v: reverse("household_detail", args=[v]),
}


# Checks whose rows are households a proposal (usulan) can start from.
PROPOSE_CHECKS = frozenset({"low_decile_no_aid"})


def _propose_url(household_public_id: str, check: str) -> str:
    query = urlencode({"keluarga": household_public_id, "cek": check})
    return f"{reverse('welfare:proposal_new')}?{query}"


class FilterForm(forms.Form):
    program = forms.ChoiceField(label=_("Program"), required=False, choices=())
    period = forms.ChoiceField(label=_("Period"), required=False, choices=())
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False, choices=())

    def __init__(self, *args, programs=(), periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["program"].choices = everything + [(p, p) for p in programs]
        self.fields["period"].choices = everything + [(p, period_label(p)) for p in periods]
        self.fields["kecamatan"].choices = everything + kecamatan_choices()

    def filters(self) -> report.Filters:
        if not self.is_valid():
            return report.Filters()
        d = self.cleaned_data
        return report.Filters(
            program=d["program"], period=d["period"], kecamatan_code=d["kecamatan"]
        )


def _form(request: HttpRequest, viewer) -> FilterForm:
    programs, periods = report.programs_and_periods(viewer)
    return FilterForm(request.GET or None, programs=programs, periods=periods)


def _check_or_404(check: str) -> str:
    if check not in report.CHECKS:
        raise Http404
    return check


def _rule(request: HttpRequest) -> report.OverlapRule:
    return report.RULES_BY_CODE.get(request.GET.get("rule", ""), report.OVERLAP_RULES[0])


def _columns(check: str, rule: report.OverlapRule):
    return COLUMNS[f"overlap:{rule.level}"] if check == "overlap" else COLUMNS[check]


@role_required(TARGETING_ROLES)
def index_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    form = _form(request, viewer)
    counts = report.targeting_counts(viewer, form.filters())
    checks = [
        {"code": c, "label": CHECK_LABELS[c], "help": CHECK_HELP[c], "count": counts[c]}
        for c in report.CHECKS
    ]
    return render(
        request,
        "targeting/index.html",
        {
            "form": form,
            "coverage": report.decile_coverage(viewer),
            "checks": checks,
            "rules": report.OVERLAP_RULES,
            "query": request.GET.urlencode(),
        },
    )


@role_required(TARGETING_ROLES)
@purpose_required
def list_view(request: HttpRequest, check: str) -> HttpResponse:
    check = _check_or_404(check)
    viewer = viewer_from_request(request)
    form = _form(request, viewer)
    try:
        page_number = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page_number = 1
    page_number = min(page_number, MAX_PAGE)  # an offset PostgreSQL can take (bigint)
    rule = _rule(request)
    page = report.targeting_list(
        viewer,
        check,
        form.filters(),
        purpose=request.purpose,
        offset=(page_number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        rule_code=rule.code,
    )
    columns = _columns(check, rule)
    links, formats = LINKS, FORMATS
    if check in PROPOSE_CHECKS:
        # Each household row offers "Usulkan": a DTSEN proposal drafted from this check.
        columns = [*columns, ("propose", _("Usulan"))]
        for row in page.rows:
            row["propose"] = row.get("household_public_id")
        links = {**LINKS, "propose": lambda v: _propose_url(v, check)}
        formats = {**FORMATS, "propose": lambda v: gettext("Usulkan")}
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "targeting/list.html",
        {
            "form": form,
            "check": check,
            "label": CHECK_LABELS[check],
            "help": CHECK_HELP[check],
            "rule": rule if check == "overlap" else None,
            "rules": report.OVERLAP_RULES,
            "page": page,
            "columns": [label for _, label in columns],
            "rows": table_cells(page.rows, columns, links, formats),
            "page_number": page_number,
            "pages": max(1, -(-page.total // PAGE_SIZE)),
            "first_shown": page.offset + 1 if page.rows else 0,
            "last_shown": page.offset + len(page.rows),
            "has_next": page.offset + len(page.rows) < page.total,
            "base_query": params.urlencode(),
        },
    )


@role_required(TARGETING_ROLES)
@purpose_required
def export_view(request: HttpRequest, check: str) -> HttpResponse:
    check = _check_or_404(check)
    viewer = viewer_from_request(request)
    rule = _rule(request)
    page = report.targeting_list(
        viewer,
        check,
        _form(request, viewer).filters(),
        purpose=request.purpose,
        limit=EXPORT_LIMIT,
        export=True,
        rule_code=rule.code,
    )
    columns = _columns(check, rule)
    rows = [[c["value"] for c in cells] for cells in table_cells(page.rows, columns)]
    sheet = Sheet(title=check, headers=[gettext(str(label)) for _, label in columns], rows=rows)
    return xlsx_response(f"sasaran-{check.replace('_', '-')}", [sheet])


urlpatterns = [
    path("", index_view, name="index"),
    path("<slug:check>/", list_view, name="list"),
    path("<slug:check>/xlsx/", export_view, name="export"),
]


# --- recipient-list verification ---------------------------------------------------------

# The flags of registry.reports.recipient_check (the one service the API renders too).
ISSUE_LABELS = {
    "no_match": _("not found in the registry"),
    "deceased": _("deceased"),
    "nik_invalid": _("NIK invalid"),
    "nik_differs_from_civil_registry": _("NIK differs from the civil registry"),
    "duplicate_in_list": _("listed twice"),
    "receives_other_programs": _("receives other programs"),
    "high_welfare_decile": _("welfare decile 6-10"),
}
MATCH_LABELS = {
    "nik": _("NIK"),
    "nik_one_edit": _("NIK one digit off"),
    "name": _("name"),
    "birth_date": _("date of birth"),
    "birth_date_near": _("date of birth (near)"),
    "kelurahan": _("kelurahan"),
}
UPLOAD_MAX_BYTES = 10 * 1024 * 1024


class RecipientListForm(forms.Form):
    file = forms.FileField(label=_("Recipient list (CSV or XLSX)"))
    program = forms.CharField(label=_("Program"), required=False, max_length=30)
    period = forms.CharField(
        label=_("Period"), required=False, max_length=10, help_text=_("e.g. 2026-Q2")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm", ".ods")):
            raise forms.ValidationError(_("Use a CSV or XLSX file."))
        return upload


def _matched_text(row) -> str:
    return ", ".join(str(MATCH_LABELS.get(m, m)) for m in row.matched_on)


def _decile_source_text(source: str) -> str:
    """The check's decile source in words: 'DTSEN 2026-Q3' -> 'DTSEN Triwulan III 2026',
    'estimate:dinsos' -> 'perkiraan Dinsos'."""
    if source.startswith("DTSEN "):
        return decile_source(source.removeprefix("DTSEN "), None)
    return decile_source(None, source.removeprefix("estimate:"))


def _issue_text(row, lines_of: dict[int, int | None]) -> list[str]:
    out = []
    for issue in row.flags:
        label = str(ISSUE_LABELS[issue])
        if issue == "deceased" and row.death_date:
            label += f" ({date_label(row.death_date)})"
        elif issue == "nik_differs_from_civil_registry" and row.nik_digits_apart is not None:
            label += " " + gettext("(%(n)s digits apart)") % {"n": row.nik_digits_apart}
        elif issue == "duplicate_in_list" and row.duplicate_of:
            label += " " + gettext("(lines %(lines)s)") % {
                "lines": ", ".join(str(lines_of.get(i)) for i in row.duplicate_of)
            }
        elif issue == "receives_other_programs":
            label += ": " + ", ".join(row.other_programs)
        elif issue == "high_welfare_decile" and row.welfare_decile is not None:
            label += f" ({row.welfare_decile}, {_decile_source_text(row.welfare_decile_source)})"
        out.append(label)
    return out


@role_required(TARGETING_ROLES)
@purpose_required
def verify_view(request: HttpRequest) -> HttpResponse:
    from registry.reports.recipient_check import (
        NotAllowed,
        RecipientFileError,
        VolumeLimitExceeded,
        recipient_file_check,
    )

    form = RecipientListForm(request.POST or None, request.FILES or None)
    report_ = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        export = "xlsx" in request.POST
        try:
            report_ = recipient_file_check(
                viewer_from_request(request),
                file_name=upload.name,
                content=upload.read(),
                program=form.cleaned_data["program"].strip(),
                period=form.cleaned_data["period"].strip(),
                purpose=request.purpose,
                export=export,
            )
        except NotAllowed as exc:
            raise Http404 from exc
        except VolumeLimitExceeded as exc:
            form.add_error(
                "file",
                gettext("More than %(n)s rows checked today: try again tomorrow.")
                % {"n": exc.limit},
            )
        except RecipientFileError as exc:
            form.add_error("file", str(exc))
        else:
            if export:
                return xlsx_response("verifikasi-penerima", [_verify_sheet(report_)])
    lines_of = {r.index: r.line for r in (report_.rows if report_ else [])}
    rows = [
        {
            "row": r,
            "matched_on": _matched_text(r) if r.person_public_id else "",
            "issues": _issue_text(r, lines_of),
            "confidence": round(r.confidence * 100) if r.person_public_id else None,
        }
        for r in (report_.rows if report_ else [])
    ]
    counts = (
        [(ISSUE_LABELS[k], report_.counts[k]) for k in ISSUE_LABELS] if report_ is not None else []
    )
    return render(
        request,
        "targeting/verify.html",
        {"form": form, "report": report_, "rows": rows, "counts": counts},
    )


def _verify_sheet(report_) -> Sheet:
    lines_of = {r.index: r.line for r in report_.rows}
    headers = [
        gettext("Line"),
        gettext("Name"),
        gettext("NIK"),
        gettext("Person id"),
        gettext("Matched on"),
        gettext("Confidence"),
        gettext("Issues"),
    ]
    return Sheet(
        title="verifikasi",
        headers=headers,
        rows=(
            [
                r.line,
                r.name,
                r.nik,
                r.person_public_id,
                _matched_text(r) if r.person_public_id else "",
                r.confidence if r.person_public_id else None,
                "; ".join(_issue_text(r, lines_of)),
            ]
            for r in report_.rows
        ),
    )


urlpatterns.insert(1, path("verifikasi/", verify_view, name="verify"))
