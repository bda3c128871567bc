"""Agency API tokens: created, rotated and revoked by the walidata, each write one transaction
with its audit event. The secret is returned once and only its hash is stored."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from api.auth import TOKEN_PREFIX, token_digest
from api.models import ApiToken
from audit.actions import Action
from audit.services import audit_record
from registry.models import Agency
from registry.roles import Role, role_of
from registry.services.accounts import account_create, require_walidata

SERVICE_USER_PREFIX = "api-"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole "sdt_<prefix>_<secret>" string; never stored, never logged


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_urlsafe(6).replace("_", "x").replace("-", "y")[:8]
    body = secrets.token_urlsafe(32).replace("_", "x").replace("-", "y")
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{body}"


def service_user_for(agency: Agency):
    """The agency's API service user (role operator of that agency), created on first use."""
    user_model = get_user_model()
    username = f"{SERVICE_USER_PREFIX}{agency.code}"
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = account_create(
            actor=None,
            username=username,
            password=secrets.token_urlsafe(32),
            role=Role.OPERATOR,
            agency=agency,
            full_name=f"API {agency.code}",
        )
        # Service users authenticate with tokens only, never with a password.
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _audit(actor, action: str, token: ApiToken, **detail) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="api_token",
        object_id=str(token.pk),
        agency_code=token.agency.code,
        role=role_of(actor) if actor is not None else "",
        # The prefix identifies the token in the trail; the secret never appears.
        detail={"name": token.name, "prefix": token.prefix, **detail},
    )


def token_create(
    *,
    actor,
    agency: Agency,
    name: str,
    expires_in_days: int = 90,
    rate_limit_per_minute: int = 600,
) -> IssuedToken:
    require_walidata(actor, object_type="api_token", action=Action.API_TOKEN_CREATE)
    if not 1 <= expires_in_days <= 730:
        raise ValueError("expires_in_days must be between 1 and 730")
    with transaction.atomic():
        user = service_user_for(agency)
        prefix, secret = _new_secret()
        token = ApiToken.objects.create(
            agency=agency,
            name=name,
            prefix=prefix,
            secret_sha256=token_digest(secret),
            service_user=user,
            created_by=actor if getattr(actor, "pk", None) else None,
            expires_at=timezone.now() + timedelta(days=expires_in_days),
            rate_limit_per_minute=rate_limit_per_minute,
        )
        _audit(actor, Action.API_TOKEN_CREATE, token, expires_at=token.expires_at.isoformat())
    return IssuedToken(token, secret)


def token_rotate(*, actor, token: ApiToken) -> IssuedToken:
    """A new secret for the same token row; the old secret stops working at once."""
    require_walidata(
        actor, object_type="api_token", action=Action.API_TOKEN_ROTATE, object_id=str(token.pk)
    )
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("agency").get(pk=token.pk)
        if token.revoked_at is not None:
            raise ValueError("a revoked token cannot be rotated")
        old_prefix = token.prefix
        prefix, secret = _new_secret()
        token.prefix = prefix
        token.secret_sha256 = token_digest(secret)
        token.rotated_at = timezone.now()
        token.save(update_fields=["prefix", "secret_sha256", "rotated_at"])
        _audit(actor, Action.API_TOKEN_ROTATE, token, old_prefix=old_prefix)
    return IssuedToken(token, secret)


def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    require_walidata(
        actor, object_type="api_token", action=Action.API_TOKEN_REVOKE, object_id=str(token.pk)
    )
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("agency").get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            _audit(actor, Action.API_TOKEN_REVOKE, token)
    return token
