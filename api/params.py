"""Request parameters shared by several operations."""

from __future__ import annotations

from typing import Literal

from ninja import Header

from registry.selectors import PURPOSE_CODES, Purpose

PurposeCode = Literal[tuple(PURPOSE_CODES)]  # type: ignore[valid-type]

PURPOSE_DESCRIPTION = "why the data is read (UU PDP purpose limitation); one of: " + ", ".join(
    f"{code} ({label})" for code, label in PURPOSE_CODES.items()
)
PURPOSE_TEXT_DESCRIPTION = "free-text justification recorded in the audit trail (1-500 chars)"


def purpose_of(code: str, text: str) -> Purpose:
    return Purpose.parse(code, text)


PURPOSE = Header(..., alias="X-Purpose", description=PURPOSE_DESCRIPTION)
PURPOSE_TEXT = Header(
    ..., alias="X-Purpose-Text", min_length=1, max_length=500, description=PURPOSE_TEXT_DESCRIPTION
)
