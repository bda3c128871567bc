"""A small hand-built city with known answers for every report.

Households (kelurahan 36.71.01.1001 unless noted; deciles as Dinsos's records state them):
  H1 decile 2: P1 head, male 1960, died 2026-02-10 (civil registry); P2 wife, female 1965;
               P3 child, male 2012, no school record.
  H2 decile 8 (36.71.01.1002): P4 female 1980, receives BPNT 2026-Q1 -> high decile.
  H3 decile 3: P5 male 1990; P6 child female 2015 with a school record; no aid at all.
  H4 decile 1: P7 female 1985, PKH + BPNT + BLT in 2026-Q2 -> program overlap.
Aid (dinsos): P1 PKH 2026-Q1 (before death) and 2026-Q2 (after death); P2 PKH 2026-Q1 through
two records (double payment); P4 BPNT 2026-Q1; P7 PKH/BPNT/BLT 2026-Q2.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from registry.models import (
    AccessLevel,
    Agency,
    AgencyKind,
    AidReceipt,
    Dataset,
    Household,
    ImportBatch,
    Membership,
    Person,
    RecordLink,
    SourceRecord,
    UserProfile,
)
from registry.roles import Role, agency_group_name
from registry.selectors import Purpose, viewer_for
from registry.services.accounts import grant_create

KEL1 = "36.71.01.1001"
KEL2 = "36.71.01.1002"
KEC = "36.71.01"
PURPOSE = Purpose(code="verifikasi-bansos", text="uji laporan")

_counter = itertools.count(1)


@dataclass
class City:
    agencies: dict[str, Agency] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    batches: dict[str, ImportBatch] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)

    def record(self, agency: str, person: str | None, **values) -> SourceRecord:
        n = next(_counter)
        dataset = values.pop("dataset", None) or self.datasets[agency]
        p = self.persons.get(person) if person else None
        defaults = {}
        if p is not None:
            defaults = {
                "nik": p.nik,
                "nik_reliable": bool(p.nik),
                "kk_number": p.kk_number,
                "full_name": p.full_name,
                "name_key": p.name_key,
                "sex": p.sex,
                "birth_date": p.birth_date,
                "kelurahan_code": p.kelurahan_code,
                "kecamatan_code": p.kecamatan_code,
            }
        if agency == "dinsos" and person in PERSONS:
            # Deciles come from the social affairs office's records (DTSEN), as in real data;
            # the Household rows' golden deciles are never what a report reads.
            defaults["welfare_decile"] = HOUSEHOLDS[PERSONS[person][0]][0]
        defaults.update(values)
        record = SourceRecord.objects.create(
            agency=self.agencies[agency],
            dataset=dataset,
            batch=self.batches[agency],
            source_record_id=f"{agency.upper()}-{n}",
            content_hash=f"h{n}",
            line_number=n,
            original={},
            **defaults,
        )
        if p is not None:
            RecordLink.objects.create(record=record, person=p)
        return record

    def aid(self, person: str, program: str, period: str, amount: int = 100_000):
        rec = self.record("dinsos", person, program=program, period=period, amount=amount)
        return AidReceipt.objects.create(
            source_record=rec,
            agency=rec.agency,
            program=program,
            period=period,
            amount=amount,
            person=self.persons.get(person) if person else None,  # the record's link
        )

    def viewer(self, role: str):
        return viewer_for(self.users[role], ip="10.0.0.1", user_agent="pytest")


AGENCIES = {
    "disdukcapil": AgencyKind.CIVIL_REGISTRY,
    "dinsos": AgencyKind.SOCIAL_AFFAIRS,
    "disdik": AgencyKind.EDUCATION,
    "bpjs": AgencyKind.HEALTH_INSURANCE,
    "dinkes": AgencyKind.HEALTH,
    "bappeda": AgencyKind.PLANNING,
    "diskominfo": AgencyKind.DATA_CUSTODIAN,
}

PERSONS = {
    # key: (household, relationship, sex, birth, death, kelurahan)
    "P1": ("H1", "kepala", "L", dt.date(1960, 5, 1), dt.date(2026, 2, 10), KEL1),
    "P2": ("H1", "istri", "P", dt.date(1965, 6, 1), None, KEL1),
    "P3": ("H1", "anak", "L", dt.date(2012, 3, 1), None, KEL1),
    "P4": ("H2", "kepala", "P", dt.date(1980, 1, 1), None, KEL2),
    "P5": ("H3", "kepala", "L", dt.date(1990, 1, 1), None, KEL1),
    "P6": ("H3", "anak", "P", dt.date(2015, 1, 1), None, KEL1),
    "P7": ("H4", "kepala", "P", dt.date(1985, 1, 1), None, KEL1),
}
HOUSEHOLDS = {"H1": (2, KEL1), "H2": (8, KEL2), "H3": (3, KEL1), "H4": (1, KEL1)}


def nik_for(birth: dt.date, sex: str, serial: int) -> str:
    """A NIK consistent with its holder: district 36.71.01, birth date (day + 40 for women)."""
    day = birth.day + (40 if sex == "P" else 0)
    return f"367101{day:02d}{birth:%m%y}{serial:04d}"


def make_user(city: City, key: str, role: str, agency: str | None):
    user = get_user_model().objects.create_user(username=f"u_{key}", password="x" * 16)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    if agency:  # the agency group carries the agency's dataset grants
        user.groups.add(Group.objects.get_or_create(name=agency_group_name(agency))[0])
    UserProfile.objects.create(user=user, agency=city.agencies[agency] if agency else None)
    city.users[key] = user
    return user


@pytest.fixture
def city(db) -> City:
    c = City()
    for code, kind in AGENCIES.items():
        c.agencies[code] = Agency.objects.create(code=code, name=code.title(), kind=kind)
        c.datasets[code] = Dataset.objects.create(
            agency=c.agencies[code],
            name=f"{code}-data",
            title=f"{code} data",
            producer=code,
            access_level=AccessLevel.CLOSED,
        )
        c.batches[code] = ImportBatch.objects.create(
            agency=c.agencies[code],
            dataset=c.datasets[code],
            status=ImportBatch.Status.IMPORTED,
            rows_total=10,
            rows_invalid=1 if code == "dinsos" else 0,
        )
    for key, (decile, kel) in HOUSEHOLDS.items():
        c.households[key] = Household.objects.create(
            public_id=f"HH{key}",
            kk_number=f"36710112000000{key[1]}0",
            kelurahan_code=kel,
            kecamatan_code=KEC,
            welfare_decile=decile,
            rw=1,
            rt=2,
        )
    for i, (key, (hh, rel, sex, birth, death, kel)) in enumerate(PERSONS.items(), start=1):
        person = Person.objects.create(
            public_id=f"PX{key}",
            nik=nik_for(birth, sex, i),
            kk_number=c.households[hh].kk_number,
            full_name=f"Warga {key}",
            name_key=f"warga {key.lower()}",
            sex=sex,
            birth_date=birth,
            death_date=death,
            kelurahan_code=kel,
            kecamatan_code=KEC,
        )
        c.persons[key] = person
        Membership.objects.create(household=c.households[hh], person=person, relationship=rel)
        c.record("disdukcapil", key, death_date=death)
    c.record("disdik", "P6")
    c.record("bpjs", "P2")
    c.record("bpjs", "P4")
    # Aid
    c.aid("P1", "PKH", "2026-Q1")
    c.aid("P1", "PKH", "2026-Q2")
    c.aid("P2", "PKH", "2026-Q1")
    c.aid("P2", "PKH", "2026-Q1")
    c.aid("P4", "BPNT", "2026-Q1")
    for program in ("PKH", "BPNT", "BLT"):
        c.aid("P7", program, "2026-Q2")
    # Data-quality cases at dinsos: an invalid NIK row, a NIK one digit off the civil
    # registry's, a name and a birth date disagreeing with the linked person.
    c.record("dinsos", None, nik="3671", nik_reliable=False, flags=["nik:bad_length"])
    c.record("dinsos", "P5", nik=c.persons["P5"].nik[:-1] + "9")
    c.record("dinsos", "P6", name_key="nama lain")
    c.record("dinsos", "P3", birth_date=dt.date(2012, 3, 2))

    walidata = make_user(c, "walidata", Role.WALIDATA, "diskominfo")
    make_user(c, "analyst", Role.ANALYST, "dinsos")
    make_user(c, "analyst_other", Role.ANALYST, "dinkes")
    make_user(c, "planner", Role.PLANNER, "bappeda")
    make_user(c, "operator", Role.OPERATOR, "dinsos")
    make_user(c, "auditor", Role.AUDITOR, None)
    make_user(c, "public", Role.PUBLIC, None)
    # The civil registry shares its death register (restricted) with Dinsos: the evidence of
    # the deceased check. Its closed population register is the civil registry's alone.
    c.datasets["kematian"] = Dataset.objects.create(
        agency=c.agencies["disdukcapil"], name="kematian", title="kematian",
        producer="disdukcapil", access_level=AccessLevel.RESTRICTED,
    )  # fmt: skip
    grant_create(
        actor=walidata, dataset=c.datasets["kematian"], grantee=c.agencies["dinsos"],
        purpose_code="verifikasi-bansos", purpose_text="cek kematian penerima",
        expires_at=timezone.now() + dt.timedelta(days=30),
    )  # fmt: skip
    c.record("disdukcapil", "P1", dataset=c.datasets["kematian"], death_date=dt.date(2026, 2, 10))
    return c


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Seven users per test: argon2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
