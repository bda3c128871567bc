"""Review queue (walidata): uncertain record pairs side by side with per-field agreement and
weights; decisions same / different / skip. Queue, pair view and decisions are the linkage
review service's (registry.services.reviews: permission, purpose, locking, audit); this module
only parses and renders."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from registry.models import Agency, Region
from registry.roles import Role
from registry.selectors import NotFound, viewer_from_request
from registry.services import reviews
from registry.web.auth import role_required
from registry.web.purpose import purpose_required

REVIEW_ROLES = (Role.WALIDATA,)
DECISIONS = ("same", "different", "skip")
PAGE_SIZE = 50

# Score bands of the filter: (label, min, max exclusive).
SCORE_BANDS = {
    "tinggi": (_("0.90 and above"), 0.9, None),
    "sedang": (_("0.70 to 0.90"), 0.7, 0.9),
    "rendah": (_("below 0.70"), None, 0.7),
}

# The comparison levels of linkage.compare.LEVEL_LABELS, in words.
LEVEL_WORDS = {
    "exact": _("identical"),
    "different": _("different"),
    "else": _("different"),
    "missing": _("missing on one side"),
    "tokens": _("same words, another order or extra words"),
    "close": _("one or two letters apart"),
    "phonetic": _("sounds the same (old/new spelling)"),
    "sorted": _("same words, another order"),
    "one_off_date": _("one digit apart, in the birth date part"),
    "one_off_other": _("one digit apart"),
    "one_off": _("one digit apart"),
    "exact_unreliable": _("identical, but flagged unreliable"),
    "same_year_month": _("same year and month"),
    "year_off": _("year one apart"),
    "swap_day_month": _("day and month swapped"),
    "similar": _("similar"),
    "street": _("same street"),
    "one": _("RT or RW the same"),
    "both": _("RT and RW the same"),
    "kecamatan": _("same kecamatan"),
    "kelurahan": _("same kelurahan"),
    "address": _("same address"),
    "kk": _("same family card (KK)"),
    "kk_and_address": _("same family card and address"),
}
_JW = re.compile(r"^jw(\d+)$")


def level_words(level: str) -> str:
    if not level:
        return ""
    words = LEVEL_WORDS.get(level)
    if words is not None:
        return str(words)
    match = _JW.match(level)
    if match:
        return gettext("similar (%(pct)s%% alike)") % {"pct": match.group(1)}
    return level


class QueueFilterForm(forms.Form):
    agency = forms.ChoiceField(label=_("Agency"), required=False, choices=())
    skor = forms.ChoiceField(label=_("Score"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("All agencies"))] + list(
            Agency.objects.order_by("code").values_list("code", "name")
        )
        self.fields["skor"].choices = [("", _("All scores"))] + [
            (k, label) for k, (label, _lo, _hi) in SCORE_BANDS.items()
        ]

    def filters(self) -> reviews.ReviewFilters:
        if not self.is_valid():
            return reviews.ReviewFilters()
        band = SCORE_BANDS.get(self.cleaned_data["skor"])
        return reviews.ReviewFilters(
            agency=self.cleaned_data["agency"],
            score_min=band[1] if band else None,
            score_max=band[2] if band else None,
        )


def _filter_query(request: HttpRequest) -> str:
    """The queue's filters as a query string, kept across pair pages and decisions (a
    decision form carries them in its hidden `q`)."""
    raw = request.POST.get("q", "") if request.method == "POST" else request.GET.urlencode()
    params = QueryDict(raw, mutable=True)
    for key in list(params):
        if key not in ("agency", "skor"):
            del params[key]
    return params.urlencode()


def _region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


@role_required(REVIEW_ROLES)
@purpose_required
def queue_view(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    page_no = request.GET.get("hal", "1")
    page_no = int(page_no) if page_no.isdigit() and int(page_no) > 0 else 1
    page = reviews.review_queue_page(
        viewer=viewer_from_request(request),
        purpose=request.purpose,
        limit=PAGE_SIZE,
        offset=(page_no - 1) * PAGE_SIZE,
        filters=form.filters(),
    )
    names = _region_names(
        [c for r in page.rows for c in (r.left_kelurahan, r.right_kelurahan) if c]
    )
    pages = max(1, -(-page.total // PAGE_SIZE))
    query = _filter_query(request)
    return render(
        request,
        "review/queue.html",
        {
            "form": form,
            "tasks": page.rows,
            "total": page.total,
            "kelurahan": names,
            "page_no": page_no,
            "pages": pages,
            "first": (page_no - 1) * PAGE_SIZE + 1 if page.rows else 0,
            "last": (page_no - 1) * PAGE_SIZE + len(page.rows),
            "query": query,
        },
    )


@role_required(REVIEW_ROLES)
@purpose_required
def pair_view(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        task = reviews.review_task_get_for_user(
            viewer=viewer_from_request(request), task_id=task_id, purpose=request.purpose
        )
    except NotFound as exc:
        raise Http404 from exc
    names = _region_names(
        [
            f[side]
            for f in task.fields
            if f["name"] == "kelurahan_code"
            for side in ("left", "right")
        ]
    )
    for f in task.fields:
        f["level_words"] = level_words(f["level"])
        if f["name"] == "kelurahan_code":
            for side in ("left", "right"):
                code = f[side]
                f[side] = f"{names[code]} ({code})" if code in names else code
    same_person = bool(task.persons[0]) and task.persons[0] == task.persons[1]
    return render(
        request,
        "review/pair.html",
        {
            "task": task,
            "decisions": DECISIONS,
            "same_person": same_person,
            "query": _filter_query(request),
        },
    )


@role_required(REVIEW_ROLES)
@purpose_required
@require_POST
def decide_view(request: HttpRequest, task_id: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    if decision not in DECISIONS:
        raise Http404
    viewer = viewer_from_request(request)
    try:
        reviews.review_decide(
            viewer=viewer,
            task_id=task_id,
            decision=decision,
            purpose=request.purpose,
            note=request.POST.get("note", "")[:500],
        )
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, gettext("Decision recorded."))
    # Straight on to the next pair of the queue, under the same filters.
    query = _filter_query(request)
    form = QueueFilterForm(QueryDict(query) or None)
    next_id = reviews.review_next_task_id(viewer=viewer, filters=form.filters())
    suffix = f"?{query}" if query else ""
    if next_id is None:
        messages.info(request, gettext("No more pairs to review."))
        return redirect(reverse("review:queue") + suffix)
    return redirect(reverse("review:pair", args=[next_id]) + suffix)


urlpatterns = [
    path("", queue_view, name="queue"),
    path("<int:task_id>/", pair_view, name="pair"),
    path("<int:task_id>/putuskan/", decide_view, name="decide"),
]
