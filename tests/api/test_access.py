"""BOLA: an agency token never reads or writes another agency's closed records."""

from __future__ import annotations

import uuid

import httpx

from audit.models import AuditEvent
from registry.models import SourceRecord

from .conftest import FAMILY, PURPOSE, audit_actions, person_of, session_client


def _submit(http, party, dataset, records, key=None):
    return http.post(
        f"/datasets/{dataset.pk}/submissions",
        json={"records": records},
        headers={**party.headers, "Idempotency-Key": key or str(uuid.uuid4())},
    )


def test_token_cannot_write_another_agencys_dataset(http, owner, other):
    response = _submit(http, other, owner.dataset, FAMILY)
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "not found", "details": []}
    }
    assert SourceRecord.objects.count() == 0
    event = AuditEvent.objects.get(action="records.submit")
    assert (event.outcome, event.agency_code, event.object_id) == (
        "denied",
        "dinkes",
        str(owner.dataset.pk),
    )
    # Same answer as for a dataset that does not exist.
    assert _submit(http, other, type(owner.dataset)(pk=999_999), FAMILY).status_code == 404


def test_token_cannot_read_another_agencys_closed_records(http, owner, other):
    body = _submit(http, owner, owner.dataset, FAMILY).json()
    person_id = person_of(FAMILY[0]["source_record_id"])
    job_url = body["status_url"].removeprefix("/api")

    profile = http.get(f"/persons/{person_id}", headers={**other.headers, **PURPOSE})
    assert profile.status_code == 404
    assert http.get("/persons/P0000000000", headers={**other.headers, **PURPOSE}).json() == (
        profile.json()
    )
    assert http.get(job_url, headers=other.headers).status_code == 404
    search = http.get(
        "/persons", params={"nik": FAMILY[0]["nik"]}, headers={**other.headers, **PURPOSE}
    )
    assert search.status_code == 200 and search.json()["results"] == []
    verify = http.post(
        "/verifications",
        json={"rows": [{"nik": FAMILY[0]["nik"], "full_name": FAMILY[0]["full_name"]}]},
        headers={**other.headers, **PURPOSE},
    )
    assert verify.status_code == 200 and verify.json()["rows"][0]["person_id"] is None
    household_id = http.get(f"/persons/{person_id}", headers={**owner.headers, **PURPOSE}).json()[
        "household"
    ]["public_id"]
    assert (
        http.get(f"/households/{household_id}", headers={**other.headers, **PURPOSE}).status_code
        == 404
    )
    denied = AuditEvent.objects.filter(outcome="denied", agency_code="dinkes")
    assert set(denied.values_list("action", flat=True)) >= {"person.view", "household.view"}
    assert ("person.view", "allowed") in audit_actions(agency_code="dinsos")


def test_unauthenticated_and_bad_tokens_get_401(http, owner):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": owner.secret}):
        response = http.get("/persons", params={"name": "x"}, headers={**headers, **PURPOSE})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    tampered = owner.secret[:-2] + ("AA" if not owner.secret.endswith("AA") else "BB")
    assert (
        http.get(
            "/persons",
            params={"name": "x"},
            headers={"Authorization": f"Bearer {tampered}", **PURPOSE},
        ).status_code
        == 401
    )


def test_walidata_manages_tokens_over_the_session(base_url, owner, walidata, http):
    with session_client(base_url, walidata) as web:
        created = web.post(
            "/tokens", json={"agency_code": "dinsos", "name": "sync", "expires_in_days": 30}
        )
        assert created.status_code == 201, created.text
        token = created.json()
        secret = token["token"]
        assert secret.startswith("sdt_")
        listed = web.get("/tokens").json()
        assert all("token" not in row for row in listed)
        auth = {"Authorization": f"Bearer {secret}"}
        assert http.get(f"/jobs/{uuid.uuid4()}", headers=auth).status_code == 404  # authenticated

        rotated = web.post(f"/tokens/{token['id']}/rotate")
        assert rotated.status_code == 200
        new_secret = rotated.json()["token"]
        assert http.get(f"/jobs/{uuid.uuid4()}", headers=auth).status_code == 401
        new_auth = {"Authorization": f"Bearer {new_secret}"}
        assert http.get(f"/jobs/{uuid.uuid4()}", headers=new_auth).status_code == 404

        assert web.post(f"/tokens/{token['id']}/revoke").status_code == 200
        assert http.get(f"/jobs/{uuid.uuid4()}", headers=new_auth).status_code == 401

    events = AuditEvent.objects.filter(action__startswith="api_token.").order_by("id")
    assert [e.action for e in events][-3:] == [
        "api_token.create",
        "api_token.rotate",
        "api_token.revoke",
    ]
    assert all(e.actor_username == "walidata1" for e in list(events)[-3:])
    # The secret appears nowhere in the audit trail.
    assert not AuditEvent.objects.filter(detail__icontains=secret.split("_")[2]).exists()

    # Without the CSRF header a session write is refused.
    with session_client(base_url, walidata) as web:
        web.headers.pop("X-CSRFToken")
        refused = web.post("/tokens", json={"agency_code": "dinsos", "name": "x"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"


def test_tokens_cannot_manage_tokens(http, owner):
    response = http.post(
        "/tokens", json={"agency_code": "dinsos", "name": "x"}, headers=owner.headers
    )
    assert response.status_code == 403


def test_api_token_command(owner):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("api_token", "create", "--agency", "dinsos", "--name", "cli", stdout=out)
    assert "sdt_" in out.getvalue()
    token_id = int(out.getvalue().split()[1])
    call_command("api_token", "revoke", str(token_id), stdout=StringIO())
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token_id)).exists()
    assert httpx  # the HTTP side of tokens is covered above
