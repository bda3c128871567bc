"""The adversarial city: the cases that break a linker tuned on the plain city.

Applied to a chunk's true population before the agencies' files are written (so every agency
sees the same people), with ``CityConfig(adversarial=True)`` / ``generate_city --adversarial``:

- twins and triplets: same KK, same birth date, same family (last) name, different given names,
  NIKs that differ only in the serial when they share a sex (...0001 / ...0002);
- a son who carries his father's full name, in the father's KK;
- siblings born one day apart (NIKs one date digit apart);
- widows remarried into another KK: agencies other than the civil registry still list them in
  their late husband's household (old KK, old address);
- mononyms: people with one name only;
- more people known at another address (another kelurahan) by the non-civil agencies.

Each case is a share of the eligible households or persons; the shares are deliberately far
above real rates so that a few thousand persons already hold hundreds of each case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from registry.citygen import names
from registry.citygen.population import (
    CHILD,
    HEAD,
    WIFE,
    PopulationChunk,
    SerialCounters,
    assign_serials,
    date_keys,
    identifier_numbers,
)


@dataclass(frozen=True)
class AdversarialRates:
    multiple_birth: float = 0.04  # households with two children or more: twins (or triplets)
    triplets: float = 0.15  # of multiple births
    same_sex_twins: float = 0.7  # of multiple births: NIKs differ in the serial only
    rhyming_names: float = 0.3  # of multiple births: given names one letter apart
    junior: float = 0.04  # households with a male head and a son: the son gets his full name
    one_day_apart: float = 0.03  # households with two children or more
    remarried: float = 0.03  # wives: listed in another (former) household by other agencies
    former_household_seen: float = 0.6  # per agency, share of the remarried it lists at the old KK
    mononym: float = 0.06  # persons: one name only
    moved: float = 0.08  # per agency and person (replaces the agency's own rate if higher)
    nik_missing: float = 0.15  # per row of the other agencies (if higher than their own)


ADVERSARIAL = AdversarialRates()
_PREFIXES = frozenset({"Muhammad", "Ahmad", "Siti", "Nur"})


def make_adversarial(
    chunk: PopulationChunk,
    counters: SerialCounters,
    rng: np.random.Generator,
    rnd: random.Random,
    rates: AdversarialRates = ADVERSARIAL,
) -> dict[str, int]:
    """Change ``chunk`` in place; returns how many persons each case touched."""
    persons, households = chunk.persons, chunk.households
    counts: dict[str, int] = {}
    children_of = _children_by_household(persons.household, persons.role)
    multi = [kids for kids in children_of if len(kids) >= 2]
    # Pick the households of each sibling case disjointly: twins of one household would
    # otherwise be re-dated by the one-day-apart case.
    order = rng.permutation(len(multi))
    n_twins = int(round(rates.multiple_birth * len(multi)))
    n_day = int(round(rates.one_day_apart * len(multi)))
    twin_hh = [multi[k] for k in order[:n_twins]]
    day_hh = [multi[k] for k in order[n_twins : n_twins + n_day]]

    # persons whose NIK is drawn again (new birth date or sex) -> whose district they take
    renew: dict[int, int] = {}
    touched = 0
    for kids in twin_hh:
        size = 3 if (len(kids) >= 3 and rng.random() < rates.triplets) else 2
        first, others = kids[0], kids[1:size]
        same_sex = rng.random() < rates.same_sex_twins
        tokens = str(persons.name[first]).split(" ")
        # the given name proper: after a prefix such as Muhammad, before the family name
        at = 1 if (len(tokens) > 2 and tokens[0] in _PREFIXES) else 0
        used = {tokens[at]}
        rhyming = rng.random() < rates.rhyming_names
        for k in others:
            persons.birth[k] = persons.birth[first]
            persons.nik_date_differs[k] = False
            if same_sex:
                persons.female[k] = persons.female[first]
            if rhyming:  # Rina / Rini, Hasan / Hasin: one letter apart
                given = _rhyme(tokens[at], used, rnd)
            else:
                given = _new_given(rnd, bool(persons.female[k]), used)
            used.add(given)
            persons.name[k] = " ".join([*tokens[:at], given, *tokens[at + 1 :]])
            renew[k] = first  # twins are registered together: one district
        persons.nik_date_differs[first] = False
        renew[first] = first
        touched += size
    counts["multiple_birth"] = touched
    for kids in day_hh:
        a, b = kids[0], kids[1]
        persons.birth[b] = persons.birth[a] + np.timedelta64(1, "D")
        renew[b] = b
    counts["one_day_apart"] = 2 * len(day_hh)
    if renew:
        who = np.array(sorted(renew), dtype=np.int64)
        anchor = np.array([renew[k] for k in who.tolist()], dtype=np.int64)
        _new_niks(chunk, who, anchor, counters)

    # Junior: a son carrying his father's full name, in the father's KK.
    juniors = 0
    head_of = np.full(households.count, -1, dtype=np.int64)
    heads = np.flatnonzero(persons.role == HEAD)
    head_of[persons.household[heads]] = heads
    for hh_kids in children_of:
        sons = [k for k in hh_kids if not persons.female[k]]
        if not sons or rng.random() >= rates.junior:
            continue
        head = int(head_of[persons.household[sons[0]]])
        if head < 0 or persons.female[head]:
            continue
        persons.name[sons[-1]] = persons.name[head]
        juniors += 1
    counts["junior"] = juniors

    # Remarried widows: a former household other agencies still list them in.
    wives = np.flatnonzero(persons.role == WIFE)
    remarried = wives[rng.random(len(wives)) < rates.remarried]
    former = np.full(persons.count, -1, dtype=np.int64)
    if len(remarried) and households.count > 1:
        draw = rng.integers(0, households.count - 1, len(remarried))
        own = persons.household[remarried]
        former[remarried] = np.where(draw >= own, draw + 1, draw)  # never her own household
    persons.former_household = former
    counts["remarried"] = len(remarried)

    # Mononyms: the given name alone (a prefix such as Muhammad is not a name on its own).
    mono = 0
    for k in np.flatnonzero(rng.random(persons.count) < rates.mononym).tolist():
        tokens = str(persons.name[k]).split(" ")
        if len(tokens) > 1 and tokens[0] not in _PREFIXES:
            persons.name[k] = tokens[0]
            mono += 1
    counts["mononym"] = mono
    return counts


def _children_by_household(household: np.ndarray, role: np.ndarray) -> list[list[int]]:
    kids = np.flatnonzero(role == CHILD)
    out: dict[int, list[int]] = {}
    for k in kids.tolist():
        out.setdefault(int(household[k]), []).append(k)
    return list(out.values())


def _new_given(rnd: random.Random, female: bool, used: set[str]) -> str:
    pool = names.MODERN_FEMALE if female else names.MODERN_MALE
    for _ in range(50):
        given = rnd.choice(pool)
        if given not in used and given not in _PREFIXES:
            return given
    return rnd.choice([g for g in pool if g not in used])


def _rhyme(given: str, used: set[str], rnd: random.Random) -> str:
    stem = given[:-1] if len(given) > 2 else given
    for _ in range(20):
        candidate = stem + rnd.choice("aiueo")
        if candidate not in used:
            return candidate
    return stem + rnd.choice("aiueo") + "h"


def _new_niks(
    chunk: PopulationChunk, who: np.ndarray, anchor: np.ndarray, counters: SerialCounters
) -> None:
    """New NIKs for persons whose birth date or sex changed: the district of registration of
    their anchor (a twin's first sibling), next free serials of their (district, date, sex), so
    twins get consecutive serials."""
    persons = chunk.persons
    niks = persons.nik[anchor].tolist()
    district = np.array([int(str(n)[4:6]) - 1 for n in niks], dtype=np.int64)
    female = persons.female[who].astype(np.int64)
    birth = persons.birth[who]
    serial = assign_serials(date_keys(district, birth) * 2 + female, counters.nik)
    persons.nik[who] = identifier_numbers(district, birth, female * 40, serial)
