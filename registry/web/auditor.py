"""Auditor pages: the trail with filters, who viewed whom, unusual-access flags, chain
verification, and the UU PDP subject access report (walidata only, printable). Reading the
trail is itself audited by registry.audit_reports."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from audit.actions import Action
from audit.head import HeadFileError, exported_heads, parse_timestamp, verify_with_exported_heads
from audit.models import Outcome
from audit.services import audit_record, chain_head
from registry import audit_reports
from registry.roles import AUDIT_ROLES, Role
from registry.selectors import NotFound, mask_number, viewer_from_request
from registry.web.auth import role_required
from registry.web.labels import action_label

TRAIL_LIMIT = 500
UNUSUAL_DAYS = 30


class TrailForm(forms.Form):
    actor_username = forms.CharField(label=_("User"), required=False, max_length=150)
    agency_code = forms.CharField(label=_("Agency"), required=False, max_length=40)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=())
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("Any")), (Outcome.ALLOWED, _("allowed")), (Outcome.DENIED, _("denied"))],
    )
    person = forms.CharField(label=_("Person id"), required=False, max_length=32)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        requested = self.data.get("action", "") if self.is_bound else ""
        self.fields["action"].choices = action_choices(str(requested))

    def filters(self) -> dict:
        d = {k: v for k, v in self.cleaned_data.items() if v}
        if "since" in d:
            d["since"] = _start_of(d["since"])
        if "until" in d:
            if d["until"] >= dt.date.max:  # the end of the calendar: no upper bound
                del d["until"]
            else:
                d["until"] = _start_of(d["until"] + dt.timedelta(days=1))
        return d


def action_choices(requested: str = "") -> list[tuple[str, str]]:
    """Every catalogued action, in words, plus the requested code when it is not catalogued
    (a link from an older trail row still filters). No DISTINCT over the trail: it would scan
    an index of every event on each page load."""
    codes = {action.value for action in Action}
    if requested and len(requested) <= 64:
        codes.add(requested)
    labelled = sorted(((code, action_label(code)) for code in codes), key=lambda c: c[1])
    return [("", _("Any")), *labelled]


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _trail_filters(request: HttpRequest) -> tuple[TrailForm, dict]:
    form = TrailForm(request.GET or None)
    return form, (form.filters() if form.is_valid() else {})


@role_required(AUDIT_ROLES)
def trail_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    form, filters = _trail_filters(request)
    rows = audit_reports.audit_events_for_user(viewer=viewer, limit=TRAIL_LIMIT, **filters)
    return render(
        request,
        "auditor/trail.html",
        {
            "is_walidata": viewer.role == Role.WALIDATA,
            "form": form,
            "rows": rows,
            "limit": TRAIL_LIMIT,
            "head": chain_head(),
            "query": request.GET.urlencode(),
        },
    )


@role_required(AUDIT_ROLES)
def trail_csv_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    _form, filters = _trail_filters(request)
    body = audit_reports.audit_events_csv(viewer=viewer, **filters)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="jejak-audit.csv"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(AUDIT_ROLES)
@require_http_methods(["GET", "POST"])
def access_view(request: HttpRequest) -> HttpResponse:
    """Who viewed a person (?person=, or ?nik= / ?name= to find the subject first) or what a
    user viewed (?user=). A NIK or name lookup shows candidates (id, masked name, birth
    year, kelurahan), never the profile."""
    viewer = viewer_from_request(request)
    person = request.GET.get("person", "").strip()[:32]
    username = request.GET.get("user", "").strip()[:150]
    # NIK and name come by POST: they stay out of URLs, browser history and access logs.
    form = request.POST if request.method == "POST" else {}
    nik_raw = form.get("nik", "").strip()[:30]
    nik = "".join(ch for ch in nik_raw if ch.isdigit())
    name = form.get("name", "").strip()[:200]
    rows = None
    lookup = None
    error = ""
    if nik_raw and len(nik) != 16:
        error = gettext("A NIK has 16 digits.")
    elif nik or name:
        lookup = audit_reports.subject_lookup(viewer=viewer, nik=nik, name="" if nik else name)
        rows = lookup.rows
    elif person:
        rows = audit_reports.who_viewed_person(viewer=viewer, public_id=person)
    elif username:
        rows = audit_reports.what_user_viewed(viewer=viewer, username=username)
    return render(
        request,
        "auditor/access.html",
        {
            "person": person,
            "username": username,
            "nik_masked": mask_number(nik) if nik else "",
            "name": name,
            "lookup": lookup,
            "error": error,
            "rows": rows,
            "is_walidata": viewer.role == Role.WALIDATA,
        },
    )


@role_required(AUDIT_ROLES)
def unusual_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    try:
        days = min(max(int(request.GET.get("days", UNUSUAL_DAYS)), 1), 366)
    except ValueError:
        days = UNUSUAL_DAYS
    since = timezone.now() - dt.timedelta(days=days)
    flags = audit_reports.unusual_access(viewer=viewer, since=since)
    return render(
        request,
        "auditor/unusual.html",
        {"flags": flags, "days": days, "is_walidata": viewer.role == Role.WALIDATA},
    )


@role_required(AUDIT_ROLES)
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    """GET: the chain head and the latest head exported outside the database, with the
    button; POST: recompute the whole chain now against every exported head (can take a
    while on a long trail)."""
    viewer = viewer_from_request(request)
    check = None
    if request.method == "POST":
        check = verify_with_exported_heads()
        result = check.result
        audit_record(
            actor=viewer.user,
            action=Action.AUDIT_VERIFY,
            object_type="audit_trail",
            outcome="allowed",
            agency_code=viewer.agency_code,
            role=viewer.role,
            ip=viewer.ip,
            user_agent=viewer.user_agent,
            detail={
                "ok": result.ok,
                "checked": result.checked,
                "first_bad_id": result.first_bad_id,
                "exported_head_id": check.latest["id"] if check.latest else None,
            },
        )
        latest = check.latest
    else:
        try:
            heads = exported_heads()
        except HeadFileError:
            heads = []  # reported by the verification itself
        latest = heads[-1] if heads else None
    return render(
        request,
        "auditor/verify.html",
        {
            "result": check.result if check else None,
            "head": chain_head(),
            "exported": latest,
            "exported_at": parse_timestamp(latest["exported_at"]) if latest else None,
            "is_walidata": viewer.role == Role.WALIDATA,
        },
    )


@role_required(Role.WALIDATA)
def subject_report_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    public_id = request.GET.get("person", "").strip()[:32]
    reference = request.GET.get("ref", "").strip()[:200]
    report = None
    if public_id:
        try:
            report = audit_reports.subject_access_report(
                viewer=viewer, public_id=public_id, request_ref=reference
            )
        except NotFound as exc:
            raise Http404 from exc
    return render(
        request,
        "auditor/subject.html",
        {"report": report, "person": public_id, "reference": reference, "is_walidata": True},
    )


urlpatterns = [
    path("", trail_view, name="index"),
    path("csv/", trail_csv_view, name="csv"),
    path("akses/", access_view, name="access"),
    path("tidak-wajar/", unusual_view, name="unusual"),
    path("verifikasi/", verify_view, name="verify"),
    path("subjek/", subject_report_view, name="subject"),
]
