"""Every refused API request leaves an audit event (400, 401, 403), whatever refused it:
schema validation, authentication, CSRF, a permission check.

What is recorded is the transport-level fact: route pattern (not the path, which may carry
an identifier the caller typed), method, status, the error code of the answer, and who asked
(the token's service user or the session's user; nobody for a 401). Never the body, the query
string or a header value. Refusals that a selector already audits with its domain reason (e.g.
an invalid purpose) get this event too: one says what was refused, the other why.

A refusal nobody authenticated (any 401, an anonymous 400/403) is coalesced per source
address, route and minute (audit.coalesce): the first is an event at once, the rest one
event with their count when the minute ends, so a flood cannot grow the chain per request.
"""

from __future__ import annotations

import json

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from audit.actions import Action
from audit.coalesce import refusal_record
from audit.services import audit_context_from_request, audit_record
from registry.roles import role_of

API_PREFIX = "/api/"
AUDITED_STATUSES = frozenset({400, 401, 403})


def _error_code(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return ""
    try:
        body = json.loads(response.content)
        return str(body["error"]["code"])[:64]
    except (ValueError, KeyError, TypeError):
        return ""


def _caller(request: HttpRequest):
    user = getattr(request, "api_user", None)
    if user is None:
        user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _actor(request: HttpRequest, caller):
    # Recorded as "anonymous" when nobody could be authenticated (never as the system).
    return caller if caller is not None else AnonymousUser()


class RefusalAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in AUDITED_STATUSES and request.path_info.startswith(API_PREFIX):
            _record(request, response)
        return response


def _record(request: HttpRequest, response: HttpResponse) -> None:
    caller = _caller(request)
    match = request.resolver_match
    token = getattr(request, "api_token", None)
    profile = getattr(caller, "profile", None) if caller is not None else None
    agency = getattr(profile, "agency", None)
    route = (match.route if match else "")[:128]
    reason = _error_code(response) or str(response.status_code)
    context = audit_context_from_request(request)
    if caller is None and token is None:
        refusal_record(
            action=Action.API_REFUSED,
            object_type="api_route",
            object_id=route,
            reason=reason,
            detail={"status": response.status_code, "method": request.method, "token_id": None},
            **context,
        )
        return
    audit_record(
        actor=_actor(request, caller),
        action=Action.API_REFUSED,
        object_type="api_route",
        object_id=route,
        outcome="denied",
        reason=reason,
        role=str(role_of(caller)) if caller is not None else "",
        agency_code=agency.code if agency is not None else "",
        detail={
            "status": response.status_code,
            "method": request.method,
            "token_id": token.pk if token is not None else None,
        },
        **context,
    )
