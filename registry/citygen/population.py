"""The true population: households (one KK each) and their members, generated chunk by chunk.

Everything numeric is vectorised with numpy; only names are built in a Python loop. NIK and KK
serials come from counters shared by all chunks, so identifiers are unique city-wide.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from registry.citygen import names
from registry.citygen.addresses import STREET_NAMES, canonical_address
from registry.citygen.regions import City

REFERENCE_DATE = np.datetime64("2026-09-30")  # "today" of the generated city
DEATH_WINDOW_DAYS = 730  # the civil registry keeps people who died in the last two years
OLDEST_BIRTH = np.datetime64("1928-01-01")
KK_EARLIEST = np.datetime64("2000-01-01")
DAYS_PER_YEAR = 365.25

HEAD, WIFE, HUSBAND, CHILD, PARENT, OTHER_RELATIVE = range(6)
RELATIONSHIPS = ("KEPALA KELUARGA", "ISTRI", "SUAMI", "ANAK", "ORANG TUA", "FAMILI LAIN")

HOUSEHOLD_SIZES = np.arange(1, 8)
HOUSEHOLD_SIZE_WEIGHTS = np.array([0.10, 0.17, 0.22, 0.24, 0.15, 0.08, 0.04])
DECILE_WEIGHTS = np.array([0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12, 0.12, 0.12, 0.13])
NIK_DISTRICT_IS_CURRENT = 0.85  # share of people first registered in their current kecamatan
NIK_DATE_DIFFERS = 0.002  # NIK date legitimately differs from the true birth date
BORN_IN_CITY_YOUNG = 0.7
BORN_IN_CITY_OLD = 0.35


class SerialCounters:
    """Next free serial per (district, date, sex) for NIKs and per (district, date) for KKs."""

    def __init__(self, districts: int) -> None:
        self.nik = np.zeros(districts * 100 * 12 * 31 * 2, dtype=np.int32)
        self.kk = np.zeros(districts * 100 * 12 * 31, dtype=np.int32)


@dataclass
class Households:
    count: int
    kecamatan: np.ndarray  # index into City.kecamatan
    kelurahan: np.ndarray  # index into City.kelurahan
    street: np.ndarray
    house_number: np.ndarray
    rt: np.ndarray
    rw: np.ndarray
    decile: np.ndarray  # DTSEN welfare decile 1..10
    kk: np.ndarray  # object array of 16-digit strings
    address: np.ndarray  # object array, canonical "Jl. X No. 12"


@dataclass
class Persons:
    count: int
    first_key: int  # global index of the first person of this chunk
    household: np.ndarray  # index into the chunk's Households
    role: np.ndarray  # index into RELATIONSHIPS
    female: np.ndarray  # bool
    birth: np.ndarray  # datetime64[D]
    death: np.ndarray  # datetime64[D], NaT when alive
    nik: np.ndarray  # object array of 16-digit strings
    nik_date_differs: np.ndarray  # bool: the NIK encodes another date than the birth date
    name: np.ndarray  # object array, canonical title case
    birth_place: np.ndarray  # object array
    # adversarial city: a household other agencies may still list the person in (-1: none)
    former_household: np.ndarray | None = None

    @property
    def age(self) -> np.ndarray:
        return (REFERENCE_DATE - self.birth).astype(np.int64) / DAYS_PER_YEAR

    @property
    def keys(self) -> np.ndarray:
        return np.arange(self.first_key, self.first_key + self.count, dtype=np.int64)


@dataclass
class PopulationChunk:
    households: Households
    persons: Persons


def date_parts(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1-12) and day (1-31) of a datetime64[D] array."""
    months = dates.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def assign_serials(keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """Serial numbers 1, 2, ... per key, continuing from (and advancing) the shared counters."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    unique, first, counts = np.unique(sorted_keys, return_index=True, return_counts=True)
    rank = np.arange(len(keys)) - np.repeat(first, counts)
    serial_sorted = counters[sorted_keys] + rank + 1
    counters[unique] += counts.astype(counters.dtype)
    serial = np.empty_like(serial_sorted)
    serial[order] = serial_sorted
    if serial.size and serial.max() > 9999:
        raise ValueError("more than 9999 identifiers for one district, date and sex")
    return serial


def identifier_numbers(
    district: np.ndarray, dates: np.ndarray, day_offset: np.ndarray, serial: np.ndarray
) -> np.ndarray:
    """16-digit numbers 36 71 CC DD MM YY SSSS as strings (CC is 1-based district)."""
    year, month, day = date_parts(dates)
    number = (
        3671 * 10**12
        + (district + 1) * 10**10
        + (day + day_offset) * 10**8
        + month * 10**6
        + (year % 100) * 10**4
        + serial
    )
    return number.astype(np.int64).astype(str).astype(object)


def date_keys(district: np.ndarray, dates: np.ndarray) -> np.ndarray:
    year, month, day = date_parts(dates)
    return ((district * 100 + year % 100) * 12 + (month - 1)) * 31 + (day - 1)


def days(years: np.ndarray) -> np.ndarray:
    return np.round(years * DAYS_PER_YEAR).astype("timedelta64[D]")


def generate_chunk(
    city: City,
    persons_wanted: int,
    first_key: int,
    counters: SerialCounters,
    rng: np.random.Generator,
    rnd: random.Random,
) -> PopulationChunk:
    households = _draw_household_sizes(persons_wanted, rng)
    n_hh = len(households)
    n = int(households.sum())
    hh_of = np.repeat(np.arange(n_hh), households)
    starts = np.cumsum(households) - households
    slot = np.arange(n) - starts[hh_of]
    size = households[hh_of]

    has_spouse = (households >= 2) & (rng.random(n_hh) < 0.85)
    has_parent = (households >= 3) & (rng.random(n_hh) < 0.12)
    has_other = (households >= 3) & (rng.random(n_hh) < 0.08)
    first_free = 1 + has_spouse[hh_of]
    role = np.full(n, CHILD, dtype=np.int8)
    role[has_other[hh_of] & (slot == size - 1 - has_parent[hh_of]) & (slot >= first_free)] = (
        OTHER_RELATIVE
    )
    role[has_parent[hh_of] & (slot == size - 1) & (slot >= first_free)] = PARENT
    head_male = rng.random(n_hh) < np.where(has_spouse, 0.88, 0.45)
    role[has_spouse[hh_of] & (slot == 1)] = np.where(head_male[hh_of], WIFE, HUSBAND)[
        has_spouse[hh_of] & (slot == 1)
    ]
    role[slot == 0] = HEAD

    # Ages in years at the reference date.
    head_age = np.where(households == 1, rng.normal(42, 16, n_hh), rng.normal(44, 12, n_hh)).clip(
        19, 90
    )
    spouse_age = (head_age + np.where(head_male, -3, 3) + rng.normal(0, 3.5, n_hh)).clip(17, 95)
    parent_age = np.where(has_spouse, np.minimum(head_age, spouse_age), head_age)
    child_span = (parent_age - 18).clip(0.3, 32)
    age = np.empty(n)
    age[:] = rng.random(n) * child_span[hh_of]
    is_head = role == HEAD
    age[is_head] = head_age[hh_of[is_head]]
    is_spouse = (role == WIFE) | (role == HUSBAND)
    age[is_spouse] = spouse_age[hh_of[is_spouse]]
    is_parent = role == PARENT
    age[is_parent] = (head_age[hh_of[is_parent]] + rng.uniform(20, 32, int(is_parent.sum()))).clip(
        max=97
    )
    is_other = role == OTHER_RELATIVE
    age[is_other] = rng.uniform(1, 70, int(is_other.sum()))

    female = rng.random(n) < 0.5
    female[is_head] = ~head_male[hh_of[is_head]]
    female[is_spouse] = role[is_spouse] == WIFE
    female[is_parent] = rng.random(int(is_parent.sum())) < 0.65

    birth = REFERENCE_DATE - days(age) - rng.integers(0, 2, n).astype("timedelta64[D]")
    birth = np.maximum(birth, OLDEST_BIRTH)

    # Deaths in the last two years, much likelier for the old.
    death_p = np.select([age < 60, age < 75], [0.002, 0.02], 0.07)
    dead = rng.random(n) < death_p
    death = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    death_days = rng.integers(1, DEATH_WINDOW_DAYS, int(dead.sum())).astype("timedelta64[D]")
    death[dead] = np.maximum(REFERENCE_DATE - death_days, birth[dead] + np.timedelta64(1, "D"))

    # Addresses.
    n_kec = len(city.kecamatan)
    kelurahan = rng.integers(0, len(city.kelurahan), n_hh)
    kecamatan = city.kelurahan_kecamatan[kelurahan]
    street = rng.integers(0, len(STREET_NAMES), n_hh)
    house_number = rng.integers(1, 251, n_hh)
    rt = rng.integers(1, 16, n_hh)
    rw = rng.integers(1, 13, n_hh)
    decile = rng.choice(np.arange(1, 11), size=n_hh, p=DECILE_WEIGHTS)
    address = np.array(
        [
            canonical_address(s, h)
            for s, h in zip(street.tolist(), house_number.tolist(), strict=True)
        ],
        dtype=object,
    )

    # KK: district of the household, registration date after the head turned 17.
    head_birth = birth[starts]
    earliest = np.maximum(head_birth + days(np.full(n_hh, 17.0)), KK_EARLIEST)
    span = (REFERENCE_DATE - earliest).astype(np.int64).clip(min=1)
    registered = earliest + (rng.random(n_hh) * span).astype(np.int64).astype("timedelta64[D]")
    kk_serial = assign_serials(date_keys(kecamatan, registered), counters.kk)
    kk = identifier_numbers(kecamatan, registered, np.zeros(n_hh, dtype=np.int64), kk_serial)

    # NIK: district of first registration, birth date (day + 40 for women), serial.
    nik_district = np.where(
        rng.random(n) < NIK_DISTRICT_IS_CURRENT, kecamatan[hh_of], rng.integers(0, n_kec, n)
    )
    nik_date_differs = rng.random(n) < NIK_DATE_DIFFERS
    nik_date = birth.copy()
    shift = rng.integers(1, 20, int(nik_date_differs.sum())).astype("timedelta64[D]")
    nik_date[nik_date_differs] = nik_date[nik_date_differs] + shift
    nik_keys = date_keys(nik_district, nik_date) * 2 + female
    nik_serial = assign_serials(nik_keys, counters.nik)
    nik = identifier_numbers(nik_district, nik_date, female * 40, nik_serial)

    birth_year = date_parts(birth)[0]
    full_names = _names(rnd, hh_of, role, female, birth_year)
    born_here = rng.random(n) < np.where(age < 30, BORN_IN_CITY_YOUNG, BORN_IN_CITY_OLD)
    others = np.array(names.BIRTH_PLACES_OTHER, dtype=object)
    birth_place = others[rng.integers(0, len(others), n)]
    birth_place[born_here] = names.BIRTH_PLACES_CITY

    return PopulationChunk(
        households=Households(
            count=n_hh,
            kecamatan=kecamatan,
            kelurahan=kelurahan,
            street=street,
            house_number=house_number,
            rt=rt,
            rw=rw,
            decile=decile,
            kk=kk,
            address=address,
        ),
        persons=Persons(
            count=n,
            first_key=first_key,
            household=hh_of,
            role=role,
            female=female,
            birth=birth,
            death=death,
            nik=nik,
            nik_date_differs=nik_date_differs,
            name=full_names,
            birth_place=birth_place,
        ),
    )


def _draw_household_sizes(persons_wanted: int, rng: np.random.Generator) -> np.ndarray:
    estimate = int(persons_wanted / 3.0) + 16
    sizes = rng.choice(HOUSEHOLD_SIZES, size=estimate, p=HOUSEHOLD_SIZE_WEIGHTS)
    while sizes.sum() < persons_wanted:
        sizes = np.concatenate([sizes, rng.choice(HOUSEHOLD_SIZES, 64, p=HOUSEHOLD_SIZE_WEIGHTS)])
    total = np.cumsum(sizes)
    last = int(np.searchsorted(total, persons_wanted))
    sizes = sizes[: last + 1].copy()
    sizes[-1] -= int(total[last]) - persons_wanted
    return sizes


def _names(
    rnd: random.Random,
    hh_of: np.ndarray,
    role: np.ndarray,
    female: np.ndarray,
    birth_year: np.ndarray,
) -> np.ndarray:
    """Names per person; households share a cultural group and a family name where used."""
    result: list[str] = []
    group = 0
    family = ""
    father = ""
    current = -1
    for hh, r, fem, year in zip(
        hh_of.tolist(), role.tolist(), female.tolist(), birth_year.tolist(), strict=True
    ):
        if hh != current:
            current = hh
            group = names.pick_group(rnd)
            family = names.pick_family_name(group, rnd)
            father = ""
        inherits = r in (HEAD, CHILD) or (r == HUSBAND)
        own_family = family if inherits else names.pick_family_name(group, rnd)
        parent_name = father if r == CHILD else ""
        name = names.make_name(rnd, group, fem, year, own_family, parent_name)
        if r in (HEAD, HUSBAND) and not fem:
            tokens = name.split(" ")
            father = (
                tokens[1] if tokens[0] in ("Muhammad", "Ahmad") and len(tokens) > 1 else tokens[0]
            )
        result.append(name)
    return np.array(result, dtype=object)
