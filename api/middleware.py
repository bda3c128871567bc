"""Request body size limit for the API, under WSGI and ASGI.

Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when a view reads request.body or POST, and only
against the declared Content-Length; a chunked body has none. Under ASGI, Django spools the
whole body to a temporary file before any middleware runs. So:
- `BodySizeLimitMiddleware` (Django middleware, WSGI and ASGI) refuses a declared
  Content-Length over the limit, and reads an undeclared (chunked) body up to the limit;
- `asgi_body_limit` wraps the ASGI application and stops counting bytes at the limit, before
  Django spools anything.
Both answer 413 in the API's one error shape.
"""

from __future__ import annotations

import io
import json

from django.conf import settings
from django.http import JsonResponse

API_PREFIX = "/api/"
CHUNK = 64 * 1024


def max_body_bytes() -> int:
    return int(getattr(settings, "API_MAX_BODY_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


def _error_body(limit: int) -> dict:
    return {
        "error": {
            "code": "payload_too_large",
            "message": f"request body larger than {limit} bytes",
            "details": [{"max_bytes": limit}],
        }
    }


def too_large_response(limit: int) -> JsonResponse:
    return JsonResponse(_error_body(limit), status=413)


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            limit = max_body_bytes()
            declared = request.META.get("CONTENT_LENGTH") or ""
            try:
                length = int(declared) if declared else None
            except ValueError:
                length = None
            if length is not None and length > limit:
                return too_large_response(limit)
            if length is None and _is_chunked(request):
                body = _read_capped(request, limit)
                if body is None:
                    return too_large_response(limit)
                # Hand the view a bounded, declared body.
                request._stream = io.BytesIO(body)
                request.META["CONTENT_LENGTH"] = str(len(body))
        return self.get_response(request)


def _is_chunked(request) -> bool:
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()


def _read_capped(request, limit: int) -> bytes | None:
    stream = request.META.get("wsgi.input") or getattr(request, "_stream", None)
    if stream is None:
        return b""
    buffer = bytearray()
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return bytes(buffer)
        buffer += chunk
        if len(buffer) > limit:
            return None


def asgi_body_limit(app):
    """ASGI wrapper: 413 before the body is buffered past the limit."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith(API_PREFIX):
            return await app(scope, receive, send)
        limit = max_body_bytes()
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > limit:
                        return await _send_413(send, limit)
                except ValueError:
                    pass
        messages = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > limit:
                return await _send_413(send, limit)
            if not message.get("more_body", False):
                break

        async def replay():
            if messages:
                return messages.pop(0)
            return await receive()

        return await app(scope, replay, send)

    return wrapped


async def _send_413(send, limit: int) -> None:
    body = json.dumps(_error_body(limit)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
