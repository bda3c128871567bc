"""Home page: what this user's role can do, as tiles (the same list as the navigation)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry.models import ImportBatch
from registry.roles import Role
from registry.web.auth import request_role
from registry.web.navigation import nav_items


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    role = request_role(request)
    profile = getattr(request.user, "profile", None)
    agency = getattr(profile, "agency", None)
    recent_batches = []
    if role == Role.OPERATOR and agency is not None:
        recent_batches = list(
            ImportBatch.objects.filter(agency=agency).select_related("dataset")[:5]
        )
    return render(
        request,
        "home.html",
        {
            "role": role,
            "role_label": Role(role).label,
            "agency": agency,
            "tiles": nav_items(request),
            "recent_batches": recent_batches,
        },
    )
