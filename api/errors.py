"""The API's one error shape: {"error": {"code", "message", "details"}}, with stable codes."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DataError, OperationalError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from psycopg import DataError as PgDataError

from registry.log_scrub import scrub
from registry.selectors import InvalidPurpose, InvalidQuery, NotFound

logger = logging.getLogger(__name__)

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "unprocessable",
    429: "rate_limited",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


class RateLimited(ApiError):
    def __init__(self, retry_after: int, limit: int):
        super().__init__(
            429,
            "rate_limited",
            f"more than {limit} requests per minute for this credential",
            [{"limit_per_minute": limit, "retry_after_seconds": retry_after}],
            {"Retry-After": str(retry_after)},
        )


def error_body(code: str, message: str, details: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


def _respond(api: NinjaAPI, request, status: int, code: str, message: str, details=None):
    return api.create_response(request, error_body(code, message, details), status=status)


def _validation_details(errors: list[dict]) -> tuple[int, list[dict]]:
    """Header, query and path problems are a bad request (400); body problems 422."""
    details = []
    body = False
    for e in errors:
        loc = [str(part) for part in e.get("loc", ())]
        if loc and loc[0] == "body":
            body = True
        details.append({"loc": loc, "message": str(e.get("msg", "")), "type": e.get("type", "")})
    return (422 if body else 400), details


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        response = _respond(api, request, exc.status, exc.code, exc.message, exc.details)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    @api.exception_handler(NotFound)
    def _not_found(request, exc):
        return _respond(api, request, 404, "not_found", "not found")

    @api.exception_handler(Http404)
    def _http404(request, exc):
        return _respond(api, request, 404, "not_found", "not found")

    @api.exception_handler(PermissionDenied)
    def _denied(request, exc):
        return _respond(api, request, 403, "forbidden", "not allowed for this account")

    @api.exception_handler(MultiPartParserError)
    def _multipart(request, exc):
        return _respond(api, request, 400, "invalid_request", "malformed multipart body")

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request, exc):
        return _respond(api, request, 413, "payload_too_large", "request body too large")

    @api.exception_handler(InvalidPurpose)
    def _purpose(request, exc):
        return _respond(api, request, 400, "invalid_purpose", str(exc))

    @api.exception_handler(InvalidQuery)
    def _query(request, exc):
        return _respond(api, request, 400, "invalid_query", str(exc))

    @api.exception_handler(NinjaValidationError)
    def _validation(request, exc: NinjaValidationError):
        status, details = _validation_details(list(exc.errors))
        code = "invalid_body" if status == 422 else "invalid_request"
        if any(d["type"] == "missing" and d["loc"][:1] == ["header"] for d in details):
            code = "missing_header"
        return _respond(
            api, request, status, code, "the request does not match the schema", details
        )

    @api.exception_handler(AuthenticationError)
    def _auth(request, exc):
        return _respond(api, request, 401, "unauthorized", "valid credentials are required")

    @api.exception_handler(HttpError)
    def _http(request, exc: HttpError):
        status = exc.status_code
        return _respond(api, request, status, STATUS_CODES.get(status, "error"), str(exc))

    @api.exception_handler(PgDataError)  # raised bare by COPY (a raw psycopg cursor)
    @api.exception_handler(DataError)
    def _data(request, exc):
        # A value PostgreSQL refused (validation should have caught it): the client's fault,
        # and the database's text, which quotes the value, is scrubbed before it is logged.
        logger.warning("value refused by the database on %s: %s", request.path, scrub(str(exc)))
        return _respond(
            api, request, 400, "invalid_value", "a value in the request cannot be stored"
        )

    @api.exception_handler(OperationalError)
    def _db(request, exc: OperationalError):
        cause = exc.__cause__
        if cause is not None and type(cause).__name__ == "QueryCanceled":
            return _respond(api, request, 503, "query_timeout", "the query took too long")
        logger.exception("database error on %s", request.path)
        return _respond(api, request, 503, "unavailable", "database unavailable")

    @api.exception_handler(Exception)
    def _any(request, exc):
        # Logged with the path only: never the body (it may hold NIKs and names).
        logger.exception("unhandled API error on %s %s", request.method, request.path)
        return _respond(api, request, 500, "internal_error", "internal error")
