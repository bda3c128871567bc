"""Strict mode is one option of records_submit that every API channel passes through: a
JSON batch (now or queued) and a spreadsheet upload refuse a record whose value would be
stored flagged, instead of storing it with a warning."""

from __future__ import annotations

import uuid

from api.models import Submission
from registry.models import ImportBatch, SourceRecord

from .conftest import FAMILY, person_record, run_jobs

FUTURE = {**FAMILY[0], "birth_date": "2062-08-30"}  # stored flagged unless strict


def _submit(http, party, records, **extra):
    return http.post(
        f"/datasets/{party.dataset.pk}/submissions",
        json={"records": records, **extra},
        headers={**party.headers, "Idempotency-Key": str(uuid.uuid4())},
    )


def test_strict_json_batch_refuses_the_flagged_record(http, owner):
    response = _submit(http, owner, [FUTURE], strict=True)
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    refused = [(d["index"], d["field"], d["code"]) for d in details]
    assert refused == [(0, "birth_date", "birth_date:future")]
    assert not SourceRecord.objects.exists()
    assert ImportBatch.objects.get().status == "rejected"
    # the same record without strict is stored, flagged (the default is unchanged)
    lenient = _submit(http, owner, [FUTURE])
    assert lenient.status_code == 201 and lenient.json()["counts"]["flagged"] == 1
    assert SourceRecord.objects.count() == 1


def test_strict_with_skip_invalid_stores_the_others(http, owner):
    response = _submit(http, owner, [FUTURE, FAMILY[1]], strict=True, skip_invalid=True)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["counts"]["invalid"] == 1 and body["counts"]["new"] == 1
    assert [r["status"] for r in body["records"]] == ["invalid", "new"]
    assert list(SourceRecord.objects.values_list("source_record_id", flat=True)) == ["S-2"]


def test_strict_queued_batch_keeps_the_option_for_the_worker(http, owner, settings):
    settings.API_ASYNC_THRESHOLD = 2
    records = [person_record(i) for i in range(3)] + [FUTURE]
    response = _submit(http, owner, records, strict=True)
    assert response.status_code == 202, response.text
    run_jobs()
    job = http.get(response.json()["status_url"].removeprefix("/api"), headers=owner.headers)
    assert job.json()["status"] == "rejected"
    assert [(e["index"], e["field"]) for e in job.json()["errors"]] == [(3, "birth_date")]
    assert not SourceRecord.objects.exists()
    assert Submission.objects.get().payload is None  # the rows and the option are cleared


def test_strict_spreadsheet_upload(http, owner):
    header = "ID,NIK,NAMA LENGKAP,JENIS KELAMIN,TANGGAL LAHIR,ALAMAT,KELURAHAN,KECAMATAN\n"
    row = "U-1,3671013008740001,Inmam Santoso,L,30-08-2074,Jl. Ki Samaun 80,Sukarasa,Tangerang\n"
    content = (header + row).encode()

    def upload(strict: bool):
        return http.post(
            f"/datasets/{owner.dataset.pk}/uploads",
            files={"file": ("penerima.csv", content, "text/csv")},
            data={"strict": "true"} if strict else {},
            headers={**owner.headers, "Idempotency-Key": f"upload-{strict}"},
        )

    refused = upload(True)
    assert refused.status_code == 422, refused.text
    details = refused.json()["error"]["details"]
    assert [(d["line"], d["field"]) for d in details] == [(2, "birth_date")]
    assert not SourceRecord.objects.exists()
    stored = upload(False)  # same file, another option: another request, stored flagged
    assert stored.status_code == 201, stored.text
    assert SourceRecord.objects.get().source_record_id == "U-1"
