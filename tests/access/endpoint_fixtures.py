"""A small city for the endpoint matrix, built once per module through the real importer and
linker: one person per access level, each on a KK of their own (so one household each), an
owner agency, a member agency granted its restricted dataset, an outsider agency with a
closed dataset of its own, and one user (or API token) per role and agency position.

Access levels of the persons (the object dimension of the matrix):
- closed: only in dinsos/kasus (closed) -> owner (dinsos) and walidata;
- granted: only in dinsos/dtks (restricted, granted to dinkes and bappeda) -> plus the grantees;
- ungranted: only in dinsos/lansia (restricted, granted to nobody) -> owner and walidata;
- foreign: only in disdik/siswa (closed) -> the outsider agency (disdik) and walidata;
- open: only in bappeda/statistik (open) -> aggregates only, nobody person-level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from api.models import Submission
from api.services.tokens import token_create
from registry.linking import link
from registry.models import (
    AccessLevel,
    Agency,
    AgencyKind,
    Dataset,
    ImportBatch,
    Person,
    ReviewTask,
    SavedHouseholdQuery,
    SourceRecord,
)
from registry.roles import Role, roles_ensure
from registry.services.accounts import account_create, grant_create

from .conftest import HEADER, PASSWORD, import_rows

LEVELS = ("closed", "granted", "ungranted", "foreign", "open")


def _row(rid, nik, kk, name, sex, birth, *, decile="", program="", period="", amount=""):
    return dict(
        zip(
            HEADER,
            [rid, nik, kk, name, sex, "Tangerang", birth, f"Jl. Uji {rid}", "1", "2", "Sukarasa",
             "Tangerang", "KEPALA KELUARGA", "", decile, program, period, amount],
            strict=True,
        )
    )  # fmt: skip


# level -> (dataset key, row). NIKs agree with sex and birth date; names are far apart.
PERSON_ROWS = {
    "closed": ("kasus", _row("KAS-1", "3671011203700001", "3671010101200001", "Bambang Kusnadi",
                             "L", "1970-03-12")),
    "granted": ("dtks", _row("DTKS-1", "3671015506820002", "3671010101200002", "Sri Wahyuningsih",
                             "P", "1982-06-15", decile="8", program="PKH", period="2026-Q1",
                             amount="750000")),
    "ungranted": ("lansia", _row("LNS-1", "3671010904500003", "3671010101200003",
                                 "Joko Priyambodo", "L", "1950-04-09", decile="9",
                                 program="PKH", period="2026-Q1", amount="600000")),
    "foreign": ("siswa", _row("SIS-1", "3671016101100004", "3671010101200004",
                              "Ayu Kartikasari", "P", "2010-01-21")),
    "open": ("statistik", _row("STAT-1", "3671012207880005", "3671010101200005",
                               "Hendra Gunawan", "L", "1988-07-22")),
}  # fmt: skip

# name -> (role, agency code). Token viewers authenticate with their agency's API token.
VIEWERS = {
    "walidata": (Role.WALIDATA, "diskominfo"),
    "op_owner": (Role.OPERATOR, "dinsos"),
    "op_outsider": (Role.OPERATOR, "disdik"),
    "an_owner": (Role.ANALYST, "dinsos"),
    "an_granted": (Role.ANALYST, "dinkes"),
    "an_outsider": (Role.ANALYST, "disdik"),
    "pl_granted": (Role.PLANNER, "bappeda"),
    "auditor": (Role.AUDITOR, None),
    "public": (Role.PUBLIC, None),
    "dpo": (Role.DPO, None),
    "anonymous": (None, None),
}
TOKEN_VIEWERS = {
    "tok_owner": (Role.OPERATOR, "dinsos"),
    "tok_granted": (Role.OPERATOR, "dinkes"),
    "tok_outsider": (Role.OPERATOR, "disdik"),
}

# Which person levels each viewer may see person-level (the expected answer, written out by
# hand rather than computed by the code under test).
OWNER_LEVELS = frozenset({"closed", "granted", "ungranted"})
VISIBLE = {
    "walidata": frozenset({"closed", "granted", "ungranted", "foreign"}),
    "op_owner": OWNER_LEVELS,
    "an_owner": OWNER_LEVELS,
    "tok_owner": OWNER_LEVELS,
    "op_outsider": frozenset({"foreign"}),
    "an_outsider": frozenset({"foreign"}),
    "tok_outsider": frozenset({"foreign"}),
    "an_granted": frozenset({"granted"}),
    "tok_granted": frozenset({"granted"}),
    "pl_granted": frozenset({"granted"}),
    "auditor": frozenset(),
    "public": frozenset(),
    "dpo": frozenset(),  # the data protection officer: registers, never a profile
    "anonymous": frozenset(),
}
MASKED_VIEWERS = frozenset({"pl_granted"})


@dataclass
class PersonFacts:
    level: str
    public_id: str
    household_id: str
    nik: str
    name: str
    birth_date: str


@dataclass
class City:
    agencies: dict[str, Agency] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    persons: dict[str, PersonFacts] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # viewer name -> secret
    batches: dict[str, int] = field(default_factory=dict)  # agency code -> batch id
    jobs: dict[str, str] = field(default_factory=dict)  # agency code -> submission uuid
    spare_token_id: int = 0
    task_id: int = 0
    saved_query_id: int = 0

    def agency_of(self, viewer: str) -> str | None:
        spec = VIEWERS.get(viewer) or TOKEN_VIEWERS.get(viewer)
        return spec[1] if spec else None

    def role_of(self, viewer: str) -> str | None:
        spec = VIEWERS.get(viewer) or TOKEN_VIEWERS.get(viewer)
        return str(spec[0]) if spec and spec[0] else None


def build_city() -> City:
    roles_ensure()
    c = City()
    for code, kind in (
        ("dinsos", AgencyKind.SOCIAL_AFFAIRS),
        ("dinkes", AgencyKind.HEALTH),
        ("disdik", AgencyKind.EDUCATION),
        ("bappeda", AgencyKind.PLANNING),
        ("diskominfo", AgencyKind.DATA_CUSTODIAN),
    ):
        c.agencies[code] = Agency.objects.create(code=code, name=code.title(), kind=kind)

    def dataset(key, agency, level):
        c.datasets[key] = Dataset.objects.create(
            agency=c.agencies[agency], name=key, title=key.upper(), producer=agency,
            access_level=level,
        )  # fmt: skip

    dataset("kasus", "dinsos", AccessLevel.CLOSED)
    dataset("dtks", "dinsos", AccessLevel.RESTRICTED)
    dataset("lansia", "dinsos", AccessLevel.RESTRICTED)
    dataset("siswa", "disdik", AccessLevel.CLOSED)
    dataset("statistik", "bappeda", AccessLevel.OPEN)
    for key, row in PERSON_ROWS.values():
        import_rows(c.datasets[key], [[row[h] for h in HEADER]])
    link(full=True)

    for name, (role, agency) in VIEWERS.items():
        if role is None:
            continue
        c.users[name] = account_create(
            actor=None, username=name, password=PASSWORD, role=role,
            agency=c.agencies[agency] if agency else None,
        )  # fmt: skip
    walidata = c.users["walidata"]
    soon = timezone.now() + timedelta(days=30)
    for grantee in ("dinkes", "bappeda"):
        grant_create(
            actor=walidata, dataset=c.datasets["dtks"], grantee=c.agencies[grantee],
            purpose_code="verifikasi-bansos", purpose_text="uji matriks", expires_at=soon,
        )  # fmt: skip
    for name, (_role, agency) in TOKEN_VIEWERS.items():
        issued = token_create(actor=None, agency=c.agencies[agency], name=f"{name} token")
        c.tokens[name] = issued.secret
    c.spare_token_id = token_create(actor=None, agency=c.agencies["dinsos"], name="spare").token.pk

    for level, (key, row) in PERSON_ROWS.items():
        record = SourceRecord.objects.get(
            dataset=c.datasets[key], source_record_id=row["source_record_id"], is_current=True
        )
        person: Person = record.link.person
        membership = person.memberships.select_related("household").first()
        c.persons[level] = PersonFacts(
            level=level,
            public_id=person.public_id,
            household_id=membership.household.public_id if membership else "",
            nik=row["nik"],
            name=row["full_name"],
            birth_date=row["birth_date"],
        )
    for code in ("dinsos", "disdik"):
        batch = ImportBatch.objects.filter(agency__code=code).order_by("pk").first()
        c.batches[code] = batch.pk
        job = Submission.objects.create(
            agency=c.agencies[code], dataset=batch.dataset, idempotency_key=f"matrix-{code}",
            request_sha256="0" * 64, status=Submission.Status.SUCCEEDED, batch=batch,
        )  # fmt: skip
        c.jobs[code] = str(job.public_id)
    # A review pair (walidata only) between the closed and the ungranted person's records.
    a = SourceRecord.objects.get(source_record_id="KAS-1", is_current=True)
    b = SourceRecord.objects.get(source_record_id="LNS-1", is_current=True)
    c.task_id = ReviewTask.objects.create(record_a=a, record_b=b, probability=0.5).pk
    c.saved_query_id = SavedHouseholdQuery.objects.create(
        owner=c.users["pl_granted"], name="matriks", filters={}
    ).pk
    return c
