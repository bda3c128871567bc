from __future__ import annotations

from api.services.tokens import token_create
from audit.models import AuditEvent
from registry.models import AccessLevel, Agency, AgencyKind, Dataset

from .conftest import FAMILY, PURPOSE, session_client


def _submit(http, secret, dataset, records, key):
    response = http.post(
        f"/datasets/{dataset.pk}/submissions",
        json={"records": records},
        headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": key},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_recipient_list_verification_flags(http, base_url, owner, walidata):
    capil = Agency.objects.create(code="capil", name="Disdukcapil", kind=AgencyKind.CIVIL_REGISTRY)
    capil_data = Dataset.objects.create(
        agency=capil, name="penduduk", title="Penduduk", producer="Capil",
        access_level=AccessLevel.CLOSED,
    )  # fmt: skip
    capil_secret = token_create(actor=None, agency=capil, name="capil").secret
    civil = [
        {k: v for k, v in r.items() if k not in ("program", "period", "amount", "welfare_decile")}
        for r in FAMILY
    ]
    civil = [dict(r, source_record_id=f"C-{i}") for i, r in enumerate(civil)]
    civil[1]["death_date"] = "2025-12-01"
    _submit(http, capil_secret, capil_data, civil, "capil-1")
    social = [FAMILY[0]]  # PKH receipt, welfare decile 7
    _submit(http, owner.secret, owner.dataset, social, "dinsos-1")

    inmam, fatimah, teguh = FAMILY
    wrong_nik = inmam["nik"][:-1] + ("2" if inmam["nik"][-1] != "2" else "3")
    rows = [
        {"row_id": "a", "nik": inmam["nik"], "full_name": "INMAM SANTOSO",
         "birth_date": "30-08-1974", "kelurahan": "Sukarasa"},
        {"row_id": "b", "nik": wrong_nik, "full_name": "Inmam Santoso", "birth_date": "1974-08-30"},
        {"row_id": "c", "nik": fatimah["nik"], "full_name": "Fatimah", "birth_date": "1966-02-18"},
        {"row_id": "d", "full_name": "Orang Tidak Dikenal", "birth_date": "1990-01-01"},
        {"row_id": "e", "nik": "12345", "full_name": "Teguh Saputra",
         "birth_date": "2023-06-02", "kelurahan": "Sukarasa"},
    ]  # fmt: skip
    with session_client(base_url, walidata) as web:
        missing_purpose = web.post("/verifications", json={"rows": rows})
        assert missing_purpose.status_code == 400
        response = web.post(
            "/verifications", json={"program": "BPNT", "rows": rows}, headers=PURPOSE
        )
    assert response.status_code == 200, response.text
    result = {r["row_id"]: r for r in response.json()["rows"]}

    a, b = result["a"], result["b"]
    assert a["person_id"] and a["person_id"] == b["person_id"]
    assert a["confidence"] >= 0.9
    assert {"duplicate_in_list", "receives_other_programs", "high_welfare_decile"} <= set(
        a["flags"]
    )
    assert a["other_programs"] == ["PKH 2026-Q1"] and a["welfare_decile"] == 7
    assert a["duplicate_of"] == [1]
    assert "nik_differs_from_civil_registry" in b["flags"]
    assert "nik_differs_from_civil_registry" not in a["flags"]
    assert "deceased" in result["c"]["flags"]
    assert result["d"]["person_id"] is None and result["d"]["flags"] == ["no_match"]
    assert result["e"]["person_id"] and "nik_invalid" in result["e"]["flags"]

    event = AuditEvent.objects.get(action="report.recipient_check")
    assert event.purpose_code == PURPOSE["X-Purpose"]
    assert set(event.persons) == {
        a["person_id"],
        result["c"]["person_id"],
        result["e"]["person_id"],
    }
