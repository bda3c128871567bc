"""Requests carrying a NUL character in their path or query string answer 400 at once.

PostgreSQL can neither store nor compare a text holding NUL (psycopg refuses to send it), so
a NUL that reached a query would end as a 500. Forms already refuse it (Django's CharField);
this guard covers the path and the query string of every page and API operation."""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext

API_PREFIX = "/api/"


class NulGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            message = gettext("The request contains a NUL character.")
            if request.path.startswith(API_PREFIX):
                body = {"error": {"code": "invalid_request", "message": message, "details": []}}
                return JsonResponse(body, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
