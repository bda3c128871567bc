"""The five agencies: who appears in each one's file, and the shape of that file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from registry.citygen.noise import CIVIL_REGISTRY_RATES, NoiseRates
from registry.citygen.population import (
    CHILD,
    HEAD,
    WIFE,
    PopulationChunk,
)

# Programs and periods are stored as small integer codes on rows; 0 means "none".
PROGRAMS = ("", "PKH", "BPNT", "PBI-JK", "BLT", "KIP")
NO_PROGRAM, PKH, BPNT, PBI_JK, BLT, KIP = range(len(PROGRAMS))
PERIODS = ("", "2026-Q1", "2026-Q2", "2026-Q3", "2026-09")
PERIOD_STARTS = np.array(
    ["NaT", "2026-01-01", "2026-04-01", "2026-07-01", "2026-09-01"], dtype="datetime64[D]"
)
QUARTERS = (1, 2, 3)
BPJS_PERIOD = 4

PKH_AMOUNTS = np.array([750_000, 225_000, 375_000, 500_000, 600_000])
BPNT_AMOUNT = 600_000  # Rp200,000 a month
BLT_AMOUNT = 900_000  # Rp300,000 a month
PBI_JK_QUARTER = 126_000  # Rp42,000 a month
PBI_JK_MONTH = 42_000


@dataclass(frozen=True)
class FileShape:
    delimiter: str = ","
    bom: bool = False
    indonesian_headers: bool = False
    rt_rw_combined: bool = False
    rt_width: int = 3  # zero padding of RT/RW ("003"); 0 = none ("3")
    date_formats: tuple[tuple[str, float], ...] = (("iso", 1.0),)  # iso | dmy-dash | dmy-slash
    sex_labels: tuple[tuple[str, str, float], ...] = (("L", "P", 1.0),)
    name_case: str = "title"  # usual case of names: upper | title
    region_case: str = "title"  # upper | title | code (Kemendagri code instead of the name)


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    kind: str
    file: str
    dataset_name: str
    dataset_title: str
    id_prefix: str
    columns: tuple[str, ...]  # canonical names; "rt_rw" is RT and RW in one column
    shape: FileShape
    rates: NoiseRates
    shuffle: bool = True  # rows in random order (else grouped by household, like a KK print)


IDENTITY = (
    "source_record_id", "nik", "kk_number", "full_name", "sex", "birth_place", "birth_date",
    "address", "rt", "rw", "kelurahan", "kecamatan",
)  # fmt: skip

INDONESIAN_HEADERS = {
    "source_record_id": "ID",
    "nik": "NIK",
    "kk_number": "NO KK",
    "full_name": "NAMA LENGKAP",
    "sex": "JENIS KELAMIN",
    "birth_place": "TEMPAT LAHIR",
    "birth_date": "TGL LAHIR",
    "address": "ALAMAT",
    "rt": "RT",
    "rw": "RW",
    "rt_rw": "RT/RW",
    "kelurahan": "KELURAHAN",
    "kecamatan": "KECAMATAN",
    "relationship": "SHDK",
    "death_date": "TANGGAL KEMATIAN",
    "welfare_decile": "DESIL",
    "program": "JENIS BANTUAN",
    "period": "PERIODE",
    "amount": "NOMINAL",
}

AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec(
        code="disdukcapil",
        name="Dinas Kependudukan dan Pencatatan Sipil Kota Tangerang",
        kind="civil_registry",
        file="disdukcapil.csv",
        dataset_name="data-penduduk-2026",
        dataset_title="Data Penduduk dan Kartu Keluarga Kota Tangerang 2026",
        id_prefix="DUK-",
        columns=(*IDENTITY, "relationship", "death_date"),
        shape=FileShape(name_case="upper", region_case="upper"),
        rates=CIVIL_REGISTRY_RATES,
        shuffle=False,
    ),
    AgencySpec(
        code="dinsos",
        name="Dinas Sosial Kota Tangerang",
        kind="social_affairs",
        file="dinsos.csv",
        dataset_name="penerima-bansos-2026",
        dataset_title="Penerima Bantuan Sosial (DTSEN desil 1-5) 2026",
        id_prefix="DINSOS-",
        columns=(
            *IDENTITY[:8],
            "rt_rw",
            "kelurahan",
            "kecamatan",
            "relationship",
            "welfare_decile",
            "program",
            "period",
            "amount",
        ),  # fmt: skip
        shape=FileShape(
            indonesian_headers=True,
            rt_rw_combined=True,
            date_formats=(("dmy-slash", 0.5), ("dmy-dash", 0.4), ("iso", 0.1)),
            sex_labels=(("LAKI-LAKI", "PEREMPUAN", 0.6), ("L", "P", 0.4)),
        ),
        rates=NoiseRates(name_case=0.3, nik_excel=0.05, kk_excel=0.15, nik_missing=0.06),
        shuffle=False,
    ),
    AgencySpec(
        code="dinkes",
        name="Dinas Kesehatan Kota Tangerang",
        kind="health",
        file="dinkes.csv",
        dataset_name="kunjungan-faskes-2026",
        dataset_title="Kunjungan Puskesmas dan Posyandu 2026",
        id_prefix="RM",
        columns=IDENTITY,
        shape=FileShape(
            delimiter=";",
            rt_width=0,
            date_formats=(("dmy-dash", 1.0),),
            sex_labels=(("1", "2", 1.0),),
        ),
        rates=NoiseRates(nik_missing=0.08),
    ),
    AgencySpec(
        code="disdik",
        name="Dinas Pendidikan Kota Tangerang",
        kind="education",
        file="disdik.csv",
        dataset_name="peserta-didik-2026",
        dataset_title="Peserta Didik SD/SMP/SMA Kota Tangerang 2025/2026",
        id_prefix="PD-",
        columns=(*IDENTITY, "relationship"),
        shape=FileShape(bom=True, date_formats=(("dmy-slash", 1.0),), name_case="upper"),
        rates=NoiseRates(title=0.0, moved=0.05),
    ),
    AgencySpec(
        code="bpjs",
        name="BPJS Kesehatan Cabang Tangerang (data kepesertaan JKN)",
        kind="health_insurance",
        file="bpjs.csv",
        dataset_name="kepesertaan-jkn-2026",
        dataset_title="Kepesertaan JKN Penduduk Kota Tangerang September 2026",
        id_prefix="JKN",
        columns=(
            "source_record_id",
            "nik",
            "kk_number",
            "full_name",
            "sex",
            "birth_date",
            "address",
            "rt",
            "rw",
            "kelurahan",
            "kecamatan",
            "relationship",
            "program",
            "period",
            "amount",
        ),  # fmt: skip
        shape=FileShape(rt_width=0, name_case="upper", region_case="code"),
        rates=NoiseRates(nik_missing=0.02, birth_place_missing=0.0),
    ),
)


@dataclass
class Rows:
    """One agency's rows for a chunk, before noise: who, and which aid receipt if any."""

    person: np.ndarray  # chunk-local person index
    program: np.ndarray  # index into PROGRAMS
    period: np.ndarray  # index into PERIODS
    amount: np.ndarray  # rupiah, 0 = none
    deceased_aid: np.ndarray  # bool: kept only because aid continued after death

    @classmethod
    def of_persons(cls, person: np.ndarray) -> Rows:
        n = len(person)
        zeros = np.zeros(n, dtype=np.int64)
        return cls(person, zeros, zeros.copy(), zeros.copy(), np.zeros(n, dtype=bool))

    def take(self, index: np.ndarray) -> Rows:
        return Rows(
            self.person[index],
            self.program[index],
            self.period[index],
            self.amount[index],
            self.deceased_aid[index],
        )

    def __len__(self) -> int:
        return len(self.person)


def select_rows(
    spec: AgencySpec, chunk: PopulationChunk, rng: np.random.Generator, rates: NoiseRates
) -> Rows:
    selectors = {
        "civil_registry": _civil_registry,
        "social_affairs": _social_affairs,
        "health": _health,
        "education": _education,
        "health_insurance": _health_insurance,
    }
    return selectors[spec.kind](chunk, rng, rates)


def _civil_registry(chunk: PopulationChunk, rng: np.random.Generator, rates: NoiseRates) -> Rows:
    return Rows.of_persons(np.arange(chunk.persons.count))


def _health(chunk: PopulationChunk, rng: np.random.Generator, rates: NoiseRates) -> Rows:
    """Clinic and posyandu visits, one row each: toddlers and the elderly come most."""
    age = chunk.persons.age
    p = np.select([age < 5, age < 15, age < 60], [0.7, 0.25, 0.2], 0.55)
    chosen = np.flatnonzero(rng.random(len(age)) < p)
    lam = np.where(age[chosen] < 5, 1.5, 0.3)
    visits = (1 + rng.poisson(lam)).clip(max=6)
    return Rows.of_persons(np.repeat(chosen, visits))


def _education(chunk: PopulationChunk, rng: np.random.Generator, rates: NoiseRates) -> Rows:
    """Enrolled school-age children (6-18); poorer children are enrolled less often."""
    persons = chunk.persons
    age = persons.age
    decile = chunk.households.decile[persons.household]
    enrolled = rng.random(len(age)) < np.where(decile <= 4, 0.85, 0.94)
    alive = np.isnat(persons.death)
    return Rows.of_persons(np.flatnonzero((age >= 6) & (age < 19) & enrolled & alive))


def _health_insurance(chunk: PopulationChunk, rng: np.random.Generator, rates: NoiseRates) -> Rows:
    """JKN members: PBI-JK (premium paid by the state) for the poor, others ~60 %."""
    persons = chunk.persons
    decile = chunk.households.decile[persons.household]
    draw = rng.random(persons.count)
    pbi = (decile <= 4) & (draw < 0.85)
    member = pbi | ((decile > 4) & (draw < 0.55))
    # Deaths reach the list late: half of those who died before the period are still there.
    stale = rng.random(persons.count) < 0.5
    died_before = persons.death < PERIOD_STARTS[BPJS_PERIOD]
    member &= ~died_before | stale
    index = np.flatnonzero(member)
    rows = Rows.of_persons(index)
    rows.program[pbi[index]] = PBI_JK
    rows.period[pbi[index]] = BPJS_PERIOD
    rows.amount[pbi[index]] = PBI_JK_MONTH
    return rows


def _social_affairs(chunk: PopulationChunk, rng: np.random.Generator, rates: NoiseRates) -> Rows:
    """One row per aid receipt for DTSEN desil 1-5 households."""
    persons, households = chunk.persons, chunk.households
    n_hh = households.count
    age = persons.age
    hh_of = persons.household
    heads = np.flatnonzero(persons.role == HEAD)  # one per household, in household order
    second = np.minimum(heads + 1, persons.count - 1)
    has_wife = (persons.role[second] == WIFE) & (hh_of[second] == np.arange(n_hh))
    recipient = np.where(has_wife, second, heads)  # aid is paid to the mother where there is one
    dependants = np.bincount(hh_of, weights=(age < 18) | (age >= 60), minlength=n_hh) > 0
    decile = households.decile

    parts: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]] = []

    def household_program(eligible: np.ndarray, p: float, program: int, amount: np.ndarray) -> None:
        chosen = np.flatnonzero(eligible & (rng.random(n_hh) < p))
        for quarter in QUARTERS:
            paid = chosen[rng.random(len(chosen)) < 0.9]
            if program == BLT and quarter == 3:
                continue
            parts.append((recipient[paid], program, np.full(len(paid), quarter), amount[paid]))

    pkh_amount = PKH_AMOUNTS[rng.integers(0, len(PKH_AMOUNTS), n_hh)]
    household_program((decile <= 4) & dependants, 0.45, PKH, pkh_amount)
    household_program(decile <= 5, 0.40, BPNT, np.full(n_hh, BPNT_AMOUNT))
    household_program(decile <= 3, 0.30, BLT, np.full(n_hh, BLT_AMOUNT))

    person_decile = decile[hh_of]
    pbi = np.flatnonzero((person_decile <= 2) & (rng.random(persons.count) < 0.4))
    for quarter in QUARTERS:
        paid = pbi[rng.random(len(pbi)) < 0.95]
        parts.append(
            (paid, PBI_JK, np.full(len(paid), quarter), np.full(len(paid), PBI_JK_QUARTER))
        )

    pupils = (age >= 6) & (age < 19) & (person_decile <= 4) & (persons.role == CHILD)
    kip = np.flatnonzero(pupils & (rng.random(persons.count) < 0.5))
    kip_amount = np.select([age[kip] < 12, age[kip] < 15], [450_000, 750_000], 1_800_000)
    parts.append((kip, KIP, np.full(len(kip), 3), kip_amount))

    person = np.concatenate([p for p, _, _, _ in parts])
    program = np.concatenate([np.full(len(p), code) for p, code, _, _ in parts])
    period = np.concatenate([q for _, _, q, _ in parts]).astype(np.int64)
    amount = np.concatenate([a for _, _, _, a in parts]).astype(np.int64)

    # Receipts stop at death, except for the share whose aid goes on.
    after_death = persons.death[person] < PERIOD_STARTS[period]
    continues = rng.random(persons.count) < rates.deceased_aid
    keep = ~after_death | continues[person]
    rows = Rows(person, program, period, amount, after_death & continues[person])
    rows = rows.take(np.flatnonzero(keep))
    order = np.lexsort((rows.period, rows.program, rows.person))
    return rows.take(order)
