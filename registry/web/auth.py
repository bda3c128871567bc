"""Login, logout, and the page-level role gate shared by every web view."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import wraps

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from audit.actions import Action
from audit.coalesce import refusal_record
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
        action=Action.PAGE_VIEW,
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


# --- Sign-in throttling and the audit of every login -----------------------------------------


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS: a locked-out account is
    refused before its password is checked, on the login page and the admin alike.

    Authentication without a request (code in a shell, a management command) is not a login
    over the wire and has no client to count failures for: it passes to the next backend
    (axes' own backend would raise instead).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            # Told apart here, where it is certain: a refusal of an account already locked
            # (the receivers below cannot rely on the order axes' own receivers run in).
            request.login_refused_while_locked = True
            raise


def client_ip(request: HttpRequest) -> str | None:
    """The client address for django-axes: the audit trail's rule (AXES_CLIENT_IP_CALLABLE)."""
    return audit_context_from_request(request)["ip"]


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the lockout page (429), in the user's language."""
    limit = settings.AXES_FAILURE_LIMIT
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"failure_limit": limit, "cooloff_minutes": minutes},
        status=429,
    )


def _over_http(request: HttpRequest | None) -> bool:
    # A login made by code (the test client's login(), a shell) has no routed request: it is
    # not a sign-in over the wire, so it is neither throttled nor audited.
    return request is not None and getattr(request, "resolver_match", None) is not None


def _account(username: object):
    """The account a login form named, or None. The typed name itself is never recorded: it
    may be a NIK or a password typed into the wrong field."""
    if not isinstance(username, str) or not username or len(username) > 150:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


def _login_event(request: HttpRequest, *, action: Action, outcome: str, reason: str, account):
    audit_record(
        # A refused attempt is nobody's yet: "anonymous", never the system (empty actor).
        actor=account if outcome == "allowed" else AnonymousUser(),
        action=action,
        object_type="user",
        object_id=str(account.pk) if account is not None else "",
        outcome=outcome,
        reason=reason,
        role=str(role_of(account)) if outcome == "allowed" else "",
        detail={
            "path": request.path,
            "known_account": account is not None,
            "admin": request.path.startswith("/admin/"),
        },
        **audit_context_from_request(request),
    )


def _login_succeeded(sender, request=None, user=None, **kwargs) -> None:
    if _over_http(request):
        _login_event(request, action=Action.LOGIN, outcome="allowed", reason="", account=user)


def _login_failed(sender, credentials=None, request=None, **kwargs) -> None:
    if not _over_http(request):
        return
    locked_before = bool(getattr(request, "login_refused_while_locked", False))
    account = _account((credentials or {}).get(get_user_model().USERNAME_FIELD))
    if locked_before:
        # Attempts on a locked login are a flood's shape: coalesced per address, account and
        # minute (the failures that led to the lock and the lockout stay one event each).
        refusal_record(
            action=Action.LOGIN,
            object_type="user",
            object_id=str(account.pk) if account is not None else "",
            reason="locked_out",
            detail={
                "path": request.path,
                "known_account": account is not None,
                "admin": request.path.startswith("/admin/"),
            },
            **audit_context_from_request(request),
        )
        return
    _login_event(
        request,
        action=Action.LOGIN,
        outcome="denied",
        reason="locked_out" if locked_before else "bad_credentials",
        account=account,
    )


def _locked_out(sender, request=None, username=None, **kwargs) -> None:
    # axes sends this on the failure that reaches the limit and again on every refused attempt
    # while locked; only the first is a lockout.
    if not _over_http(request) or getattr(request, "login_refused_while_locked", False):
        return
    _login_event(
        request,
        action=Action.LOCKOUT,
        outcome="denied",
        reason="too_many_failures",
        account=_account(username),
    )


def _logged_out(sender, request=None, user=None, **kwargs) -> None:
    if _over_http(request) and user is not None:
        _login_event(request, action=Action.LOGOUT, outcome="allowed", reason="", account=user)


def connect_login_audit() -> None:
    """Called from RegistryConfig.ready()."""
    from axes.signals import user_locked_out

    user_logged_in.connect(_login_succeeded, dispatch_uid="registry.login_audit.in")
    user_login_failed.connect(_login_failed, dispatch_uid="registry.login_audit.failed")
    user_logged_out.connect(_logged_out, dispatch_uid="registry.login_audit.out")
    user_locked_out.connect(_locked_out, dispatch_uid="registry.login_audit.locked")
