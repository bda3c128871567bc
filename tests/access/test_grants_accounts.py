"""Grants: expiry, revocation, both halves (guardian permission + grant row) required;
accounts: argon2, one role group, agency group; walidata-only writes, refusals audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from audit.models import AuditEvent
from registry.models import DatasetGrant
from registry.roles import Role, role_of
from registry.selectors import NotFound, datasets_readable_by, person_get_for_user
from registry.services.accounts import (
    GRANT_PERMISSION,
    account_create,
    agency_group,
    grant_create,
    grant_revoke,
)

from .conftest import PASSWORD, PURPOSE

pytestmark = pytest.mark.django_db


def SOON():  # noqa: N802
    return timezone.now() + timedelta(days=1)


def _member_sees_father(cast) -> bool:
    try:
        person_get_for_user(viewer=cast.viewer("member"), public_id=cast.father.public_id,
                            purpose=PURPOSE)  # fmt: skip
    except NotFound:
        return False
    return True


def test_granted_member_reads_then_expiry_ends_it(cast):
    assert _member_sees_father(cast)
    DatasetGrant.objects.filter(pk=cast.member_grant.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert not _member_sees_father(cast)
    assert AuditEvent.objects.order_by("-id").first().outcome == "denied"


def test_revocation_ends_access_and_removes_permission(cast):
    walidata = cast.users["walidata"]
    grant_revoke(actor=walidata, grant=cast.member_grant)
    assert not _member_sees_father(cast)
    assert not cast.users["member"].has_perm(GRANT_PERMISSION, cast.dtks)
    event = AuditEvent.objects.filter(action="grant.revoke").get()
    assert event.object_id == str(cast.member_grant.pk) and event.role == "walidata"
    # Revoking twice is a no-op.
    grant_revoke(actor=walidata, grant=cast.member_grant)
    assert AuditEvent.objects.filter(action="grant.revoke").count() == 1


def test_permission_without_grant_row_gives_nothing(cast):
    assign_perm(GRANT_PERMISSION, agency_group(cast.disdik), cast.dtks)
    assert not datasets_readable_by(cast.viewer("outsider")).exists()


def test_grant_row_without_permission_gives_nothing(cast):
    remove_perm(GRANT_PERMISSION, agency_group(cast.dinkes), cast.dtks)
    assert not _member_sees_father(cast)


def test_grant_on_closed_dataset_is_refused(cast):
    with pytest.raises(ValidationError):
        grant_create(
            actor=cast.users["walidata"], dataset=cast.kasus, grantee=cast.dinkes,
            purpose_code="penanganan-kasus", purpose_text="", expires_at=SOON(),
        )  # fmt: skip


@pytest.mark.parametrize("name", ["owner", "member", "planner", "auditor", "public"])
def test_only_walidata_grants_and_refusal_is_audited(cast, name):
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        grant_create(
            actor=cast.users[name], dataset=cast.dtks, grantee=cast.disdik,
            purpose_code="verifikasi-bansos", purpose_text="", expires_at=SOON(),
        )  # fmt: skip
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.outcome, event.actor_id) == (
        "grant.create",
        "denied",
        cast.users[name].pk,
    )
    assert not datasets_readable_by(cast.viewer("outsider")).exists()


def test_grant_create_is_audited(cast):
    event = AuditEvent.objects.filter(
        action="grant.create", object_id=str(cast.member_grant.pk)
    ).get()
    assert event.purpose_code == "verifikasi-bansos"
    assert event.detail["grantee"] == "dinkes"


def test_account_create_uses_argon2_and_groups(cast):
    # The real hasher here (the fixture swaps in a fast one for the standing cast).
    from django.test import override_settings

    from config import settings as project_settings

    with override_settings(PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS):
        user = account_create(
            actor=cast.users["walidata"], username="analis2", password=PASSWORD,
            role=Role.ANALYST, agency=cast.dinsos, full_name="Analis Dua",
        )  # fmt: skip
        assert user.check_password(PASSWORD)
    assert user.password.startswith("argon2")
    assert set(user.groups.values_list("name", flat=True)) == {"analyst", "agency:dinsos"}
    assert role_of(user) == "analyst"
    assert user.profile.agency == cast.dinsos
    event = AuditEvent.objects.filter(action="account.create", object_id=str(user.pk)).get()
    assert event.role == "walidata"
    assert PASSWORD not in str(event.detail)


def test_account_create_refused_for_non_walidata(cast):
    with pytest.raises(PermissionDenied):
        account_create(
            actor=cast.users["owner"], username="x", password=PASSWORD, role=Role.WALIDATA
        )
    assert AuditEvent.objects.filter(action="account.create", outcome="denied").exists()


def test_agency_role_needs_agency(cast):
    with pytest.raises(ValidationError):
        account_create(actor=None, username="y", password=PASSWORD, role=Role.OPERATOR)
