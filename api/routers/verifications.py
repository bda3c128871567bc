from __future__ import annotations

from ninja import Router

from api.limits import bounded
from api.params import PURPOSE, PURPOSE_TEXT, PurposeCode, purpose_of
from api.schemas.common import AUTH_ERRORS, errors
from api.schemas.verification import VerificationIn, VerificationOut
from api.services.verification import recipients_verify_for_user
from registry.selectors import viewer_from_request

router = Router(tags=["verifications"])


@router.post(
    "/verifications",
    response={200: VerificationOut, **errors(400, 404, 422, 503, *AUTH_ERRORS)},
    summary="Verify a recipient list: matched person, confidence and flags per row",
)
def verification_create(
    request,
    payload: VerificationIn,
    x_purpose: PurposeCode = PURPOSE,
    x_purpose_text: str = PURPOSE_TEXT,
):
    viewer = viewer_from_request(request, user=request.auth)
    purpose = purpose_of(x_purpose, x_purpose_text)
    rows = [r.model_dump() for r in payload.rows]
    result = bounded(
        lambda: recipients_verify_for_user(
            viewer=viewer, purpose=purpose, rows=rows, program=payload.program or ""
        ),
        timeout_ms=30_000,
    )
    return 200, result
