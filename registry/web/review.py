"""Review queue (walidata): uncertain record pairs side by side with per-field agreement and
weights; decisions same / different / skip. Queue, pair view and decisions are the linkage
review service's (registry.services.reviews: permission, purpose, locking, audit); this module
only parses and renders."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from registry.roles import Role
from registry.selectors import NotFound, viewer_from_request
from registry.services import reviews
from registry.web.auth import role_required
from registry.web.purpose import purpose_required

REVIEW_ROLES = (Role.WALIDATA,)
DECISIONS = ("same", "different", "skip")


@role_required(REVIEW_ROLES)
@purpose_required
def queue_view(request: HttpRequest) -> HttpResponse:
    tasks = reviews.review_queue_for_user(
        viewer=viewer_from_request(request), purpose=request.purpose
    )
    return render(request, "review/queue.html", {"tasks": tasks})


@role_required(REVIEW_ROLES)
@purpose_required
def pair_view(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        task = reviews.review_task_get_for_user(
            viewer=viewer_from_request(request), task_id=task_id, purpose=request.purpose
        )
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "review/pair.html", {"task": task, "decisions": DECISIONS})


@role_required(REVIEW_ROLES)
@purpose_required
@require_POST
def decide_view(request: HttpRequest, task_id: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    if decision not in DECISIONS:
        raise Http404
    try:
        reviews.review_decide(
            viewer=viewer_from_request(request),
            task_id=task_id,
            decision=decision,
            purpose=request.purpose,
            note=request.POST.get("note", "")[:500],
        )
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, gettext("Decision recorded."))
    return redirect("review:queue")


urlpatterns = [
    path("", queue_view, name="queue"),
    path("<int:task_id>/", pair_view, name="pair"),
    path("<int:task_id>/putuskan/", decide_view, name="decide"),
]
