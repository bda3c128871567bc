"""Login, logout, and the page-level role gate shared by every web view."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from audit.services import audit_context_from_request, audit_record
from registry.roles import role_of

logger = logging.getLogger(__name__)


def request_role(request: HttpRequest) -> str:
    """The signed-in user's role, computed once per request."""
    role = getattr(request, "_web_role", None)
    if role is None:
        role = role_of(request.user)
        request._web_role = role
    return role


def request_agency_code(request: HttpRequest) -> str:
    profile = getattr(request.user, "profile", None) if request.user.is_authenticated else None
    agency = getattr(profile, "agency", None)
    return agency.code if agency is not None else ""


def page_denied(request: HttpRequest, *, reason: str = "role") -> Http404:
    """Audit a refused page view and return the 404 to raise (missing and forbidden look alike)."""
    match = request.resolver_match
    audit_record(
        actor=request.user,
        action="page.view",
        object_type="page",
        object_id=match.view_name if match else "",
        outcome="denied",
        reason=reason,
        role=request_role(request),
        agency_code=request_agency_code(request),
        detail={"path": request.path, "method": request.method},
        **audit_context_from_request(request),
    )
    logger.info("page denied view=%s user=%s", match.view_name if match else "", request.user.pk)
    return Http404()


def role_required(*roles: Iterable[str] | str) -> Callable:
    """Let only the given roles see the page; everyone else gets 404 and an audit event.

    Anonymous users are sent to the login page first. Accepts role values or sets of them
    (`role_required(Role.WALIDATA, *PERSON_ROLES)`). The allowed roles are kept on the view as
    `allowed_roles` so the navigation shows each user only the pages they may open.
    """
    allowed: set[str] = set()
    for role in roles:
        if isinstance(role, str):
            allowed.add(str(role))
        else:
            allowed.update(str(r) for r in role)
    frozen = frozenset(allowed)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request_role(request) not in frozen:
                raise page_denied(request)
            return view(request, *args, **kwargs)

        guarded = login_required(wrapped)
        guarded.allowed_roles = frozen
        return guarded

    return decorator


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or an image cannot sign anyone out."""
