from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field as NField
from ninja import Query, Router, Schema

from api.errors import ApiError
from api.models import ApiToken
from api.schemas.common import AUTH_ERRORS, errors
from api.schemas.tokens import TokenCreateIn, TokenOut, TokenSecretOut
from api.services.tokens import token_create, token_revoke, token_rotate
from audit.actions import Action
from registry.models import Agency
from registry.roles import Role, role_of
from registry.selectors import audit_denial, viewer_from_request

router = Router(tags=["tokens"])


class TokenListQuery(Schema):
    limit: int = NField(50, ge=1, le=200, description="page size (max 200)")
    offset: int = NField(0, ge=0, le=1_000_000, description="rows to skip")


def _walidata(request, action: str, object_id: str = ""):
    user = request.auth
    if getattr(request, "api_token", None) is not None or role_of(user) != Role.WALIDATA:
        audit_denial(
            viewer_from_request(request, user=user), reason="walidata_session_only",
            action=action, object_type="api_token", object_id=object_id,
        )  # fmt: skip
        raise PermissionDenied("walidata only")
    return user


def _out(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "agency_code": token.agency.code,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "rotated_at": token.rotated_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
        "rate_limit_per_minute": token.rate_limit_per_minute,
    }


@router.get(
    "/tokens",
    response={200: list[TokenOut], **errors(400, *AUTH_ERRORS)},
    summary="List agency API tokens (walidata)",
)
def tokens_list(request, q: Query[TokenListQuery]):
    _walidata(request, Action.API_TOKEN_LIST)
    rows = ApiToken.objects.select_related("agency")[q.offset : q.offset + q.limit]
    return [_out(t) for t in rows]


@router.post(
    "/tokens",
    response={201: TokenSecretOut, **errors(400, 404, 422, *AUTH_ERRORS)},
    summary="Create an agency API token (walidata); the secret is shown once",
)
def tokens_create(request, payload: TokenCreateIn):
    user = _walidata(request, Action.API_TOKEN_CREATE)
    agency = get_object_or_404(Agency, code=payload.agency_code)
    issued = token_create(
        actor=user,
        agency=agency,
        name=payload.name,
        expires_in_days=payload.expires_in_days,
        rate_limit_per_minute=payload.rate_limit_per_minute,
    )
    return 201, {**_out(issued.token), "token": issued.secret}


@router.post(
    "/tokens/{token_id}/rotate",
    response={200: TokenSecretOut, **errors(400, 404, 409, *AUTH_ERRORS)},
    summary="Rotate a token (walidata): new secret, the old one stops working",
)
def tokens_rotate(request, token_id: int):
    user = _walidata(request, Action.API_TOKEN_ROTATE, str(token_id))
    token = get_object_or_404(ApiToken, pk=token_id)
    try:
        issued = token_rotate(actor=user, token=token)
    except ValueError as exc:
        raise ApiError(409, "token_revoked", str(exc)) from exc
    return 200, {**_out(issued.token), "token": issued.secret}


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: TokenOut, **errors(400, 404, *AUTH_ERRORS)},
    summary="Revoke a token (walidata)",
)
def tokens_revoke(request, token_id: int):
    user = _walidata(request, Action.API_TOKEN_REVOKE, str(token_id))
    token = get_object_or_404(ApiToken, pk=token_id)
    return 200, _out(token_revoke(actor=user, token=token))
