"""Bad input answers 4xx naming what was wrong, never 500 (issue 14 item 11), over real HTTP."""

from __future__ import annotations

import codecs
import json
import uuid

import pytest

from registry.models import ImportBatch, SourceRecord

from .conftest import FAMILY, PURPOSE


def post_records(http, party, records):
    return http.post(
        f"/datasets/{party.dataset.pk}/submissions",
        content=json.dumps({"records": records}),  # json.dumps writes NaN as NaN
        headers={
            **party.headers,
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/json",
        },
    )


AID = {"program": "PKH", "period": "2026-Q1"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({**AID, "amount": 2**63}, "amount"),
        ({**AID, "amount": 10**30}, "amount"),
        ({**AID, "amount": 1e30}, "amount"),
        ({**AID, "amount": "1" + "0" * 30}, "amount"),
        ({"source_record_id": "S" * 101}, "source_record_id"),
        ({"source_record_id": "S-\x00-1"}, "source_record_id"),
        ({"full_name": "SITI\x00AMINAH"}, "full_name"),
        ({"birth_place": "X" * 101}, "birth_place"),
    ],
)
def test_unstorable_values_are_422_naming_index_and_field(http, owner, change, field):
    records = [dict(FAMILY[1]), {**FAMILY[0], **change}]
    response = post_records(http, owner, records)
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    named = {(d.get("index"), d.get("field")) for d in details} | {
        (int(d["loc"][-2]) if len(d.get("loc", [])) > 1 else None, d["loc"][-1])
        for d in details
        if d.get("loc")
    }
    assert (1, field) in named, details
    assert SourceRecord.objects.count() == 0


def test_nan_amount_is_refused_not_stored_as_null(http, owner):
    response = post_records(http, owner, [{**FAMILY[0], **AID, "amount": float("nan")}])
    assert response.status_code == 422, response.text
    locs = [d["loc"] for d in response.json()["error"]["details"]]
    assert any(loc[-1] == "amount" or "amount" in loc for loc in locs), locs
    assert SourceRecord.objects.count() == 0


@pytest.mark.parametrize("path", ["/persons/%00", "/households/%00", "/persons/a%00b"])
def test_nul_in_url_ids_is_4xx(http, owner, path):
    response = http.get(path, headers={**owner.headers, **PURPOSE})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["code"]


@pytest.mark.parametrize(
    "params", [{"nik": "\x00"}, {"name": "a\x00b", "birth_date": "1974-08-30"}, {"limit": "9" * 20}]
)
def test_bad_search_parameters_are_4xx(http, owner, params):
    response = http.get("/persons", params=params, headers={**owner.headers, **PURPOSE})
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-le", b"")],
)
def test_utf16_csv_is_read(http, owner, encoding, bom):
    text = "ID;NIK;NAMA LENGKAP;JENIS KELAMIN;TANGGAL LAHIR;KELURAHAN;KECAMATAN\r\n"
    text += "U-1;3671013008740001;Inmam Santoso;L;30-08-1974;Sukarasa;Tangerang\r\n"
    response = http.post(
        f"/datasets/{owner.dataset.pk}/uploads",
        files={"file": ("penerima.csv", bom + text.encode(encoding), "text/csv")},
        headers={**owner.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.text
    assert SourceRecord.objects.get().full_name == "INMAM SANTOSO"


def test_undecodable_csv_says_what_was_wrong(http, owner):
    content = "ID,NAMA\n1,Budi\n".encode("utf-32-le")[:-1]  # a truncated UTF-32 file
    response = http.post(
        f"/datasets/{owner.dataset.pk}/uploads",
        files={"file": ("x.csv", codecs.BOM_UTF32_LE + content, "text/csv")},
        headers={**owner.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 422, response.text
    assert "UTF-32" in response.json()["error"]["message"]
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "kind", "status", "code"),
    [
        ("bom.xlsx", "corner", 413, "file_too_large"),
        ("bomb.xlsx", "bomb", 413, "file_too_large"),
        ("wide.csv", "wide", 422, "unreadable_file"),
        ("big.csv", "big", 413, "file_too_large"),
    ],
)
def test_bounded_uploads_are_413_or_422(http, owner, settings, name, kind, status, code):
    from tests.registry.test_read_limits import HEADER, ROW, workbook, zip_bomb

    settings.UPLOAD_MAX_BYTES = 100_000 if kind == "big" else 10 * 1024 * 1024
    content = {
        "corner": lambda: workbook({"A1": "ID", "XFD1048576": "x"}),
        "bomb": lambda: zip_bomb(20 * 1024 * 1024),
        "wide": lambda: ("," * 1_000_000 + "\n").encode(),
        "big": lambda: (HEADER + ROW * 3000).encode(),
    }[kind]()
    response = http.post(
        f"/datasets/{owner.dataset.pk}/uploads",
        files={"file": (name, content)},
        headers={**owner.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert ImportBatch.objects.count() == 0
