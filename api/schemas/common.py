from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class ErrorBody(Schema):
    code: str = Field(..., description="stable machine-readable code", examples=["not_found"])
    message: str = Field(
        ..., description="human-readable message (English)", examples=["not found"]
    )
    details: list[dict[str, Any]] = Field(
        default_factory=list,
        description="per-item details, e.g. per-record validation errors",
        examples=[[{"index": 3, "field": "birth_date", "reason": "unparseable date"}]],
    )


class ErrorOut(Schema):
    error: ErrorBody = Field(..., description="the one error shape of this API")


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    return {code: ErrorOut for code in codes}


# Every authenticated operation may answer these.
AUTH_ERRORS = (401, 403, 413, 429)
