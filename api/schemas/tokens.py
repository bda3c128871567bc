from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class TokenCreateIn(Schema):
    agency_code: str = Field(
        ...,
        min_length=1,
        max_length=40,
        description="code of the agency (OPD) the token acts for",
        examples=["dinsos"],
    )
    name: str = Field(
        ...,
        min_length=1,
        max_length=100,
        description="what the token is for",
        examples=["SIKS-NG nightly sync"],
    )
    expires_in_days: int = Field(
        90, ge=1, le=730, description="days until the token stops working", examples=[90]
    )
    rate_limit_per_minute: int = Field(
        600, ge=1, le=100_000, description="requests per minute allowed", examples=[600]
    )


class TokenOut(Schema):
    id: int = Field(..., description="token id", examples=[12])
    agency_code: str = Field(..., description="agency the token acts for", examples=["dinsos"])
    name: str = Field(..., description="what the token is for", examples=["SIKS-NG nightly sync"])
    prefix: str = Field(..., description="public lookup prefix (not secret)", examples=["k3J9xQ2a"])
    created_at: datetime = Field(..., description="creation time")
    expires_at: datetime = Field(..., description="expiry time")
    rotated_at: datetime | None = Field(None, description="last rotation time")
    revoked_at: datetime | None = Field(None, description="revocation time; null while active")
    last_used_at: datetime | None = Field(None, description="last use (minute resolution)")
    rate_limit_per_minute: int = Field(
        ..., description="requests per minute allowed", examples=[600]
    )


class TokenSecretOut(TokenOut):
    token: str = Field(
        ...,
        description="the secret token, shown only in this response; send it as "
        "'Authorization: Bearer <token>'",
        examples=["sdt_k3J9xQ2a_5vQ...redacted..."],
    )
