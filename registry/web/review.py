"""Review queue (walidata): uncertain record pairs side by side with per-field agreement and
weights; decisions same / different / skip. The queue and the decisions belong to the linkage
review service; this module only renders and forwards, so it binds to that service lazily and
shows an empty queue while the service is absent."""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from registry.roles import Role
from registry.selectors import NotFound, viewer_from_request
from registry.web.auth import role_required
from registry.web.purpose import purpose_required

logger = logging.getLogger(__name__)

REVIEW_ROLES = (Role.WALIDATA,)
DECISIONS = ("same", "different", "skip")
SERVICE_MODULES = ("registry.services.reviews", "registry.services.review", "registry.reviews")


def _service() -> ModuleType | None:
    for name in SERVICE_MODULES:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    return None


@role_required(REVIEW_ROLES)
@purpose_required
def queue_view(request: HttpRequest) -> HttpResponse:
    service = _service()
    tasks = []
    if service is not None and hasattr(service, "review_queue_for_user"):
        tasks = service.review_queue_for_user(
            viewer=viewer_from_request(request), purpose=request.purpose
        )
    return render(
        request, "review/queue.html", {"tasks": tasks, "service_ready": service is not None}
    )


@role_required(REVIEW_ROLES)
@purpose_required
def pair_view(request: HttpRequest, task_id: int) -> HttpResponse:
    service = _service()
    if service is None or not hasattr(service, "review_task_get_for_user"):
        raise Http404
    try:
        task = service.review_task_get_for_user(
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
    service = _service()
    if decision not in DECISIONS or service is None or not hasattr(service, "review_decide"):
        raise Http404
    try:
        service.review_decide(
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
