"""A submission's answer is no oracle (issue 14 item 3): what an agency learns back about its
records derives from its own data only; no person id, no "linked to existing", and no
household membership that another agency's closed records established."""

from __future__ import annotations

import uuid

from registry.models import SourceRecord

from .conftest import FAMILY, PURPOSE


def _submit(http, party, records):
    return http.post(
        f"/datasets/{party.dataset.pk}/submissions",
        json={"records": records},
        headers={**party.headers, "Idempotency-Key": str(uuid.uuid4())},
    )


def _person_of(source_record_id):
    return SourceRecord.objects.get(source_record_id=source_record_id, is_current=True).link.person


def test_submission_answer_reveals_no_cross_agency_link(http, owner, other):
    assert _submit(http, owner, FAMILY).status_code == 201  # dinsos: closed, with the KK
    father = FAMILY[0]
    probes = [
        # A NIK only dinsos holds, with a made-up name (the probe) ...
        {"source_record_id": "X-1", "nik": father["nik"], "full_name": "X"},
        # ... the same person as dinkes would really hold him (no KK) ...
        {"source_record_id": "X-2", "nik": father["nik"], "full_name": father["full_name"],
         "sex": "L", "birth_date": father["birth_date"]},
        # ... and a NIK nobody holds.
        {"source_record_id": "X-3", "nik": "3671011111110042", "full_name": "Y"},
    ]  # fmt: skip
    response = _submit(http, other, probes)
    assert response.status_code == 201, response.text
    records = response.json()["records"]
    # Precondition: the linker did join dinkes's record to dinsos's person.
    assert _person_of("X-2") == _person_of(father["source_record_id"])
    # Every record gets the same answer whatever other agencies hold.
    same = {"line": None, "status": "new", "linking": "done"}
    assert [{k: v for k, v in r.items() if k not in ("index", "source_record_id")}
            for r in records] == [same] * 3  # fmt: skip
    body = response.text
    for leaked in (_person_of("X-2").public_id, "linked_to_existing", "person_id"):
        assert leaked not in body
    job = http.get(response.json()["status_url"].removeprefix("/api"), headers=other.headers)
    assert job.json()["records"] == records

    # Afterwards dinkes finds its own record's person, but not the household that dinsos's
    # closed KK established, nor anything else of dinsos's.
    person_id = _person_of("X-2").public_id
    profile = http.get(f"/persons/{person_id}", headers={**other.headers, **PURPOSE})
    assert profile.status_code == 200
    assert profile.json()["household"] is None
    assert father["kk_number"] not in profile.text and "S-1" not in profile.text
    household = _person_of(father["source_record_id"]).memberships.get().household
    assert (
        http.get(f"/households/{household.public_id}", headers={**other.headers, **PURPOSE})
    ).status_code == 404
    # dinsos, who holds the KK, still sees the household.
    assert (
        http.get(f"/households/{household.public_id}", headers={**owner.headers, **PURPOSE})
    ).status_code == 200
