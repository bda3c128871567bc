"""Issue 14 item 8: login throttling and lockout (django-axes), every login audited."""

import json

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from audit.actions import Action
from audit.models import AuditEvent
from audit.services import verify_chain
from registry.roles import Role
from registry.services.accounts import account_create

pytestmark = pytest.mark.django_db

PASSWORD = "kata-sandi-petugas-2026"  # noqa: S105
WRONG = "tebakan-salah-nomor-"  # noqa: S105


@pytest.fixture
def officer():
    return account_create(actor=None, username="petugas.capil", password=PASSWORD,
                          role=Role.AUDITOR)  # fmt: skip


def _post_login(client, username, password, url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password})


def _events():
    return list(AuditEvent.objects.filter(action__startswith="auth.").order_by("id"))


def test_wrong_passwords_lock_the_account_and_the_right_one_is_refused(client, officer):
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):
        response = _post_login(client, "petugas.capil", f"{WRONG}{i}")
    assert response.status_code == 429
    assert "Akun dikunci" in response.content.decode()

    response = _post_login(client, "petugas.capil", PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session

    events = _events()
    failures = [e for e in events if e.action == Action.LOGIN]
    lockouts = [e for e in events if e.action == Action.LOCKOUT]
    assert [e.reason for e in failures] == ["bad_credentials"] * limit + ["locked_out"]
    assert all(e.outcome == "denied" for e in failures)
    assert len(lockouts) == 1 and lockouts[0].object_id == str(officer.pk)
    # The account is named by id; nobody is recorded as the actor of a refused login.
    assert {e.object_id for e in events} == {str(officer.pk)}
    assert {(e.actor_id, e.actor_username) for e in events} == {(None, "anonymous")}
    stored = json.dumps([e.__dict__ for e in events], default=str)
    assert WRONG not in stored and PASSWORD not in stored
    assert verify_chain().ok
    # axes' own counters keep no password either.
    kept = json.dumps(list(AccessAttempt.objects.values()), default=str)
    assert WRONG not in kept and PASSWORD not in kept


def test_the_admin_login_is_behind_the_same_lock(client, officer):
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    for i in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "petugas.capil", f"{WRONG}{i}", url="/admin/login/")
    response = _post_login(client, "petugas.capil", PASSWORD, url="/admin/login/")
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    response = _post_login(client, "petugas.capil", PASSWORD)
    assert response.status_code == 429


def test_success_is_audited_with_the_actor_and_resets_the_count(client, officer):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        _post_login(client, "petugas.capil", f"{WRONG}{i}")
    response = _post_login(client, "petugas.capil", PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(officer.pk)
    success = _events()[-1]
    assert (success.action, success.outcome, success.actor_id) == (
        Action.LOGIN, "allowed", officer.pk
    )  # fmt: skip
    assert success.role == Role.AUDITOR and success.ip == "127.0.0.1"
    client.post(reverse("logout"))
    assert _events()[-1].action == Action.LOGOUT
    # Counting starts again after a success: one more failure does not lock.
    assert _post_login(client, "petugas.capil", f"{WRONG}x").status_code == 200


def test_an_unknown_name_is_not_written_to_the_trail(client):
    typed = "3671011204900001"  # a NIK typed into the user name field
    _post_login(client, typed, "whatever-it-was")
    (event,) = _events()
    assert event.outcome == "denied" and event.detail["known_account"] is False
    stored = json.dumps(event.__dict__, default=str)
    assert typed not in stored and "whatever-it-was" not in stored


def test_one_address_trying_many_accounts_is_locked(client, officer):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, f"tebakan.{i}", "kata-sandi-tebakan-2026")
    response = _post_login(client, "petugas.capil", PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
