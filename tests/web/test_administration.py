"""Walidata administration pages: agencies, datasets, accounts and roles, grants and API
tokens. Every write lands through its service with an audit event; every other role gets 404
(audited), and the services refuse non-walidata actors too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from api.auth import token_digest
from api.models import ApiToken
from audit.models import AuditEvent
from registry.models import AccessLevel, Agency, Dataset, DatasetGrant
from registry.roles import Role, role_of
from registry.services.catalog import agency_create, dataset_update
from tests.web.conftest import PASSWORD

PAGES = [
    ("manage:index", ()),
    ("manage:agencies", ()),
    ("manage:agency_create", ()),
    ("manage:datasets", ()),
    ("manage:dataset_create", ()),
    ("manage:accounts", ()),
    ("manage:account_create", ()),
    ("manage:grants", ()),
    ("manage:grant_create", ()),
    ("manage:tokens", ()),
    ("manage:token_create", ()),
]


@pytest.mark.parametrize("name,args", PAGES)
def test_walidata_opens_every_administration_page(cast, login, name, args):
    response = login(cast, "walidata").get(reverse(name, args=args))
    assert response.status_code == 200
    assert b'lang="id"' in response.content


@pytest.mark.parametrize("role", ["operator", "analyst", "planner", "auditor", "public"])
def test_other_roles_get_404_on_every_page_and_the_refusal_is_audited(cast, login, role):
    client = login(cast, role)
    before = AuditEvent.objects.filter(action="page.view", outcome="denied").count()
    urls = [reverse(name, args=args) for name, args in PAGES]
    urls += [
        reverse("manage:agency_edit", args=[cast.dinsos.pk]),
        reverse("manage:dataset_edit", args=[cast.dtks.pk]),
        reverse("manage:account_edit", args=[cast.users["operator"].pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    # Writes are refused before any form is read.
    response = client.post(
        reverse("manage:agency_create"), {"code": "x", "name": "X", "kind": "other"}
    )
    assert response.status_code == 404
    assert not Agency.objects.filter(code="x").exists()
    denied = AuditEvent.objects.filter(action="page.view", outcome="denied")
    assert denied.count() == before + len(urls) + 1
    assert denied.order_by("-id").first().actor_username == role


def test_navigation_shows_administration_to_the_walidata_only(cast, login, client):
    assert "Administrasi" in login(cast, "walidata").get("/").content.decode()
    client.logout()
    assert "Administrasi" not in login(cast, "analyst").get("/").content.decode()


def test_services_refuse_other_roles(cast):
    with pytest.raises(PermissionDenied):
        agency_create(actor=cast.users["operator"], code="dinkes", name="Dinkes", kind="health")
    with pytest.raises(PermissionDenied):
        dataset_update(actor=cast.users["analyst"], dataset=cast.dtks, access_level="open")
    assert not Agency.objects.filter(code="dinkes").exists()
    assert Dataset.objects.get(pk=cast.dtks.pk).access_level == AccessLevel.RESTRICTED
    refusals = AuditEvent.objects.filter(outcome="denied", reason="role")
    assert set(refusals.values_list("action", flat=True)) >= {"agency.create", "dataset.update"}


def test_agency_create_and_edit_are_audited(cast, login):
    client = login(cast, "walidata")
    response = client.post(
        reverse("manage:agency_create"),
        {"code": "dinkes", "name": "Dinas Kesehatan", "kind": "health"},
    )
    assert response.status_code == 302
    agency = Agency.objects.get(code="dinkes")
    event = AuditEvent.objects.get(action="agency.create")
    assert event.object_id == str(agency.pk) and event.actor_username == "walidata"
    assert event.detail["code"] == "dinkes"

    # A second agency with the same code: the form says so, nothing is written.
    response = client.post(
        reverse("manage:agency_create"), {"code": "dinkes", "name": "Lagi", "kind": "health"}
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Agency.objects.filter(code="dinkes").count() == 1

    # Edit: name and kind change, the code stays whatever is posted.
    response = client.post(
        reverse("manage:agency_edit", args=[agency.pk]),
        {"code": "hacked", "name": "Dinas Kesehatan Kota", "kind": "health"},
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.code, agency.name) == ("dinkes", "Dinas Kesehatan Kota")
    update = AuditEvent.objects.get(action="agency.update")
    assert update.detail["changed"] == {"name": ["Dinas Kesehatan", "Dinas Kesehatan Kota"]}


def test_dataset_create_and_change_access_level(cast, login):
    client = login(cast, "walidata")
    response = client.post(
        reverse("manage:dataset_create"),
        {
            "agency": cast.dinsos.pk,
            "name": "pkh-2026",
            "title": "Penerima PKH 2026",
            "producer": "",
            "description": "",
            "update_frequency": "monthly",
            "access_level": "closed",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dataset = Dataset.objects.get(agency=cast.dinsos, name="pkh-2026")
    assert dataset.producer == "Dinas Sosial"  # the agency's name when left empty
    assert dataset.update_frequency == "monthly"
    assert AuditEvent.objects.filter(action="dataset.create", object_id=str(dataset.pk)).exists()

    response = client.post(
        reverse("manage:dataset_edit", args=[dataset.pk]),
        {
            "title": "Penerima PKH 2026",
            "producer": "Dinas Sosial",
            "description": "Bulanan",
            "update_frequency": "monthly",
            "access_level": "restricted",
        },
    )
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.access_level == AccessLevel.RESTRICTED
    event = AuditEvent.objects.get(action="dataset.update")
    assert event.detail["changed"]["access_level"] == ["closed", "restricted"]

    listing = client.get(reverse("manage:datasets")).content.decode()
    assert "Penerima PKH 2026" in listing and "Terbatas" in listing and "Bulanan" in listing


def test_account_create_with_role_then_login_then_change_role_and_disable(cast, login, client):
    walidata = login(cast, "walidata")
    form = {
        "username": "operator.dinsos2",
        "full_name": "Operator Dinsos",
        "email": "",
        "password": PASSWORD,
        "role": "operator",
        "agency": "",
    }
    # An operator needs an agency: refused with a message on the field, nothing written.
    response = walidata.post(reverse("manage:account_create"), form)
    assert response.status_code == 200
    assert "Peran ini memerlukan OPD." in response.content.decode()
    assert not get_user_model().objects.filter(username="operator.dinsos2").exists()

    form["agency"] = cast.dinsos.pk
    assert walidata.post(reverse("manage:account_create"), form).status_code == 302
    user = get_user_model().objects.get(username="operator.dinsos2")
    assert role_of(user) == Role.OPERATOR and user.profile.agency == cast.dinsos
    created = AuditEvent.objects.get(action="account.create", object_id=str(user.pk))
    assert created.actor_username == "walidata"
    assert PASSWORD not in str(created.detail)

    # Role change and disabling, each its own audited service call.
    edit = reverse("manage:account_edit", args=[user.pk])
    response = walidata.post(edit, {"role": "analyst", "agency": cast.dinsos.pk})
    assert response.status_code == 302
    assert role_of(user) == Role.ANALYST
    user.refresh_from_db()
    assert user.is_active is False  # the unchecked box
    assert AuditEvent.objects.filter(action="account.set_role", object_id=str(user.pk)).exists()
    assert AuditEvent.objects.filter(action="account.set_active", object_id=str(user.pk)).exists()
    client.logout()
    assert not client.login(username="operator.dinsos2", password=PASSWORD)


def test_walidata_cannot_disable_their_own_account(cast, login):
    walidata = cast.users["walidata"]
    response = login(cast, "walidata").post(
        reverse("manage:account_edit", args=[walidata.pk]),
        {"role": "walidata", "agency": cast.kominfo.pk},
    )
    assert response.status_code == 200
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in response.content.decode()
    response = login(cast, "walidata").post(
        reverse("manage:account_edit", args=[walidata.pk]),
        {"role": "auditor", "agency": "", "is_active": "on"},
    )
    assert "Anda tidak dapat mengubah peran Anda sendiri." in response.content.decode()
    walidata.refresh_from_db()
    assert walidata.is_active and role_of(walidata) == Role.WALIDATA
    assert (
        not AuditEvent.objects.filter(object_id=str(walidata.pk), object_type="user")
        .exclude(action="account.create")
        .exists()
    )


def test_grant_create_and_revoke(cast, login):
    client = login(cast, "walidata")
    until = timezone.localdate() + dt.timedelta(days=30)
    # The owner needs no grant: refused on the field.
    response = client.post(
        reverse("manage:grant_create"),
        {
            "dataset": cast.dtks.pk,
            "grantee": cast.dinsos.pk,
            "purpose_code": "perencanaan",
            "purpose_text": "RKPD",
            "expires_on": until.isoformat(),
        },
    )
    assert response.status_code == 200 and not DatasetGrant.objects.exists()
    response = client.post(
        reverse("manage:grant_create"),
        {
            "dataset": cast.dtks.pk,
            "grantee": cast.bappeda.pk,
            "purpose_code": "perencanaan",
            "purpose_text": "RKPD 2027",
            "expires_on": until.isoformat(),
        },
    )
    assert response.status_code == 302
    grant = DatasetGrant.objects.get()
    assert grant.granted_by == cast.users["walidata"]
    assert timezone.localtime(grant.expires_at).date() == until
    from guardian.shortcuts import get_perms

    from registry.services.accounts import agency_group

    assert "view_dataset_records" in get_perms(agency_group(cast.bappeda), cast.dtks)
    # The closed civil register is not offered: only restricted datasets are granted.
    page = client.get(reverse("manage:grant_create")).content.decode()
    assert f'value="{cast.penduduk.pk}"' not in page

    assert client.post(reverse("manage:grant_revoke", args=[grant.pk])).status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert "view_dataset_records" not in get_perms(agency_group(cast.bappeda), cast.dtks)
    assert list(
        AuditEvent.objects.filter(object_type="dataset_grant").values_list("action", flat=True)
    ) == ["grant.create", "grant.revoke"]


def test_token_create_shows_the_secret_once_then_rotate_and_revoke(cast, login):
    client = login(cast, "walidata")
    response = client.post(
        reverse("manage:token_create"),
        {"agency": cast.dinsos.pk, "name": "SIKS-NG", "days": 30, "rate": 120},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    page = response.content.decode()
    secret = page.split('id="token-secret"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert token.secret_sha256 == token_digest(secret)
    # Never again: the list shows the prefix only.
    listing = client.get(reverse("manage:tokens")).content.decode()
    assert token.prefix in listing and secret not in listing

    response = client.post(reverse("manage:token_action", args=[token.pk, "rotate"]))
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.secret_sha256 != token_digest(secret)
    assert client.post(reverse("manage:token_action", args=[token.pk, "revoke"])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    actions = list(
        AuditEvent.objects.filter(object_type="api_token").values_list("action", flat=True)
    )
    assert actions == ["api_token.create", "api_token.rotate", "api_token.revoke"]
    assert client.post(reverse("manage:token_action", args=[token.pk, "bogus"])).status_code == 404


def test_administration_pages_in_english(cast, login):
    client = login(cast, "walidata")
    # Reverse before any request: a request in English leaves English active in this thread.
    datasets, account_create = reverse("manage:datasets"), reverse("manage:account_create")
    page = client.get("/en" + datasets).content.decode()
    assert 'lang="en"' in page
    assert "Owner agency" in page and "Update frequency" in page
    page = client.get("/en" + account_create).content.decode()
    assert "Initial password" in page
