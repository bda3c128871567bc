"""The purpose prompt in front of every page that shows personal data (UU PDP: purpose
limitation). A purpose is a code from PURPOSE_CODES plus free text; the chosen purpose is
remembered in the session for PURPOSE_TTL per code and passed to every selector call, which
writes it into the audit event of the read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from registry.selectors import PURPOSE_CODES, InvalidPurpose, Purpose

PURPOSE_TTL = timedelta(minutes=30)
SESSION_PURPOSES = "web_purposes"  # {code: {"text": str, "at": iso datetime}}
SESSION_CURRENT = "web_purpose_current"  # code of the purpose in force


class PurposeForm(forms.Form):
    code = forms.ChoiceField(label=_("Purpose"), choices=())
    text = forms.CharField(
        label=_("Describe the purpose"),
        help_text=_("For example the case, letter or program this access is for."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [("", _("— choose —")), *PURPOSE_CODES.items()]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            cleaned["purpose"] = Purpose.parse(cleaned["code"], cleaned["text"])
        except InvalidPurpose as exc:
            raise forms.ValidationError(str(exc)) from exc
        return cleaned


def _remembered(request: HttpRequest) -> dict[str, dict[str, str]]:
    """Purposes still within their time limit (expired ones are dropped from the session)."""
    stored = request.session.get(SESSION_PURPOSES) or {}
    now = timezone.now()
    fresh = {}
    for code, entry in stored.items():
        try:
            at = datetime.fromisoformat(entry["at"])
        except (KeyError, TypeError, ValueError):
            continue
        if now - at < PURPOSE_TTL:
            fresh[code] = entry
    if fresh != stored:
        request.session[SESSION_PURPOSES] = fresh
    return fresh


def current_purpose(request: HttpRequest) -> Purpose | None:
    code = request.session.get(SESSION_CURRENT)
    entry = _remembered(request).get(code) if code else None
    if entry is None:
        return None
    try:
        return Purpose.parse(code, entry["text"])
    except InvalidPurpose:
        return None


def remember_purpose(request: HttpRequest, code: str, text: str) -> None:
    stored = _remembered(request)
    stored[code] = {"text": text, "at": timezone.now().isoformat()}
    request.session[SESSION_PURPOSES] = stored
    request.session[SESSION_CURRENT] = code


def purpose_label(code: str) -> str:
    return str(PURPOSE_CODES.get(code, code))


def purpose_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Ask for a purpose before the view runs; the view finds it in `request.purpose`."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        purpose = current_purpose(request)
        if purpose is None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('purpose')}?{query}")
        request.purpose = purpose
        return view(request, *args, **kwargs)

    return wrapped


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


@login_required
def purpose_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    remembered = _remembered(request)
    if request.method == "POST":
        form = PurposeForm(request.POST)
        if form.is_valid():
            remember_purpose(request, form.cleaned_data["code"], form.cleaned_data["text"])
            return redirect(next_url)
    else:
        code = request.GET.get("code") or request.session.get(SESSION_CURRENT) or ""
        initial = {"code": code, "text": remembered.get(code, {}).get("text", "")}
        form = PurposeForm(initial=initial)
    return render(
        request,
        "people/purpose.html",
        {
            "form": form,
            "next": next_url,
            "remembered": {c: e["text"] for c, e in remembered.items()},
            "ttl_minutes": int(PURPOSE_TTL.total_seconds() // 60),
        },
    )
