"""Audit of reads: the purpose every read of personal data states, and the audit event each
read (allowed or denied) writes. Part of registry.access (viewer, policy, audit of reads);
the selectors and the reports call these, never audit_record directly for a read."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from registry.access.viewer import Viewer

logger = logging.getLogger(__name__)

PURPOSE_CODES: dict[str, str] = {
    "verifikasi-bansos": _("Verifikasi penerima bantuan sosial"),
    "perencanaan": _("Perencanaan pembangunan"),
    "layanan-publik": _("Layanan publik"),
    "penanganan-kasus": _("Penanganan kasus"),
    "audit": _("Audit"),
    "permintaan-subjek-data": _("Permintaan subjek data (UU PDP)"),
    "pemutakhiran-data": _("Pemutakhiran data"),
}
PURPOSE_TEXT_MAX = 500


class NotFound(Exception):
    """Missing or not visible to this viewer (deliberately indistinguishable)."""


class InvalidPurpose(ValueError):
    """No purpose, or a purpose code outside PURPOSE_CODES."""


@dataclass(frozen=True)
class Purpose:
    code: str
    text: str = ""

    @classmethod
    def parse(cls, code: str | None, text: str | None = "") -> Purpose:
        code = (code or "").strip()
        text = (text or "").strip()
        if not code:
            raise InvalidPurpose("a purpose code is required")
        if code not in PURPOSE_CODES:
            raise InvalidPurpose(f"unknown purpose code {code!r}")
        if len(text) > PURPOSE_TEXT_MAX:
            raise InvalidPurpose(f"purpose text longer than {PURPOSE_TEXT_MAX} characters")
        return cls(code=code, text=text)

    @property
    def label(self) -> str:
        return str(PURPOSE_CODES.get(self.code, self.code))


def audit_read(
    viewer: Viewer,
    *,
    action: str,
    object_type: str,
    object_id: str = "",
    persons: list[str] | tuple[str, ...] = (),
    purpose: Purpose | None = None,
    outcome: str = "allowed",
    reason: str = "",
    query: dict | None = None,
    detail: dict | None = None,
) -> None:
    audit_record(
        actor=viewer.user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        persons=list(persons),
        purpose_code=purpose.code if purpose else "",
        purpose_text=purpose.text if purpose else "",
        outcome=outcome,
        reason=reason,
        agency_code=viewer.agency_code,
        role=viewer.role,
        ip=viewer.ip,
        user_agent=viewer.user_agent,
        query=query,
        detail=detail,
    )


def audit_denial(viewer: Viewer, *, reason: str, **kwargs: Any) -> None:
    """Record a denied read in its own transaction, so it survives the error that follows."""
    if connection.in_atomic_block:
        logger.warning("audited denial inside an outer transaction: it commits only with it")
    with transaction.atomic():
        audit_read(viewer, outcome="denied", reason=reason, **kwargs)


def require_purpose(viewer: Viewer, purpose: Any, **audit_kwargs: Any) -> Purpose:
    try:
        if not isinstance(purpose, Purpose):
            raise InvalidPurpose("a purpose is required")
        return Purpose.parse(purpose.code, purpose.text)
    except InvalidPurpose:
        audit_denial(viewer, reason="invalid_purpose", **audit_kwargs)
        raise
