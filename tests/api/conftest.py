"""API tests over real HTTP (pytest-django live_server) against real PostgreSQL.

Three standing parties: the owner agency (dinsos, holds the closed dataset), another agency
(dinkes, a closed dataset of its own: the outsider for dinsos data) and the walidata."""

from __future__ import annotations

import httpx
import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from api.services.tokens import token_create
from audit.models import AuditEvent
from registry.models import AccessLevel, Agency, AgencyKind, Dataset
from registry.roles import Role
from registry.services.accounts import account_create

PURPOSE = {"X-Purpose": "verifikasi-bansos", "X-Purpose-Text": "cek penerima PKH 2026"}
CSRF = "c" * 32

FAMILY = [
    {"source_record_id": "S-1", "nik": "3671013008740001", "kk_number": "3671010310080006",
     "full_name": "Inmam Santoso", "sex": "L", "birth_place": "Pandeglang",
     "birth_date": "1974-08-30", "address": "Jl. Ki Samaun No. 80", "rt": "11", "rw": "12",
     "kelurahan": "Sukarasa", "kecamatan": "Tangerang", "relationship": "KEPALA KELUARGA",
     "welfare_decile": 7, "program": "PKH", "period": "2026-Q1", "amount": 750000},
    {"source_record_id": "S-2", "nik": "3671015802660001", "kk_number": "3671010310080006",
     "full_name": "Fatimah", "sex": "P", "birth_place": "Tangerang", "birth_date": "1966-02-18",
     "address": "Jl. Ki Samaun No. 80", "rt": "11", "rw": "12", "kelurahan": "Sukarasa",
     "kecamatan": "Tangerang", "relationship": "ISTRI"},
    {"source_record_id": "S-3", "nik": "3671010206230001", "kk_number": "3671010310080006",
     "full_name": "Teguh Saputra", "sex": "L", "birth_place": "Tangerang",
     "birth_date": "2023-06-02", "address": "Jl. Ki Samaun No. 80", "rt": "11", "rw": "12",
     "kelurahan": "Sukarasa", "kecamatan": "Tangerang", "relationship": "ANAK"},
]  # fmt: skip


def person_record(i: int, prefix: str = "R") -> dict:
    """A distinct, valid person record number i."""
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    return {
        "source_record_id": f"{prefix}-{i}",
        "nik": f"367101{day:02d}{month:02d}80{i % 10000:04d}",
        "full_name": f"Warga Nomor {i}",
        "sex": "L",
        "birth_date": f"1980-{month:02d}-{day:02d}",
        "address": f"Jl. Contoh No. {i}",
        "rt": "1",
        "rw": "2",
        "kelurahan": "Sukarasa",
        "kecamatan": "Tangerang",
    }


def _agency(code: str, kind: str) -> tuple[Agency, Dataset]:
    agency = Agency.objects.create(code=code, name=code.upper(), kind=kind)
    dataset = Dataset.objects.create(
        agency=agency,
        name=f"{code}-data",
        title=f"{code} data",
        producer=code,
        access_level=AccessLevel.CLOSED,
    )
    return agency, dataset


class Party:
    def __init__(self, agency, dataset, secret, token):
        self.agency = agency
        self.dataset = dataset
        self.secret = secret
        self.token = token

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.secret}"}


@pytest.fixture
def owner(transactional_db) -> Party:
    agency, dataset = _agency("dinsos", AgencyKind.SOCIAL_AFFAIRS)
    issued = token_create(actor=None, agency=agency, name="owner token")
    return Party(agency, dataset, issued.secret, issued.token)


@pytest.fixture
def other(transactional_db) -> Party:
    agency, dataset = _agency("dinkes", AgencyKind.HEALTH)
    issued = token_create(actor=None, agency=agency, name="other token")
    return Party(agency, dataset, issued.secret, issued.token)


@pytest.fixture
def walidata(transactional_db):
    return account_create(
        actor=None, username="walidata1", password="Rahasia-Walidata-2026", role=Role.WALIDATA
    )


def session_client(base_url: str, user) -> httpx.Client:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return httpx.Client(
        base_url=base_url,
        cookies={"sessionid": session.session_key, "csrftoken": CSRF},
        headers={"X-CSRFToken": CSRF, "Referer": base_url},
        timeout=60,
    )


@pytest.fixture
def http(live_server):
    with httpx.Client(base_url=f"{live_server.url}/api", timeout=120) as client:
        yield client


@pytest.fixture
def base_url(live_server) -> str:
    return f"{live_server.url}/api"


def audit_actions(**filters) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(**filters).order_by("id").values_list("action", "outcome")
    )


def run_jobs() -> None:
    """Run every queued job with a real procrastinate worker against the test database."""
    from procrastinate.contrib.django import app

    worker_app = app.with_connector(app.connector.get_worker_connector())
    worker_app.run_worker(
        queues=["api"], wait=False, install_signal_handlers=False, listen_notify=False
    )


def person_of(source_record_id: str) -> str:
    """The public id of the person a stored record was linked to (a submission's answer no
    longer carries it: issue 14 item 3)."""
    from registry.models import SourceRecord

    record = SourceRecord.objects.select_related("link__person").get(
        source_record_id=source_record_id, is_current=True
    )
    return record.link.person.public_id
