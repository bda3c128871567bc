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
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from audit.actions import Action
from audit.head import HeadFileError, exported_heads, parse_timestamp, verify_with_exported_heads
from audit.models import Outcome
from audit.services import audit_record, chain_head
from registry import audit_reports
from registry.roles import AUDIT_ROLES, Role
from registry.selectors import NotFound, viewer_from_request
from registry.web.auth import role_required

TRAIL_LIMIT = 500
UNUSUAL_DAYS = 30


class TrailForm(forms.Form):
    actor_username = forms.CharField(label=_("User"), required=False, max_length=150)
    agency_code = forms.CharField(label=_("Agency"), required=False, max_length=40)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any")), *Action.choices]
    )
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

    def filters(self) -> dict:
        d = {k: v for k, v in self.cleaned_data.items() if v}
        if "since" in d:
            d["since"] = _start_of(d["since"])
        if "until" in d:
            d["until"] = _start_of(d["until"] + dt.timedelta(days=1))
        return d


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
def access_view(request: HttpRequest) -> HttpResponse:
    """Who viewed a person (?person=) or what a user viewed (?user=)."""
    viewer = viewer_from_request(request)
    person = request.GET.get("person", "").strip()[:32]
    username = request.GET.get("user", "").strip()[:150]
    rows = None
    if person:
        rows = audit_reports.who_viewed_person(viewer=viewer, public_id=person)
    elif username:
        rows = audit_reports.what_user_viewed(viewer=viewer, username=username)
    return render(
        request,
        "auditor/access.html",
        {
            "person": person,
            "username": username,
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
