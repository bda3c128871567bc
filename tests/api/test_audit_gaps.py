"""Issue 14 item 12: API linking carries its actor, job reads are audited, and refused API
requests (400, 401, 403) leave an event without personal data."""

from __future__ import annotations

import json

from audit.actions import Action
from audit.models import AuditEvent
from audit.services import verify_chain
from registry.models import RecordLink

from .conftest import FAMILY
from .test_submissions import submit


def _dump(event: AuditEvent) -> str:
    return json.dumps({k: v for k, v in event.__dict__.items() if k != "_state"}, default=str)


def test_api_linking_names_the_token_user(http, owner):
    assert submit(http, owner, FAMILY, key="k-link").status_code == 201
    link = AuditEvent.objects.get(action=Action.PERSONS_LINK)
    assert link.actor_id == owner.token.service_user_id
    assert link.actor_username == owner.token.service_user.username


def test_a_job_read_is_audited_with_the_persons_it_returns(http, owner):
    body = submit(http, owner, FAMILY, key="k-job").json()
    job = http.get(body["status_url"].removeprefix("/api"), headers=owner.headers)
    assert job.status_code == 200
    read = AuditEvent.objects.get(action=Action.JOB_VIEW, outcome="allowed")
    assert read.object_id == body["job_id"]
    # The answer names the persons it shows: none, since a submitter is told no person ids
    # (issue 14.3); the event counts the records it returned.
    assert all("person_id" not in r for r in job.json()["records"])
    assert read.persons == [] and read.detail["records"] == len(FAMILY)
    assert read.actor_id == owner.token.service_user_id and read.agency_code == "dinsos"


def test_refused_requests_are_audited_without_personal_data(http, owner):
    nik = FAMILY[0]["nik"]
    # 401: no credentials; a NIK in the query string must not reach the trail.
    assert http.get("/persons", params={"nik": nik}).status_code == 401
    # 400: a missing purpose header.
    assert submit(http, owner, FAMILY, key="k-400").status_code == 201
    public_id = RecordLink.objects.select_related("person").first().person.public_id
    assert http.get(f"/persons/{public_id}", headers=owner.headers).status_code == 400
    # 403: a token may not manage tokens.
    forbidden = http.post("/tokens", json={"agency_code": "dinsos", "name": nik},
                          headers=owner.headers)  # fmt: skip
    assert forbidden.status_code == 403

    refused = list(AuditEvent.objects.filter(action=Action.API_REFUSED).order_by("id"))
    assert [(e.detail["status"], e.reason) for e in refused] == [
        (401, "unauthorized"),
        (400, "missing_header"),
        (403, "forbidden"),
    ]
    assert refused[0].actor_username == "anonymous" and refused[0].actor_id is None
    assert refused[1].actor_id == owner.token.service_user_id
    assert refused[1].object_id == "api/persons/<public_id>"
    assert refused[2].detail["token_id"] == owner.token.pk
    for event in refused:
        assert event.outcome == "denied"
        assert nik not in _dump(event) and public_id not in _dump(event)
    assert verify_chain().ok
