from __future__ import annotations

import uuid
from pathlib import Path

from api.models import Submission
from audit.models import AuditEvent
from registry.models import ImportBatch, Person, SourceRecord

from .conftest import FAMILY, PURPOSE, audit_actions, person_of, person_record, run_jobs


def submit(http, party, records, key=None, **extra):
    headers = {**party.headers, "Idempotency-Key": key or str(uuid.uuid4())}
    return http.post(
        f"/datasets/{party.dataset.pk}/submissions",
        json={"records": records, **extra},
        headers=headers,
    )


def test_submission_stores_links_and_audits(http, owner):
    response = submit(http, owner, FAMILY, key="k-1")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["counts"]["new"] == 3
    assert [r["index"] for r in body["records"]] == [0, 1, 2]
    assert all(r["status"] == "new" and r["linking"] == "done" for r in body["records"])
    assert all(set(r) == {"index", "line", "source_record_id", "status", "linking"}
               for r in body["records"])  # fmt: skip
    assert SourceRecord.objects.filter(dataset=owner.dataset).count() == 3
    assert Person.objects.count() == 3
    assert SourceRecord.objects.filter(link__isnull=True).count() == 0
    actions = audit_actions()
    assert ("records.import", "allowed") in actions
    assert ("persons.link", "allowed") in actions
    # The job status shows the same outcome.
    job = http.get(body["status_url"].removeprefix("/api"), headers=owner.headers)
    assert job.status_code == 200
    assert job.json()["records"] == body["records"]


def test_idempotency_semantics(http, owner):
    first = submit(http, owner, FAMILY, key="same-key")
    assert first.status_code == 201
    records, batches, events = (
        SourceRecord.objects.count(),
        ImportBatch.objects.count(),
        AuditEvent.objects.count(),
    )
    again = submit(http, owner, FAMILY, key="same-key")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert (SourceRecord.objects.count(), ImportBatch.objects.count()) == (records, batches)
    assert AuditEvent.objects.count() == events

    other_body = submit(http, owner, FAMILY[:2], key="same-key")
    assert other_body.status_code == 422
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    assert SourceRecord.objects.count() == records

    missing = http.post(
        f"/datasets/{owner.dataset.pk}/submissions",
        json={"records": FAMILY},
        headers=owner.headers,
    )
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "missing_header"
    assert SourceRecord.objects.count() == records


def _other_session():
    """A database session of its own (another process's, as far as the server knows)."""
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
        password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True,
    )  # fmt: skip


def _post(http, owner, body: bytes, key: str):
    return http.post(
        f"/datasets/{owner.dataset.pk}/submissions",
        content=body,
        headers={**owner.headers, "Idempotency-Key": key, "Content-Type": "application/json"},
    )


def test_retry_while_running_is_409_and_resumes_once_the_runner_is_gone(http, owner):
    import json

    from api.services.submissions import RUNNER_LOCK_NAMESPACE, body_sha256

    body = json.dumps({"records": FAMILY}).encode()
    # The first request is still running: its claim exists without a response yet, and its
    # runner (another session) holds the submission's runner lock.
    claim = Submission.objects.create(
        agency=owner.agency,
        dataset=owner.dataset,
        idempotency_key="running-key",
        request_sha256=body_sha256(body),
    )
    runner = _other_session()
    runner.execute("SELECT pg_advisory_lock(%s, %s)", [RUNNER_LOCK_NAMESPACE, claim.pk])
    response = _post(http, owner, body, "running-key")
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "submission_in_progress"
    assert SourceRecord.objects.count() == 0
    # The runner dies (its session ends): the same key now completes the work.
    runner.close()
    response = _post(http, owner, body, "running-key")
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["job_id"] == str(claim.public_id)
    assert out["counts"]["new"] == 3 and out["linking"] == "done"
    # person ids are not told back (issue 14.3): every stored record has its person
    assert all(r["linking"] == "done" for r in out["records"])
    assert SourceRecord.objects.filter(link__isnull=True).count() == 0
    # and answers the same from then on
    assert _post(http, owner, body, "running-key").json() == out


def test_crash_after_the_import_committed_resumes_from_the_stored_batch(http, owner):
    """The runner died after the import committed (batch stored with the claim) and before
    linking: the same key links the stored rows and answers with their persons; nothing is
    imported twice. A new key for the same rows finds them unchanged and links them too."""
    import json

    from api.services.submissions import body_sha256
    from registry.ingest.reading import ParsedFile
    from registry.services.imports import records_import

    body = json.dumps({"records": FAMILY}).encode()
    claim = Submission.objects.create(
        agency=owner.agency,
        dataset=owner.dataset,
        idempotency_key="crashed-key",
        request_sha256=body_sha256(body),
    )
    stored = records_import(
        dataset=owner.dataset,
        parsed=ParsedFile(rows=list(enumerate(FAMILY[:2]))),
        channel="api",
    )
    Submission.objects.filter(pk=claim.pk).update(batch=stored.batch)
    assert SourceRecord.objects.filter(link__isnull=True).count() == 2
    batches = ImportBatch.objects.count()

    response = _post(http, owner, body, "crashed-key")
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["batch_id"] == stored.batch.pk
    assert ImportBatch.objects.count() == batches
    assert out["linking"] == "done"
    assert [r["linking"] for r in out["records"][:2]] == ["done", "done"]
    assert SourceRecord.objects.filter(link__isnull=True).count() == 0

    # Stored by an attempt whose linking never ran, then re-sent under a new key.
    records_import(dataset=owner.dataset, parsed=ParsedFile(rows=[(0, FAMILY[2])]), channel="api")
    fresh = submit(http, owner, FAMILY, key="new-key")
    assert fresh.status_code == 201, fresh.text
    records = fresh.json()["records"]
    assert [r["status"] for r in records] == ["unchanged"] * 3
    assert all(r["linking"] == "done" for r in records), records
    assert SourceRecord.objects.filter(link__isnull=True).count() == 0


def test_malformed_batch_stores_nothing(http, owner):
    bad = [
        dict(FAMILY[0]),
        {**FAMILY[1], "full_name": "", "nik": None, "kk_number": None},  # no name, no id
        {**FAMILY[2], "source_record_id": FAMILY[0]["source_record_id"]},  # duplicate id
    ]
    response = submit(http, owner, bad, key="bad-1")
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    fields = {(d["index"], d["field"]) for d in error["details"]}
    assert (1, "full_name") in fields
    assert any(index == 2 for index, _ in fields)
    assert SourceRecord.objects.count() == 0
    assert Person.objects.count() == 0
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED
    assert ("records.import", "denied") in audit_actions()
    # The same request again gets the same refusal and still stores nothing.
    again = submit(http, owner, bad, key="bad-1")
    assert again.status_code == 422 and again.json() == response.json()
    assert SourceRecord.objects.count() == 0


def test_schema_invalid_body_is_422_in_one_shape(http, owner):
    response = submit(http, owner, [{"source_record_id": "X", "unknown_field": 1}])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_body"
    assert SourceRecord.objects.count() == 0


def test_large_batch_runs_as_a_job(http, owner, settings):
    settings.API_ASYNC_THRESHOLD = 5
    records = [person_record(i) for i in range(8)]
    response = submit(http, owner, records, key="big-1")
    assert response.status_code == 202, response.text
    job_url = response.json()["status_url"].removeprefix("/api")
    assert http.get(job_url, headers=owner.headers).json()["status"] == "queued"
    assert SourceRecord.objects.count() == 0
    # Retrying the accepted request answers the same 202 and queues nothing new.
    assert submit(http, owner, records, key="big-1").json() == response.json()

    run_jobs()

    job = http.get(job_url, headers=owner.headers).json()
    assert job["status"] == "succeeded"
    assert job["counts"]["new"] == 8
    assert len(job["records"]) == 8 and all(r["linking"] == "done" for r in job["records"])
    assert SourceRecord.objects.filter(link__isnull=False).count() == 8
    assert Submission.objects.get().payload is None
    assert ("records.import", "allowed") in audit_actions()


def test_spreadsheet_upload(http, owner):
    csv_text = "ID,NIK,NAMA LENGKAP,JENIS KELAMIN,TANGGAL LAHIR,ALAMAT,KELURAHAN,KECAMATAN\n"
    csv_text += (
        "U-1,3671013008740001,Inmam Santoso,L,30-08-1974,Jl. Ki Samaun 80,Sukarasa,Tangerang\n"
    )
    response = http.post(
        f"/datasets/{owner.dataset.pk}/uploads",
        files={"file": ("penerima.csv", csv_text.encode(), "text/csv")},
        headers={**owner.headers, "Idempotency-Key": "upload-1"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["records"][0]["line"] == 2 and body["records"][0]["linking"] == "done"
    assert SourceRecord.objects.get().source_record_id == "U-1"


def test_person_profile_needs_purpose(http, owner):
    assert submit(http, owner, FAMILY).status_code == 201
    public_id = person_of(FAMILY[0]["source_record_id"])
    missing = http.get(f"/persons/{public_id}", headers=owner.headers)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "missing_header"
    unknown = http.get(
        f"/persons/{public_id}",
        headers={**owner.headers, "X-Purpose": "curiosity", "X-Purpose-Text": "x"},
    )
    assert unknown.status_code == 400
    no_text = http.get(
        f"/persons/{public_id}", headers={**owner.headers, "X-Purpose": "perencanaan"}
    )
    assert no_text.status_code == 400
    assert not AuditEvent.objects.filter(action="person.view").exists()

    ok = http.get(f"/persons/{public_id}", headers={**owner.headers, **PURPOSE})
    assert ok.status_code == 200, ok.text
    profile = ok.json()
    assert profile["golden"]["nik"] == FAMILY[0]["nik"]
    assert profile["household"]["public_id"].startswith("H")
    assert profile["aid"][0]["program"] == "PKH"
    assert "nik" in profile["link_explanation"][0]["agrees_on"]
    event = AuditEvent.objects.filter(action="person.view").get()
    assert event.persons == [public_id]
    assert event.purpose_code == "verifikasi-bansos"
    assert event.purpose_text == PURPOSE["X-Purpose-Text"]

    household = http.get(
        f"/households/{profile['household']['public_id']}", headers={**owner.headers, **PURPOSE}
    )
    assert household.status_code == 200
    assert len(household.json()["members"]) == 3

    search = http.get(
        "/persons", params={"name": "inmam santoso"}, headers={**owner.headers, **PURPOSE}
    )
    assert search.status_code == 200
    assert search.json()["results"][0]["public_id"] == public_id
    assert AuditEvent.objects.filter(action="person.search").count() == 1


def test_linking_failure_after_the_import_is_pending_then_done(http, owner, monkeypatch):
    """Stored but unlinked is never silent: the answer says linking "pending", a link job is
    queued, and once the worker has run it the job status says "done" with each person."""

    def broken(*args, **kwargs):
        raise RuntimeError("linking failed")

    monkeypatch.setattr("registry.linking.link_new_records", broken)
    response = submit(http, owner, FAMILY, key="pending-key")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["linking"] == "pending"
    assert body["counts"]["new"] == 3
    assert [r["linking"] for r in body["records"]] == ["pending"] * 3
    assert SourceRecord.objects.filter(link__isnull=True).count() == 3
    status = http.get(body["status_url"].removeprefix("/api"), headers=owner.headers).json()
    assert status["linking"] == "pending"

    monkeypatch.undo()
    run_jobs()  # the queued registry.link_pending job
    assert SourceRecord.objects.filter(link__isnull=True).count() == 0
    status = http.get(body["status_url"].removeprefix("/api"), headers=owner.headers).json()
    assert status["linking"] == "done"
    assert all(r["linking"] == "done" for r in status["records"])


def test_a_fifteen_digit_nik_is_told_back_not_errors_empty(http, owner):
    record = {**FAMILY[0], "nik": FAMILY[0]["nik"][:15]}
    response = submit(http, owner, [record])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["counts"]["new"] == 1 and body["counts"]["flagged"] == 1
    assert body["errors"] == [
        {
            "index": 0,
            "line": None,
            "severity": "warning",
            "field": "nik",
            "code": "nik:bad_length",
            "reason": "NIK does not have 16 digits",
            "message": "NIK tidak 16 digit",
            "source_record_id": record["source_record_id"],
        }
    ]
    assert body["flags"] == [{"code": "nik:bad_length", "count": 1, "text": "1 NIK tidak 16 digit"}]
    stored = SourceRecord.objects.get()
    assert stored.original["nik"] == record["nik"] and not stored.nik_reliable


def test_sample_spreadsheet_upload_reports_its_unreliable_niks(http, owner):
    sample = Path(__file__).parents[1] / "registry" / "data" / "dinsos-penerima-bansos-2026.xlsx"
    response = http.post(
        f"/datasets/{owner.dataset.pk}/uploads",
        files={"file": ("dinsos.xlsx", sample.read_bytes())},
        headers={**owner.headers, "Idempotency-Key": "sample-1"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    counts = {f["code"]: f["count"] for f in body["flags"]}
    assert counts["nik:excel_damaged"] == 39 and counts["nik:kk_in_nik"] == 6
    texts = [f["text"] for f in body["flags"]]
    assert "39 NIK rusak oleh Excel (15 digit)" in texts
    damaged = [e for e in body["errors"] if e["code"] == "nik:excel_damaged"]
    assert len(damaged) == 39 and all(e["line"] and e["severity"] == "warning" for e in damaged)
