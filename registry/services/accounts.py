"""Accounts and dataset grants: writes by the walidata, each one transaction with its audit
event (architecture.md lessons 1-2)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from audit.actions import Action
from audit.services import audit_record
from registry.models import AccessLevel, Agency, Dataset, DatasetGrant, UserProfile
from registry.roles import AGENCY_ROLES, Role, agency_group_name, role_of
from registry.selectors import PURPOSE_CODES, Viewer, audit_denial, viewer_for

GRANT_PERMISSION = "registry.view_dataset_records"


def _actor_viewer(actor) -> Viewer | None:
    return None if actor is None else viewer_for(actor)


def require_walidata(actor, *, action: str, object_type: str, object_id: str = "") -> None:
    """Walidata or the system (actor None, e.g. a management command run by an operator of the
    server) may manage accounts and grants; anyone else is refused and the refusal audited."""
    if actor is None:
        return
    viewer = viewer_for(actor)
    if viewer.role != Role.WALIDATA:
        audit_denial(
            viewer, action=action, object_type=object_type, object_id=object_id, reason="role"
        )
        raise PermissionDenied("walidata only")


def audit_write(actor, **kwargs) -> None:
    viewer = _actor_viewer(actor)
    audit_record(
        actor=actor,
        agency_code=viewer.agency_code if viewer else "",
        role=viewer.role if viewer else "",
        **kwargs,
    )


def agency_group(agency: Agency) -> Group:
    group, _created = Group.objects.get_or_create(name=agency_group_name(agency.code))
    return group


def account_create(
    *,
    actor,
    username: str,
    password: str,
    role: Role,
    agency: Agency | None = None,
    email: str = "",
    full_name: str = "",
):
    """Create a user with one role group, its agency profile and agency group membership."""
    role = Role(role)
    require_walidata(actor, action=Action.ACCOUNT_CREATE, object_type="user", object_id=username)
    if role in AGENCY_ROLES and agency is None:
        raise ValidationError({"agency": "this role needs an agency"})
    user_model = get_user_model()
    user = user_model(username=username, email=email, first_name=full_name[:150])
    validate_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.full_clean(exclude=["password"])
        user.save()
        UserProfile.objects.create(user=user, agency=agency)
        user.groups.add(Group.objects.get_or_create(name=str(role))[0])
        if agency is not None:
            user.groups.add(agency_group(agency))
        audit_write(
            actor,
            action=Action.ACCOUNT_CREATE,
            object_type="user",
            object_id=str(user.pk),
            detail={
                "username": username,
                "role": str(role),
                "agency": agency.code if agency else "",
            },
        )
    return user


def account_set_role(*, actor, user, role: Role, agency: Agency | None = None) -> None:
    """Replace the user's role group (and agency); audited."""
    role = Role(role)
    require_walidata(
        actor, action=Action.ACCOUNT_SET_ROLE, object_type="user", object_id=str(user.pk)
    )
    if role in AGENCY_ROLES and agency is None:
        raise ValidationError({"agency": "this role needs an agency"})
    with transaction.atomic():
        previous = role_of(user)
        role_names = [str(r) for r in Role]
        user.groups.remove(*Group.objects.filter(name__in=role_names))
        user.groups.remove(*user.groups.filter(name__startswith="agency:"))
        user.groups.add(Group.objects.get_or_create(name=str(role))[0])
        if agency is not None:
            user.groups.add(agency_group(agency))
        UserProfile.objects.update_or_create(user=user, defaults={"agency": agency})
        audit_write(
            actor,
            action=Action.ACCOUNT_SET_ROLE,
            object_type="user",
            object_id=str(user.pk),
            detail={"from": previous, "to": str(role), "agency": agency.code if agency else ""},
        )


def grant_create(
    *,
    actor,
    dataset: Dataset,
    grantee: Agency,
    purpose_code: str,
    purpose_text: str,
    expires_at: datetime,
) -> DatasetGrant:
    """Share a restricted dataset with another agency for a purpose until expires_at."""
    require_walidata(
        actor, action=Action.GRANT_CREATE, object_type="dataset", object_id=str(dataset.pk)
    )
    if dataset.access_level != AccessLevel.RESTRICTED:
        raise ValidationError({"dataset": "only restricted datasets can be granted"})
    if grantee.pk == dataset.agency_id:
        raise ValidationError({"grantee": "the owner agency needs no grant"})
    if purpose_code not in PURPOSE_CODES:
        raise ValidationError({"purpose_code": "unknown purpose code"})
    if timezone.is_naive(expires_at) or expires_at <= timezone.now():
        raise ValidationError({"expires_at": "must be an aware time in the future"})
    with transaction.atomic():
        grant = DatasetGrant.objects.create(
            dataset=dataset,
            grantee=grantee,
            purpose_code=purpose_code,
            purpose_text=purpose_text,
            expires_at=expires_at,
            granted_by=actor,
        )
        assign_perm(GRANT_PERMISSION, agency_group(grantee), dataset)
        audit_write(
            actor,
            action=Action.GRANT_CREATE,
            object_type="dataset_grant",
            object_id=str(grant.pk),
            purpose_code=purpose_code,
            purpose_text=purpose_text,
            detail={
                "dataset": str(dataset),
                "grantee": grantee.code,
                "expires_at": expires_at.isoformat(),
            },
        )
    return grant


def grant_revoke(*, actor, grant: DatasetGrant) -> DatasetGrant:
    """Revoke a grant; the object permission goes when no other active grant needs it."""
    require_walidata(
        actor, action=Action.GRANT_REVOKE, object_type="dataset_grant", object_id=str(grant.pk)
    )
    with transaction.atomic():
        grant = DatasetGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is not None:
            return grant
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor
        grant.save(update_fields=["revoked_at", "revoked_by"])
        still_active = DatasetGrant.objects.filter(
            dataset_id=grant.dataset_id,
            grantee_id=grant.grantee_id,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).exists()
        if not still_active:
            remove_perm(GRANT_PERMISSION, agency_group(grant.grantee), grant.dataset)
        audit_write(
            actor,
            action=Action.GRANT_REVOKE,
            object_type="dataset_grant",
            object_id=str(grant.pk),
            detail={"dataset": str(grant.dataset), "grantee": grant.grantee.code},
        )
    return grant


def account_set_active(*, actor, user, active: bool) -> None:
    """Disable (or re-enable) a login without deleting the account its audit events name."""
    require_walidata(
        actor, action=Action.ACCOUNT_SET_ACTIVE, object_type="user", object_id=str(user.pk)
    )
    if actor is not None and actor.pk == user.pk and not active:
        raise ValidationError({"is_active": "you cannot disable your own account"})
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_write(
            actor,
            action=Action.ACCOUNT_SET_ACTIVE,
            object_type="user",
            object_id=str(user.pk),
            detail={"username": user.get_username(), "active": active},
        )
