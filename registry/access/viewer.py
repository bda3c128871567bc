"""Who is reading: the viewer behind a request or a user (role, agency, client). Part of
registry.access."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from audit.services import audit_context_from_request
from registry.models import Agency, UserProfile
from registry.roles import AGENCY_ROLES, MASKED_ROLES, role_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Viewer:
    user: Any
    role: str
    agency: Agency | None
    ip: str | None = None
    user_agent: str = ""

    @property
    def agency_code(self) -> str:
        return self.agency.code if self.agency else ""

    @property
    def masked(self) -> bool:
        return self.role in MASKED_ROLES


def viewer_for(user, *, ip: str | None = None, user_agent: str = "") -> Viewer:
    role = role_of(user)
    agency = None
    if user is not None and getattr(user, "is_authenticated", False):
        profile = UserProfile.objects.select_related("agency").filter(user=user).first()
        agency = profile.agency if profile else None
    if role in AGENCY_ROLES and agency is None:
        # An agency role without an agency would see nothing anyway; say so in the trail.
        logger.warning("user %s has role %s but no agency", getattr(user, "pk", None), role)
    return Viewer(user=user, role=role, agency=agency, ip=ip, user_agent=user_agent)


def viewer_from_request(request, user=None) -> Viewer:
    """The viewer behind a request: `user` if given (API token auth), else request.auth when it
    is a user, else request.user."""
    if user is None:
        auth = getattr(request, "auth", None)
        user = auth if getattr(auth, "is_authenticated", False) else getattr(request, "user", None)
    ctx = audit_context_from_request(request)
    return viewer_for(user, ip=ctx["ip"], user_agent=ctx["user_agent"])
