"""The project's own error answers, with debug on and off.

Pages answer with the project's templates in the user's language (Bahasa Indonesia by default);
anything under /api/ answers in the API's one error shape ({"error": {code, message,
details}}), also for URLs no route matches and for the bare 405s a method check returns.
Django shows its technical pages instead when DEBUG is on (the yellow 404 lists every URL),
so the middleware answers for it: a view's Http404/PermissionDenied/BadRequest, an unmatched
URL and an empty 405 never reach them. Unexpected errors are still logged with their traceback.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from api.errors import STATUS_CODES, error_body

logger = logging.getLogger("django.request")
security_logger = logging.getLogger("django.security")

API_PREFIX = "/api/"
TEMPLATES = {
    400: "errors/400.html",
    403: "errors/403.html",
    404: "404.html",
    405: "errors/405.html",
    500: "errors/500.html",
}


# The API speaks English (its codes are the contract); pages are translated.
API_MESSAGES = {
    400: "the request is malformed",
    403: "not allowed for this account",
    404: "not found",
    405: "this method is not allowed here",
    500: "internal error",
}


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(request: HttpRequest, status: int, *, reason: str = "") -> HttpResponse:
    """The project's answer for an error status: JSON under /api/, else its page."""
    if is_api(request):
        code = "internal_error" if status == 500 else STATUS_CODES.get(status, "error")
        response: HttpResponse = JsonResponse(
            error_body(code, API_MESSAGES.get(status, "error")), status=status
        )
    elif status == 500:
        # No database, no session, no base template: the 500 page must render whatever broke.
        response = HttpResponse(render_to_string(TEMPLATES[500]), status=500)
    else:
        response = render(request, TEMPLATES.get(status, TEMPLATES[400]), {"reason": reason},
                          status=status)  # fmt: skip
    response.error_page = True
    return response


class ErrorPagesMiddleware:
    """Sits inside the session, CSRF, auth and message middleware, so the pages it renders
    have the user, their language and a CSRF cookie for the forms of the page frame."""

    HANDLED = frozenset(TEMPLATES)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        status = response.status_code
        if status not in self.HANDLED or getattr(response, "error_page", False):
            return response
        if is_api(request):
            if response.get("Content-Type", "").startswith("application/json"):
                return response  # already the API's error shape
        elif getattr(response, "streaming", False) or (
            response.content and request.resolver_match is not None
        ):
            return response  # a view's own error page (a form with its errors, a report)
        replacement = error_response(request, status)
        if "Allow" in response:
            replacement["Allow"] = response["Allow"]
        return replacement

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, Http404):
            return error_response(request, 404)
        if isinstance(exception, PermissionDenied):
            return error_response(request, 403)
        if isinstance(exception, SuspiciousOperation):
            security_logger.error("suspicious request on %s: %s", request.path,
                                  type(exception).__name__)  # fmt: skip
            return error_response(request, 400)
        if isinstance(exception, BadRequest):
            return error_response(request, 400)
        if settings.DEBUG:
            # Debug would show the technical page; log the traceback as Django does instead.
            logger.error("Internal Server Error: %s", request.path, exc_info=exception)
            return error_response(request, 500)
        return None  # Django logs it and calls handler500


def bad_request(request, exception=None):
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    return error_response(request, 500)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: usually an expired page or session; the reason goes to no one."""
    return error_response(request, 403, reason="csrf")
