"""Roles of the registry: one Django group per role, with the model permissions of that role.

What a role may *read* of personal data is decided in `registry.selectors` (dataset access
levels, grants, masking), not by these model permissions: they only gate the admin and
management screens. Each user holds exactly one role group; agency membership is a separate
group `agency:<code>` (see `agency_group_name`) that carries django-guardian grants.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    WALIDATA = "walidata", _("Walidata")
    OPERATOR = "operator", _("Operator OPD")
    ANALYST = "analyst", _("Analis sosial")
    PLANNER = "planner", _("Perencana")
    AUDITOR = "auditor", _("Auditor")
    PUBLIC = "public", _("Publik")
    DPO = "dpo", _("Pejabat Pelindungan Data Pribadi")


# When a user is (wrongly) in several role groups, the least powerful one wins: closed by
# default. Auditor ranks low because it may browse no profiles at all.
ROLE_PRECEDENCE: tuple[str, ...] = (
    Role.PUBLIC,
    Role.DPO,
    Role.AUDITOR,
    Role.PLANNER,
    Role.ANALYST,
    Role.OPERATOR,
    Role.WALIDATA,
)

# Roles that belong to an agency and see its datasets (a user of these roles needs one).
AGENCY_ROLES = frozenset({Role.OPERATOR, Role.ANALYST, Role.PLANNER})
# Roles that may open person profiles, search persons and read households.
PERSON_ROLES = frozenset({Role.WALIDATA, Role.OPERATOR, Role.ANALYST, Role.PLANNER})
# Roles that see NIK and KK numbers only masked.
MASKED_ROLES = frozenset({Role.PLANNER})
# Roles that see aid receipts (finances: UU KIP art. 17(h)).
AID_ROLES = frozenset({Role.WALIDATA, Role.OPERATOR, Role.ANALYST})
# Roles that may read the audit trail.
AUDIT_ROLES = frozenset({Role.WALIDATA, Role.AUDITOR})
# Roles that keep the UU PDP registers (record of processing, breaches, correction requests).
# The data protection officer sees these and no person profile (not in PERSON_ROLES).
PRIVACY_ROLES = frozenset({Role.WALIDATA, Role.DPO})

AGENCY_GROUP_PREFIX = "agency:"

# app_label.codename per role; unknown codenames fail loudly in roles_ensure.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.WALIDATA: (
        "registry.add_agency",
        "registry.change_agency",
        "registry.view_agency",
        "registry.add_dataset",
        "registry.change_dataset",
        "registry.view_dataset",
        "registry.add_datasetgrant",
        "registry.change_datasetgrant",
        "registry.view_datasetgrant",
        "registry.add_userprofile",
        "registry.change_userprofile",
        "registry.view_userprofile",
        "registry.view_importbatch",
        "registry.view_sourcerecord",
        "registry.view_person",
        "registry.view_household",
        "registry.view_membership",
        "registry.view_aidreceipt",
        "registry.view_region",
        "registry.view_personlinkevent",
        "audit.view_auditevent",
    ),
    Role.OPERATOR: (
        "registry.view_agency",
        "registry.view_dataset",
        "registry.add_importbatch",
        "registry.view_importbatch",
        "registry.view_sourcerecord",
        "registry.view_person",
        "registry.view_region",
    ),
    Role.ANALYST: (
        "registry.view_agency",
        "registry.view_dataset",
        "registry.view_sourcerecord",
        "registry.view_person",
        "registry.view_household",
        "registry.view_membership",
        "registry.view_aidreceipt",
        "registry.view_region",
    ),
    Role.PLANNER: (
        "registry.view_agency",
        "registry.view_dataset",
        "registry.view_household",
        "registry.view_region",
    ),
    Role.AUDITOR: (
        "registry.view_agency",
        "registry.view_dataset",
        "registry.view_datasetgrant",
        "audit.view_auditevent",
    ),
    Role.PUBLIC: (
        "registry.view_dataset",
        "registry.view_region",
    ),
    # Only registry permissions here: migration 0006 runs roles_ensure before the privacy
    # app's tables exist; the privacy pages gate on PRIVACY_ROLES.
    Role.DPO: (
        "registry.view_agency",
        "registry.view_dataset",
        "registry.view_datasetgrant",
    ),
}


def agency_group_name(agency_code: str) -> str:
    return f"{AGENCY_GROUP_PREFIX}{agency_code}"


def roles_ensure(apps=None) -> None:
    """Create or update the role groups and their permissions (idempotent).

    `apps` is a migration's historical app registry; the live one is used otherwise.
    """
    if apps is None:
        from django.contrib.auth.models import Group, Permission
    else:
        Group = apps.get_model("auth", "Group")  # noqa: N806
        Permission = apps.get_model("auth", "Permission")  # noqa: N806
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=str(role))
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            found = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is None:
                raise LookupError(f"permission {perm} does not exist (run migrate first)")
            wanted.append(found)
        group.permissions.set(wanted)


def role_of(user) -> str:
    """The user's role from their groups; no role group (or anonymous) means public."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Role.PUBLIC
    names = {name for name in user.groups.values_list("name", flat=True)}
    for role in ROLE_PRECEDENCE:
        if role in names:
            return str(role)
    return str(Role.PUBLIC)
