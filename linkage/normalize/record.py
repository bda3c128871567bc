"""One agency row in canonical keys -> normalised fields, flags and row errors.

This is the importer's single entry point. Errors make a row unreadable (the
operator sees them with the line number); flags are facts about a readable row that
the linkage and the reviewers use (an Excel-damaged NIK, a kelurahan typo, a date
whose day and month may be swapped). An invalid or damaged NIK/KK is never an error:
16.7 M DTKS entries lack a NIK and they still have to be linked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from .address import normalize_address, parse_rt_rw
from .caching import value_cache
from .dates import parse_date, today_wib
from .household_fields import (
    normalize_program,
    normalize_relationship,
    parse_amount,
    parse_decile,
    parse_period,
)
from .identifiers import check_kk, check_nik, clean_identifier
from .names import normalize_name
from .regions import RegionMatcher
from .sex import normalize_sex

FIELD_NAMES = (
    "nik", "nik_reliable", "kk_number", "full_name", "name_key", "name_sorted",
    "name_phonetic", "given_name_key", "sex", "birth_place", "birth_date", "address",
    "address_key", "house_number", "rt", "rw", "kelurahan_code", "kecamatan_code",
    "relationship", "death_date", "welfare_decile", "program", "period", "amount", "flags",
)  # fmt: skip

TITLES_REMOVED = "name:titles_removed"
_SPACES_RE = re.compile(r"\s+")


def normalize_record(
    row: Mapping[str, object], *, regions: RegionMatcher, today: date | None = None
) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Normalise one row. Text fields are '' when absent; dates and numbers None.

    `fields` has exactly the keys in FIELD_NAMES; `errors` lists (field, reason).
    """
    today = today or today_wib()
    get = row.get
    errors: list[tuple[str, str]] = []
    flags: list[str] = []

    if not _text(get("source_record_id")):
        errors.append(("source_record_id", "missing"))

    name = normalize_name(get("full_name"))
    if not name.key:
        errors.append(("full_name", "missing"))
    if name.titles:
        flags.append(TITLES_REMOVED)

    sex, error = normalize_sex(get("sex"))
    if error:
        errors.append(("sex", error))

    birth = parse_date(get("birth_date"), field="birth_date", today=today)
    if birth.error:
        errors.append(("birth_date", birth.error))
    flags.extend(birth.flags)

    death_raw = get("death_date")
    death_date = None
    if death_raw is not None and death_raw != "":
        death = parse_date(death_raw, field="death_date", today=today)
        death_date = death.value
        if death.error:
            errors.append(("death_date", death.error))
        elif death_date is not None and birth.value is not None and death_date < birth.value:
            errors.append(("death_date", "before the birth date"))
        flags.extend(f for f in death.flags if f != "death_date:missing")

    nik, nik_reliable, kk_number, id_flags = _identifiers(
        get("nik"), get("kk_number"), birth.value, sex, today
    )
    flags.extend(id_flags)

    address = normalize_address(get("address"))
    rt, rw, error = parse_rt_rw(get("rt"), get("rw"))
    if error:
        errors.append(("rt", error))

    region = regions.match(get("kelurahan"), get("kecamatan"))
    flags.extend(region.flags)

    relationship, error = normalize_relationship(get("relationship"))
    if error:
        errors.append(("relationship", error))
    decile, error = parse_decile(get("welfare_decile"))
    if error:
        errors.append(("welfare_decile", error))

    program, _ = normalize_program(get("program"))
    period, period_error = parse_period(get("period"))
    if period_error:
        errors.append(("period", period_error))
    amount, error = parse_amount(get("amount"))
    if error:
        errors.append(("amount", error))
    # One aid receipt needs both what was paid and when.
    if program and not period and not period_error:
        errors.append(("period", "missing for an aid receipt"))
    if not program and (period or amount is not None):
        errors.append(("program", "missing for an aid receipt"))

    fields: dict[str, object] = {
        "nik": nik,
        "nik_reliable": nik_reliable,
        "kk_number": kk_number,
        "full_name": name.display,
        "name_key": name.key,
        "name_sorted": name.sorted_key,
        "name_phonetic": name.phonetic,
        "given_name_key": name.given,
        "sex": sex,
        "birth_place": normalize_place(get("birth_place")),
        "birth_date": birth.value,
        "address": address.display,
        "address_key": address.key,
        "house_number": address.house_number,
        "rt": rt,
        "rw": rw,
        "kelurahan_code": region.kelurahan_code,
        "kecamatan_code": region.kecamatan_code,
        "relationship": relationship,
        "death_date": death_date,
        "welfare_decile": decile,
        "program": program,
        "period": period,
        "amount": amount,
        "flags": sorted(set(flags)),
    }
    return fields, errors


@value_cache()
def _identifiers(
    nik_raw: object, kk_raw: object, birth_date: date | None, sex: str, today: date
) -> tuple[str, bool, str, tuple[str, ...]]:
    """NIK and KK together: rows of one person repeat all four inputs, so one cache hit
    replaces four normaliser calls."""
    kk_number, kk_flags = check_kk(clean_identifier(kk_raw, field="kk"))
    check = check_nik(
        clean_identifier(nik_raw, field="nik"),
        birth_date=birth_date,
        sex=sex,
        kk_number=kk_number,
        today=today,
    )
    return check.nik, check.reliable, kk_number, check.flags + kk_flags


@value_cache(maxsize=4096)
def normalize_place(raw: object) -> str:
    """Birth place in upper case, single-spaced ('kota  bandung' -> 'KOTA BANDUNG')."""
    if raw is None:
        return ""
    text = _SPACES_RE.sub(" ", str(raw)).strip(" ,.;-").upper()
    return "" if text in {"NAN", "NULL", "NONE"} else text


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw != raw:
        return ""
    return str(raw).strip()
