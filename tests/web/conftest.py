"""Cast for the web tests: a civil registry (closed) and a social-affairs agency with aid
(restricted), imported and linked through the real importer and linker, one account per role,
and one merged person id that must redirect to its survivor."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings

from registry.ingest.headers import CANONICAL_FIELDS
from registry.ingest.reading import ParsedFile
from registry.linking import link
from registry.models import (
    AccessLevel,
    Agency,
    AgencyKind,
    Dataset,
    Person,
    Region,
    SourceRecord,
)
from registry.roles import Role, roles_ensure
from registry.services.accounts import account_create
from registry.services.imports import records_import
from registry.services.regions import regions_load

# The exchange format's columns, in the order the importer documents them.
HEADER = list(CANONICAL_FIELDS)
KK = "3671010310080006"
FATHER_NIK = "3671013008740001"
ADDR = "Jl. Ki Samaun No. 80"
CAPIL_ROWS = [
    ["CAP-1", FATHER_NIK, KK, "Inmam Santoso", "L", "Pandeglang", "1974-08-30", ADDR, "11", "12",
     "Sukarasa", "Tangerang", "KEPALA KELUARGA", "", "", "", "", ""],
    ["CAP-2", "3671015802660001", KK, "Fatimah", "P", "Tangerang", "1966-02-18", ADDR, "11", "12",
     "Sukarasa", "Tangerang", "ISTRI", "", "", "", "", ""],
    ["CAP-3", "3671010206230001", KK, "Teguh Saputra", "L", "Tangerang", "2023-06-02", ADDR, "11",
     "12", "Sukarasa", "Tangerang", "ANAK", "", "", "", "", ""],
]  # fmt: skip
DTKS_ROWS = [
    ["DTKS-1", FATHER_NIK, KK, "INMAM SANTOSO", "L", "Pandeglang", "1974-08-30", ADDR, "11", "12",
     "Sukarasa", "Tangerang", "KEPALA KELUARGA", "", "2", "PKH", "2024-01", "750000"],
]  # fmt: skip
PASSWORD = "kata-sandi-uji-yang-panjang-1"  # noqa: S105
ROLES = ("walidata", "operator", "analyst", "planner", "auditor", "public")


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _import(dataset, rows):
    parsed = ParsedFile(
        rows=[(i + 2, dict(zip(HEADER, row, strict=True))) for i, row in enumerate(rows)]
    )
    outcome = records_import(dataset=dataset, parsed=parsed)
    assert outcome.batch.status == "imported", outcome.validation.errors


class Cast:
    pass


def build_cast() -> Cast:
    roles_ensure()
    # transactional_db flushes tables after each test, the migration-loaded regions included.
    if not Region.objects.exists():
        regions_load(Region, settings.REGISTRY_REGENCY_CODE)
    c = Cast()
    c.capil = Agency.objects.create(
        code="capil", name="Disdukcapil", kind=AgencyKind.CIVIL_REGISTRY
    )
    c.dinsos = Agency.objects.create(
        code="dinsos", name="Dinas Sosial", kind=AgencyKind.SOCIAL_AFFAIRS
    )
    c.bappeda = Agency.objects.create(code="bappeda", name="Bappeda", kind=AgencyKind.PLANNING)
    c.kominfo = Agency.objects.create(
        code="diskominfo", name="Diskominfo", kind=AgencyKind.DATA_CUSTODIAN
    )
    c.penduduk = Dataset.objects.create(
        agency=c.capil, name="penduduk", title="Data Penduduk", producer="Disdukcapil",
        access_level=AccessLevel.CLOSED,
    )  # fmt: skip
    c.dtks = Dataset.objects.create(
        agency=c.dinsos, name="dtks", title="DTKS", producer="Dinas Sosial",
        access_level=AccessLevel.RESTRICTED,
    )  # fmt: skip
    _import(c.penduduk, CAPIL_ROWS)
    # A changed row: the father moved house number, so CAP-1 gets a second version.
    moved = [list(CAPIL_ROWS[0])]
    moved[0][7] = "Jl. Ki Samaun No. 82"
    _import(c.penduduk, moved)
    _import(c.dtks, DTKS_ROWS)
    link(full=True)

    def user(name, role, agency=None):
        return account_create(
            actor=None, username=name, password=PASSWORD, role=role, agency=agency
        )

    c.users = {
        "walidata": user("walidata", Role.WALIDATA, c.kominfo),
        "operator": user("operator", Role.OPERATOR, c.capil),
        "analyst": user("analyst", Role.ANALYST, c.dinsos),
        "planner": user("planner", Role.PLANNER, c.bappeda),
        "auditor": user("auditor", Role.AUDITOR),
        "public": user("public", Role.PUBLIC),
    }
    record = SourceRecord.objects.get(agency=c.capil, source_record_id="CAP-1", is_current=True)
    c.father = record.link.person
    c.household = c.father.memberships.get().household
    # An id merged into the father: opening it must redirect to the survivor.
    c.merged = Person.objects.create(
        public_id="PMERGED000001", status=Person.Status.MERGED, merged_into=c.father
    )
    return c


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.WEB_UPLOAD_DIR = tmp_path / "uploads"
    return settings.WEB_UPLOAD_DIR


@pytest.fixture
def cast(db, upload_dir):
    return build_cast()


@pytest.fixture
def login(client):
    def _login(cast, role):
        client.force_login(cast.users[role])
        return client

    return _login


@pytest.fixture(autouse=True)
def default_language():
    """reverse() outside a request uses the thread's active language, which the previous
    test's last request may have left on English."""
    from django.utils import translation

    with translation.override("id"):
        yield
