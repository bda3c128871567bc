"""Authentication: agency tokens (Authorization: Bearer) and web sessions (with CSRF).

A token authenticates as its agency's service user (role operator of that agency), so every
permission rule of the selectors applies to it unchanged. Tokens are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from api.limits import rate_limit_hit
from api.models import ApiToken

TOKEN_PREFIX = "sdt"  # noqa: S105 - a label, not a secret
LAST_USED_RESOLUTION = timedelta(minutes=1)
DEFAULT_SESSION_RATE_LIMIT = 600


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def split_token(token: str) -> str | None:
    """The lookup prefix of `sdt_<prefix>_<secret>`, or None if the shape is wrong."""
    parts = token.split("_")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


def token_lookup(token: str) -> ApiToken | None:
    prefix = split_token(token.strip())
    if prefix is None:
        return None
    row = (
        ApiToken.objects.select_related("service_user", "agency")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if row is None or not hmac.compare_digest(row.secret_sha256, token_digest(token.strip())):
        return None
    now = timezone.now()
    if row.expires_at <= now or not row.service_user.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        # At most one write a minute per token, not one per request.
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token: str):
        row = token_lookup(token)
        if row is None:
            return None
        rate_limit_hit(f"token:{row.pk}", row.rate_limit_per_minute)
        request.api_token = row
        request.api_user = row.service_user
        return row.service_user


class WebSessionAuth(SessionAuth):
    """Django session cookie; unsafe methods need the CSRF token (X-CSRFToken header)."""

    def _get_key(self, request):
        # No session cookie: not this scheme (answer 401, not a CSRF 403).
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        limit = int(getattr(settings, "API_SESSION_RATE_LIMIT", DEFAULT_SESSION_RATE_LIMIT))
        rate_limit_hit(f"user:{user.pk}", limit)
        request.api_token = None
        request.api_user = user
        return user


AUTH = [TokenAuth(), WebSessionAuth()]
