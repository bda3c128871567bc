"""Recipient-list verification is no NIK oracle (issue 14 item 2) and has one definition for the
API and the web page (issue 17 item 4)."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from registry.reports.recipient_check import NotAllowed, VolumeLimitExceeded, recipients_check
from registry.web.purpose import SESSION_CURRENT, SESSION_PURPOSES

from .conftest import FATHER_NIK, MOTHER_NIK, PURPOSE, SON_NIK

pytestmark = pytest.mark.django_db

API_PURPOSE = {"X-Purpose": PURPOSE.code, "X-Purpose-Text": PURPOSE.text}


def _probe_rows(nik: str, name: str, birth: str) -> list[dict]:
    """The issue's enumeration: the same person with every kecamatan code 01-13 in the NIK."""
    return [
        {"row_id": str(k), "nik": nik[:4] + f"{k:02d}" + nik[6:], "full_name": name,
         "birth_date": birth}
        for k in range(1, 14)
    ]  # fmt: skip


def _api(cast, name, rows):
    client = Client()
    client.force_login(cast.users[name])
    return client.post(
        "/api/verifications",
        json.dumps({"rows": rows}),
        content_type="application/json",
        headers=API_PURPOSE,
    )


def _denied(user, reason):
    return AuditEvent.objects.filter(
        actor=user, action="report.recipient_check", outcome="denied", reason=reason
    ).count()


def test_planner_may_not_verify_and_learns_nothing(cast):
    rows = _probe_rows(FATHER_NIK, "Inmam Santoso", "1974-08-30")
    planner = cast.users["planner"]
    response = _api(cast, "planner", rows)
    assert response.status_code == 404
    assert FATHER_NIK not in response.content.decode()
    assert response.json() == _api(cast, "planner", rows[:1]).json()  # same for any list
    with pytest.raises(NotAllowed):
        recipients_check(cast.viewer("planner"), rows=rows, purpose=PURPOSE)
    assert _denied(planner, "role") == 3


@pytest.mark.parametrize(
    ("nik", "name", "birth"),
    [
        (MOTHER_NIK, "Fatimah", "1966-02-18"),  # held only in closed datasets
        (SON_NIK, "Teguh Saputra", "2023-06-02"),  # in the granted DTKS too
    ],
)
def test_enumerated_niks_get_identical_answers_unless_held(cast, nik, name, birth):
    """The Dinkes analyst enumerates 13 NIKs: for a person she cannot see, all 13 answers are
    the same (nothing matched, nothing confirmed); for one she can see (DTKS, NIK in full),
    only the NIK she already holds is confirmed."""
    response = _api(cast, "member", _probe_rows(nik, name, birth))
    assert response.status_code == 200, response.content
    answers = response.json()["rows"]
    stripped = [{k: v for k, v in a.items() if k not in ("index", "row_id")} for a in answers]
    confirmed = [a["row_id"] for a in answers if "nik" in a["matched_on"]]
    if nik == MOTHER_NIK:
        assert all(s == stripped[0] for s in stripped)
        assert stripped[0]["person_id"] is None and confirmed == []
    else:
        assert confirmed == ["1"]  # the DTKS record she reads holds 3671010206230001


def test_volume_limit_per_day_is_audited(cast, settings):
    settings.RECIPIENT_CHECK_ROWS_PER_DAY = 20
    rows = _probe_rows(SON_NIK, "Teguh Saputra", "2023-06-02")
    assert _api(cast, "member", rows).status_code == 200
    refused = _api(cast, "member", rows)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "volume_limit"
    assert _denied(cast.users["member"], "volume_limit") == 1
    with pytest.raises(VolumeLimitExceeded):
        recipients_check(cast.viewer("member"), rows=rows[:8], purpose=PURPOSE)
    recipients_check(cast.viewer("member"), rows=rows[:7], purpose=PURPOSE)  # 13 + 7 = 20


LIST = [
    (FATHER_NIK, "INMAM SANTOSO", "30-08-1974", "Sukarasa"),
    (FATHER_NIK[:-1] + "2", "Inmam Santoso", "1974-08-30", ""),
    (MOTHER_NIK, "Fatimah", "18-02-1966", "Sukarasa"),
    (SON_NIK, "Teguh Saputra", "02-06-2023", "Sukarasa"),
    (SON_NIK, "Teguh Saputra", "02-06-2023", ""),
    ("12345", "Orang Tidak Dikenal", "01-01-1990", ""),
]
COMPARED = ("person_id", "confidence", "matched_on", "flags", "duplicate_of", "other_programs",
            "welfare_decile")  # fmt: skip


@pytest.mark.parametrize("name", ["owner_analyst", "member", "walidata"])
def test_api_and_web_give_the_same_answer(cast, name):
    rows = [
        {"nik": nik, "full_name": n, "birth_date": b, "kelurahan": kel} for nik, n, b, kel in LIST
    ]
    api = _api(cast, name, rows)
    assert api.status_code == 200, api.content
    csv_text = "NIK,NAMA LENGKAP,TANGGAL LAHIR,KELURAHAN\n" + "".join(
        ",".join(row) + "\n" for row in LIST
    )
    client = Client()
    client.force_login(cast.users[name])
    session = client.session
    session[SESSION_PURPOSES] = {
        PURPOSE.code: {"text": PURPOSE.text, "at": timezone.now().isoformat()}
    }
    session[SESSION_CURRENT] = PURPOSE.code
    session.save()
    upload = io.BytesIO(csv_text.encode())
    upload.name = "daftar.csv"
    with translation.override("id"):
        page = client.post(reverse("targeting:verify"), {"file": upload})
    assert page.status_code == 200
    web = [
        {
            "person_id": r.person_public_id or None,
            "confidence": r.confidence,
            "matched_on": r.matched_on,
            "flags": r.flags,
            "duplicate_of": r.duplicate_of,
            "other_programs": r.other_programs,
            "welfare_decile": r.welfare_decile,
        }
        for r in page.context["report"].rows
    ]
    assert [{k: r[k] for k in COMPARED} for r in api.json()["rows"]] == web
    assert any(r["person_id"] for r in web)  # not vacuous
    # One audit event per check, the same action for both channels.
    channels = AuditEvent.objects.filter(
        actor=cast.users[name], action="report.recipient_check", outcome="allowed"
    ).values_list("query__channel", flat=True)
    assert sorted(channels) == ["api", "web"]
