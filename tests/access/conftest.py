"""Standing cast for access tests (architecture.md lesson 8): an owner agency holding the data,
a member agency granted its restricted dataset, an outsider agency with no access, plus the
walidata, a planner (granted, sees masked numbers), an auditor and a public user.

Data goes through the real importer and linker:
- capil/penduduk (closed): the Santoso family on one KK, plus name-variant persons;
- dinsos/dtks (restricted, granted to dinkes and bappeda): the father and son with PKH aid;
- dinsos/kasus (closed): a case-handling record of the mother (owner + walidata only);
- bappeda/statistik (open): one person nobody may see person-level.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from registry.ingest.headers import CANONICAL_FIELDS
from registry.ingest.reading import ParsedFile
from registry.linking import link
from registry.models import AccessLevel, Agency, AgencyKind, Dataset, Person, SourceRecord
from registry.roles import Role, roles_ensure
from registry.selectors import Purpose, viewer_for
from registry.selectors.search import search_page_for_user
from registry.services.accounts import account_create, grant_create
from registry.services.imports import records_import

# The exchange format's columns, in the order the importer documents them.
HEADER = list(CANONICAL_FIELDS)
KK = "3671010310080006"
FATHER_NIK = "3671013008740001"
MOTHER_NIK = "3671015802660001"
SON_NIK = "3671010206230001"
ADDR = "Jl. Ki Samaun No. 80"

CAPIL_ROWS = [
    ["CAP-1", FATHER_NIK, KK, "Inmam Santoso", "L", "Pandeglang", "1974-08-30", ADDR, "11", "12",
     "Sukarasa", "Tangerang", "KEPALA KELUARGA", "", "", "", "", ""],
    ["CAP-2", MOTHER_NIK, KK, "Fatimah", "P", "Tangerang", "1966-02-18", ADDR, "11", "12",
     "Sukarasa", "Tangerang", "ISTRI", "", "", "", "", ""],
    ["CAP-3", SON_NIK, KK, "Teguh Saputra", "L", "Tangerang", "2023-06-02", ADDR, "11", "12",
     "Sukarasa", "Tangerang", "ANAK", "", "", "", "", ""],
    ["CAP-4", "3671011505900001", "3671010101100001", "Muhammad Rizky Pratama", "L", "Tangerang",
     "1990-05-15", "Jl. Merdeka No. 3", "1", "2", "Sukarasa", "Tangerang", "KEPALA KELUARGA",
     "", "", "", "", ""],
    ["CAP-5", "3671011203550001", "3671010101100002", "Soekarno Hadi", "L", "Tangerang",
     "1955-03-12", "Jl. Merdeka No. 9", "1", "2", "Sukarasa", "Tangerang", "KEPALA KELUARGA",
     "", "", "", "", ""],
    ["CAP-6", "3671014107800001", "3671010101100003", "Siti Nurhaliza", "P", "Tangerang",
     "1980-07-01", "Jl. Merdeka No. 12", "1", "2", "Sukarasa", "Tangerang", "KEPALA KELUARGA",
     "", "", "", "", ""],
]  # fmt: skip
DTKS_ROWS = [
    ["DTKS-1", FATHER_NIK, KK, "INMAM SANTOSO", "L", "Pandeglang", "1974-08-30", ADDR, "11", "12",
     "Sukarasa", "Tangerang", "KEPALA KELUARGA", "", "2", "PKH", "2024-01", "750000"],
    ["DTKS-2", SON_NIK, KK, "Teguh Saputra", "L", "Tangerang", "2023-06-02", ADDR, "11", "12",
     "Sukarasa", "Tangerang", "ANAK", "", "2", "", "", ""],
]  # fmt: skip
KASUS_ROWS = [
    ["KAS-1", MOTHER_NIK, KK, "Fatimah", "P", "Tangerang", "1966-02-18", ADDR, "11", "12",
     "Sukarasa", "Tangerang", "ISTRI", "", "", "", "", ""],
]  # fmt: skip
OPEN_ROWS = [
    ["STAT-1", "3671016612880001", "3671010101100009", "Dewi Lestari", "P", "Tangerang",
     "1988-12-26", "Jl. Terbuka No. 1", "3", "4", "Sukarasa", "Tangerang", "KEPALA KELUARGA",
     "", "", "", "", ""],
]  # fmt: skip
PASSWORD = "kata-sandi-uji-yang-panjang-1"  # noqa: S105
PURPOSE = Purpose.parse("verifikasi-bansos", "uji akses")


def _parsed(rows) -> ParsedFile:
    return ParsedFile(
        rows=[(i + 2, dict(zip(HEADER, row, strict=True))) for i, row in enumerate(rows)]
    )


def import_rows(dataset, rows):
    outcome = records_import(dataset=dataset, parsed=_parsed(rows))
    assert outcome.batch.status == "imported", outcome.validation.errors
    return outcome


class Cast:
    """Agencies, datasets, users and persons of the access tests, by short name."""

    def viewer(self, name, **kwargs):
        return viewer_for(self.users[name], **kwargs)

    def person_of(self, agency_code, source_record_id) -> Person:
        record = SourceRecord.objects.select_related("link__person").get(
            agency__code=agency_code, source_record_id=source_record_id, is_current=True
        )
        return record.link.person


@pytest.fixture
def fast_hashing(settings):
    # Argon2 costs ~1 s per user on a busy box; one test checks the real hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db, fast_hashing):
    roles_ensure()
    c = Cast()
    c.capil = Agency.objects.create(
        code="capil", name="Disdukcapil", kind=AgencyKind.CIVIL_REGISTRY
    )
    c.dinsos = Agency.objects.create(
        code="dinsos", name="Dinas Sosial", kind=AgencyKind.SOCIAL_AFFAIRS
    )
    c.dinkes = Agency.objects.create(code="dinkes", name="Dinas Kesehatan", kind=AgencyKind.HEALTH)
    c.disdik = Agency.objects.create(
        code="disdik", name="Dinas Pendidikan", kind=AgencyKind.EDUCATION
    )
    c.bappeda = Agency.objects.create(code="bappeda", name="Bappeda", kind=AgencyKind.PLANNING)
    c.kominfo = Agency.objects.create(
        code="diskominfo", name="Diskominfo", kind=AgencyKind.DATA_CUSTODIAN
    )

    def dataset(agency, name, level):
        return Dataset.objects.create(
            agency=agency, name=name, title=name.upper(), producer=agency.name, access_level=level
        )

    c.penduduk = dataset(c.capil, "penduduk", AccessLevel.CLOSED)
    c.dtks = dataset(c.dinsos, "dtks", AccessLevel.RESTRICTED)
    c.kasus = dataset(c.dinsos, "kasus", AccessLevel.CLOSED)
    c.statistik = dataset(c.bappeda, "statistik", AccessLevel.OPEN)
    import_rows(c.penduduk, CAPIL_ROWS)
    import_rows(c.dtks, DTKS_ROWS)
    import_rows(c.kasus, KASUS_ROWS)
    import_rows(c.statistik, OPEN_ROWS)
    link(full=True)

    def user(name, role, agency=None):
        return account_create(
            actor=None, username=name, password=PASSWORD, role=role, agency=agency
        )

    c.users = {
        "walidata": user("walidata", Role.WALIDATA, c.kominfo),
        "capil_op": user("capil_op", Role.OPERATOR, c.capil),
        "owner": user("owner", Role.OPERATOR, c.dinsos),
        "owner_analyst": user("owner_analyst", Role.ANALYST, c.dinsos),
        "member": user("member", Role.ANALYST, c.dinkes),
        "outsider": user("outsider", Role.OPERATOR, c.disdik),
        "planner": user("planner", Role.PLANNER, c.bappeda),
        "auditor": user("auditor", Role.AUDITOR),
        "public": user("public", Role.PUBLIC),
    }
    walidata = c.users["walidata"]
    soon = timezone.now() + timedelta(days=30)
    c.member_grant = grant_create(
        actor=walidata, dataset=c.dtks, grantee=c.dinkes, purpose_code="verifikasi-bansos",
        purpose_text="verifikasi PBI-JK", expires_at=soon,
    )  # fmt: skip
    c.planner_grant = grant_create(
        actor=walidata, dataset=c.dtks, grantee=c.bappeda, purpose_code="perencanaan",
        purpose_text="perencanaan", expires_at=soon,
    )  # fmt: skip
    c.father = c.person_of("capil", "CAP-1")
    c.mother = c.person_of("capil", "CAP-2")
    c.son = c.person_of("capil", "CAP-3")
    c.open_person = c.person_of("bappeda", "STAT-1")
    return c


def search_hits(**kwargs):
    """The hits of the one search service (the API and the web page render it)."""
    return search_page_for_user(**kwargs).hits
