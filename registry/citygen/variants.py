"""Variants of a stored row, as another clerk might type the same person again: what the
incremental-linking benchmark and tests submit to see whether a record joins its person."""

from __future__ import annotations

import random

from linkage.normalize.dates import parse_date
from registry.citygen import noise

# Each kind alone leaves a key the engine blocks on; together they test the probes' reach.
VARIANT_KINDS = (
    "no_nik",
    "no_kk",
    "name_typo",
    "year_off",
    "day_month_swap",
    "nik_typo",  # one digit changed or two adjacent digits swapped
    "names_swapped",  # the name's first token moved to the end ("rizki santoso" -> "santoso rizki")
)


def random_kinds(rng: random.Random) -> set[str]:
    """NIK dropped half the time, KK a third, a name typo half, a wrong birth year a fifth,
    else day and month swapped one time in seven."""
    kinds = {kind for kind, rate in (("no_nik", 0.5), ("no_kk", 0.3), ("name_typo", 0.5))
             if rng.random() < rate}  # fmt: skip
    if rng.random() < 0.2:
        kinds.add("year_off")
    elif rng.random() < 0.15:
        kinds.add("day_month_swap")
    return kinds


def row_variant(row: dict, kinds: set[str], rng: random.Random) -> dict:
    """`row` (canonical field names) with the given kinds of error; the birth date comes back
    in ISO form. A date that cannot be swapped (day above 12, or day equal to month) is kept."""
    unknown = set(kinds) - set(VARIANT_KINDS)
    if unknown:
        raise ValueError(f"unknown variant kinds: {sorted(unknown)}")
    row = dict(row)
    if "no_nik" in kinds:
        row["nik"] = ""
    if "no_kk" in kinds:
        row["kk_number"] = ""
    if "nik_typo" in kinds and row.get("nik"):
        row["nik"] = noise.digit_typo(str(row["nik"]), rng)
    if "names_swapped" in kinds and row.get("full_name"):
        first, _, rest = str(row["full_name"]).partition(" ")
        row["full_name"] = f"{rest} {first}" if rest else first
    if "name_typo" in kinds and row.get("full_name"):
        row["full_name"] = noise.typo(row["full_name"], rng)
    born = parse_date(row.get("birth_date"), field="birth_date").value
    if born is not None:
        iso = born.isoformat()
        if "year_off" in kinds:
            iso = noise.year_off(iso, rng)
        if "day_month_swap" in kinds and noise.swappable(iso):
            iso = noise.swap_day_month(iso)
        row["birth_date"] = iso
    return row
