"""One agency's rows turned into output columns, with that agency's noise applied.

Work is column-wise: clean values come from numpy fancy indexing, noise touches only the rows
picked for it, and each applied noise is recorded per row (for the optional noise log).
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from registry.citygen import noise
from registry.citygen.addresses import (
    STREET_NAMES,
    address_variant,
    canonical_address,
    drop_house_number,
)
from registry.citygen.adversarial import ADVERSARIAL
from registry.citygen.agencies import PERIODS, PROGRAMS, AgencySpec, Rows
from registry.citygen.noise import NoiseRates
from registry.citygen.population import RELATIONSHIPS, PopulationChunk
from registry.citygen.regions import City
from registry.citygen.writers import date_styles, format_dates, format_sex, pad

CASE_STYLES = ("upper", "lower", "title")
ADULT_AGE = 23


class NoiseFlags:
    """Which noise kinds were applied to which rows."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.by_kind: dict[str, np.ndarray] = {}

    def mark(self, kind: str, index: np.ndarray | list[int]) -> None:
        flags = self.by_kind.get(kind)
        if flags is None:
            flags = self.by_kind[kind] = np.zeros(self.n, dtype=bool)
        flags[index] = True

    def labels(self) -> dict[int, str]:
        """Row index -> "kind1|kind2" for every row with noise."""
        kinds = [k for k in noise.NOISE_KINDS if k in self.by_kind]
        if not kinds:
            return {}
        matrix = np.stack([self.by_kind[k] for k in kinds], axis=1)
        rows = np.flatnonzero(matrix.any(axis=1))
        return {
            int(i): "|".join(k for k, f in zip(kinds, matrix[i].tolist(), strict=True) if f)
            for i in rows
        }


def _pick(rng: np.random.Generator, n: int, rate: float) -> list[int]:
    return np.flatnonzero(rng.random(n) < rate).tolist()


def _apply(
    values: list[str],
    index: list[int],
    change: Callable[[str], str],
    flags: NoiseFlags,
    kind: str,
    eligible: Callable[[str], bool] | None = None,
) -> None:
    changed: list[int] = []
    for i in index:
        old = values[i]
        if not old or (eligible is not None and not eligible(old)):
            continue
        new = change(old)
        if new != old:
            values[i] = new
            changed.append(i)
    if changed:
        flags.mark(kind, changed)


def build_columns(
    spec: AgencySpec,
    rows: Rows,
    duplicate: np.ndarray,
    chunk: PopulationChunk,
    city: City,
    rates: NoiseRates,
    rng: np.random.Generator,
    rnd: random.Random,
) -> tuple[dict[str, list[str]], NoiseFlags]:
    persons, households = chunk.persons, chunk.households
    shape = spec.shape
    p = rows.person
    n = len(p)
    h = persons.household[p]
    if persons.former_household is not None and spec.kind != "civil_registry":
        # adversarial city: a remarried widow still listed in her former household
        former = persons.former_household[p]
        seen = rng.random(persons.count)[p] < ADVERSARIAL.former_household_seen
        h = np.where((former >= 0) & seen, former, h)
    flags = NoiseFlags(n)
    flags.mark("duplicate", np.flatnonzero(duplicate))
    flags.mark("deceased_aid", np.flatnonzero(rows.deceased_aid))
    out: dict[str, list[str]] = {}

    # Address, possibly another one for people this agency knows at a different place.
    kelurahan = households.kelurahan[h].copy()
    rt = households.rt[h].copy()
    rw = households.rw[h].copy()
    address = households.address[h].copy()
    people = np.unique(p)
    movers = people[rng.random(len(people)) < rates.moved]
    if movers.size:
        m = len(movers)
        new_kel = rng.integers(0, len(city.kelurahan), m)
        new_street = rng.integers(0, len(STREET_NAMES), m)
        new_number = rng.integers(1, 251, m)
        new_rt, new_rw = rng.integers(1, 16, m), rng.integers(1, 13, m)
        new_address = np.array(
            [
                canonical_address(s, k)
                for s, k in zip(new_street.tolist(), new_number.tolist(), strict=True)
            ],
            dtype=object,
        )
        moved = np.isin(p, movers)
        which = np.searchsorted(movers, p[moved])
        kelurahan[moved] = new_kel[which]
        rt[moved], rw[moved] = new_rt[which], new_rw[which]
        address[moved] = new_address[which]
        flags.mark("moved", np.flatnonzero(moved))
    addresses = address.tolist()
    _apply(
        addresses,
        _pick(rng, n, rates.house_number_missing),
        drop_house_number,
        flags,
        "house_number_missing",
    )
    _apply(
        addresses,
        _pick(rng, n, rates.address_variant),
        lambda a: address_variant(a, rnd),
        flags,
        "address_variant",
    )
    out["address"] = addresses
    if shape.rt_rw_combined:
        out["rt_rw"] = [
            f"{a}/{b}"
            for a, b in zip(pad(rt, shape.rt_width), pad(rw, shape.rt_width), strict=True)
        ]
    out["rt"] = pad(rt, shape.rt_width)
    out["rw"] = pad(rw, shape.rt_width)
    kecamatan = city.kelurahan_kecamatan[kelurahan]
    if shape.region_case == "code":
        kel_labels = np.array([k.code for k in city.kelurahan], dtype=object)
        kec_labels = np.array([k.code for k in city.kecamatan], dtype=object)
    else:
        upper = shape.region_case == "upper"
        kel_labels = np.array(
            [k.name.upper() if upper else k.name for k in city.kelurahan], dtype=object
        )
        kec_labels = np.array(
            [k.name.upper() if upper else k.name for k in city.kecamatan], dtype=object
        )
    out["kelurahan"] = kel_labels[kelurahan].tolist()
    out["kecamatan"] = kec_labels[kecamatan].tolist()

    # Names.
    names = persons.name[p].tolist()
    female = persons.female[p]
    age = persons.age[p]
    _apply(names, _pick(rng, n, rates.old_spelling), noise.old_spelling, flags, "old_spelling")
    _apply(
        names,
        _pick(rng, n, rates.muhammad_variant),
        lambda s: noise.muhammad_variant(s, rnd),
        flags,
        "muhammad_variant",
        eligible=noise.has_muhammad,
    )
    adults = np.flatnonzero((rng.random(n) < rates.title) & (age >= ADULT_AGE)).tolist()
    female_list = female.tolist()
    changed = []
    for i in adults:
        names[i] = noise.add_title(names[i], female_list[i], rnd)
        changed.append(i)
    flags.mark("title", changed)
    _apply(names, _pick(rng, n, rates.name_typo), lambda s: noise.typo(s, rnd), flags, "name_typo")
    usual = CASE_STYLES.index(shape.name_case)
    style = np.full(n, usual)
    recased = np.flatnonzero(rng.random(n) < rates.name_case)
    style[recased] = (usual + rng.integers(1, len(CASE_STYLES), len(recased))) % len(CASE_STYLES)
    out["full_name"] = [
        noise.apply_case(s, CASE_STYLES[c]) for s, c in zip(names, style.tolist(), strict=True)
    ]
    flags.mark("name_case", recased)

    # Identifiers: at most one NIK error and one KK error per row.
    niks = persons.nik[p].tolist()
    kks = households.kk[h].tolist()
    draw = rng.random(n)
    bounds = np.cumsum([rates.nik_missing, rates.nik_typo, rates.nik_is_kk, rates.nik_excel])
    band = np.searchsorted(bounds, draw, side="right")
    for i in np.flatnonzero(band == 0).tolist():
        niks[i] = ""
    flags.mark("nik_missing", np.flatnonzero(band == 0))
    _apply(
        niks,
        np.flatnonzero(band == 1).tolist(),
        lambda s: noise.digit_typo(s, rnd),
        flags,
        "nik_typo",
    )
    for i in np.flatnonzero(band == 2).tolist():
        niks[i] = kks[i]
    flags.mark("nik_is_kk", np.flatnonzero(band == 2))
    _apply(
        niks,
        np.flatnonzero(band == 3).tolist(),
        lambda s: noise.excel_mangle(s, rnd),
        flags,
        "nik_excel",
    )
    out["nik"] = niks
    draw = rng.random(n)
    kk_missing = np.flatnonzero(draw < rates.kk_missing)
    for i in kk_missing.tolist():
        kks[i] = ""
    flags.mark("kk_missing", kk_missing)
    kk_excel = np.flatnonzero(
        (draw >= rates.kk_missing) & (draw < rates.kk_missing + rates.kk_excel)
    )
    _apply(kks, kk_excel.tolist(), lambda s: noise.excel_mangle(s, rnd), flags, "kk_excel")
    out["kk_number"] = kks

    # Sex, birth place, dates.
    sex_missing = rng.random(n) < rates.sex_missing
    out["sex"] = format_sex(female, sex_missing, shape, rng)
    flags.mark("sex_missing", np.flatnonzero(sex_missing))
    places = persons.birth_place[p].copy()
    place_missing = rng.random(n) < rates.birth_place_missing
    places[place_missing] = ""
    out["birth_place"] = places.tolist()
    flags.mark("birth_place_missing", np.flatnonzero(place_missing))

    births = persons.birth[p].astype(str).tolist()
    _apply(
        births,
        _pick(rng, n, rates.date_swap),
        noise.swap_day_month,
        flags,
        "date_swap",
        eligible=noise.swappable,
    )
    _apply(
        births, _pick(rng, n, rates.year_off), lambda s: noise.year_off(s, rnd), flags, "year_off"
    )
    styles, style_names = date_styles(shape, n, rng)
    out["birth_date"] = format_dates(births, styles, style_names)
    if "death_date" in spec.columns:
        death = persons.death[p]
        deaths = np.where(np.isnat(death), "", death.astype(str)).tolist()
        out["death_date"] = format_dates(deaths, styles, style_names)

    # Household and aid columns.
    out["relationship"] = np.array(RELATIONSHIPS, dtype=object)[persons.role[p]].tolist()
    deciles = households.decile[h].astype(str).astype(object)
    decile_missing = rng.random(n) < rates.decile_missing
    deciles[decile_missing] = ""
    out["welfare_decile"] = deciles.tolist()
    if "welfare_decile" in spec.columns:
        flags.mark("decile_missing", np.flatnonzero(decile_missing))
    out["program"] = np.array(PROGRAMS, dtype=object)[rows.program].tolist()
    out["period"] = np.array(PERIODS, dtype=object)[rows.period].tolist()
    out["amount"] = np.where(rows.amount > 0, rows.amount.astype(str), "").tolist()
    return out, flags
