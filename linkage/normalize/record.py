"""One agency row in canonical keys -> normalised fields, flags and row errors.

This is the importer's single entry point. Errors make a row unreadable (the
operator sees them with the line number); flags are facts about a readable row that
the linkage and the reviewers use (an Excel-damaged NIK, a kelurahan typo, a date
whose day and month may be swapped). An invalid or damaged NIK/KK is never an error:
16.7 M DTKS entries lack a NIK and they still have to be linked.

Speed: agency files repeat households (one row per aid receipt), streets, places and
region names, so fields are normalised in a few cached groups and a typical row is
a handful of dictionary lookups (~10 µs). The caches are bounded LRUs.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from datetime import date

from ..schema import BIGINT_MAX, CANONICAL_FIELDS, SOURCE_ID_MAX_LENGTH, TEXT_MAX_LENGTH
from ..schema import source_id as stored_source_id
from .address import AddressParts, normalize_address, parse_rt_rw
from .caching import bare, value_cache
from .dates import parse_date_cached, today_wib
from .household_fields import (
    normalize_program,
    normalize_relationship,
    parse_amount,
    parse_decile,
    parse_period,
)
from .identifiers import identifier_parts, kk_verdict, nik_verdict
from .names import normalize_name
from .regions import RegionMatcher
from .sex import normalize_sex

FIELD_NAMES = (
    "nik", "nik_reliable", "kk_number", "full_name", "name_key", "name_sorted",
    "name_phonetic", "given_name_key", "sex", "birth_place", "birth_date", "address",
    "address_key", "house_number", "rt", "rw", "kelurahan_code", "kecamatan_code",
    "relationship", "death_date", "welfare_decile", "program", "period", "amount", "flags",
)  # fmt: skip
INPUT_KEYS = CANONICAL_FIELDS  # the exchange format (linkage.schema)

TITLES_REMOVED = "name:titles_removed"

# Field problems: the row lands, the bad value stays in `original`, the normalised field is
# empty and one of these flags names it (an agency may ask for them to be errors: strict).
# Row errors are kept for what makes a row unusable or unstorable: no source id, neither a
# name nor an identifier, a duplicate id, a value too long for its column, a NUL character.
SEX_UNKNOWN = "sex:unknown"
RELATIONSHIP_UNKNOWN = "relationship:unknown"
DECILE_INVALID = "welfare_decile:invalid"
NAME_MISSING = "full_name:missing"
DEATH_BEFORE_BIRTH = "death_date:before_birth"
DATE_PROBLEMS = ("future", "too_old", "two_digit_year", "year_only", "unreadable")
FIELD_PROBLEMS = frozenset(
    {
        SEX_UNKNOWN,
        RELATIONSHIP_UNKNOWN,
        DECILE_INVALID,
        DEATH_BEFORE_BIRTH,
        *(
            f"{date_field}:{problem}"
            for date_field in ("birth_date", "death_date")
            for problem in DATE_PROBLEMS
        ),
    }
)
# Normalised text column -> the input field whose value it comes from.
_SOURCE_FIELD = {
    "name_key": "full_name", "name_sorted": "full_name", "name_phonetic": "full_name",
    "given_name_key": "full_name", "address_key": "address", "house_number": "address",
}  # fmt: skip
_SPACES_RE = re.compile(r"\s+")
_Errors = tuple[tuple[str, str], ...]


def normalize_record(
    row: Mapping[str, object], *, regions: RegionMatcher, today: date | None = None
) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Normalise one row. Text fields are '' when absent; dates and numbers None.

    `fields` has exactly the keys in FIELD_NAMES (in that order); `errors` lists
    (field, reason) pairs, empty for a readable row.
    """
    today = today or today_wib()
    try:
        return _normalize(row, regions, today)
    except TypeError:
        # An unhashable value (a list or dict from a JSON batch) missed the caches:
        # normalise its text form instead, which reports it as unreadable if need be.
        return _normalize(_hashable_row(row), regions, today)


def _normalize(
    row: Mapping[str, object], regions: RegionMatcher, today: date
) -> tuple[dict[str, object], list[tuple[str, str]]]:
    get = row.get
    errors: list[tuple[str, str]] = []

    source_id = get("source_record_id")
    if source_id is None or not str(source_id).strip() or source_id != source_id:
        errors.append(("source_record_id", "missing"))
    elif (source_id.__class__ is not str or len(source_id) > SOURCE_ID_MAX_LENGTH) and len(
        stored_source_id(row)
    ) > SOURCE_ID_MAX_LENGTH:  # as stored: the float 1e150 is 151 digits
        errors.append(("source_record_id", f"too long (max {SOURCE_ID_MAX_LENGTH} characters)"))

    name = _name(get("full_name"))
    sex, sex_error = _sex(get("sex"))
    birth = _date(get("birth_date"), "birth_date", today)
    flags: list[str] = list(birth.flags)
    if birth.error:
        flags.append(_date_problem("birth_date", birth.error))
    if sex_error:
        flags.append(SEX_UNKNOWN)
    if name.titles:
        flags.append(TITLES_REMOVED)

    death_date = None
    death_raw = get("death_date")
    if death_raw is not None and death_raw != "":
        death = _date(death_raw, "death_date", today)
        death_date = death.value
        if death.error:
            flags.append(_date_problem("death_date", death.error))
        elif death_date is not None and birth.value is not None and death_date < birth.value:
            death_date = None
            flags.append(DEATH_BEFORE_BIRTH)
        flags.extend(f for f in death.flags if f != "death_date:missing")

    nik, nik_reliable, kk_number, id_flags = _identifiers(
        get("nik"), get("kk_number"), birth.value, sex, today
    )
    flags.extend(id_flags)
    if not name.key:
        if nik or kk_number:
            flags.append(NAME_MISSING)
        else:
            errors.append(("full_name", "missing (and no NIK or KK number)"))

    address, rt, rw, address_errors = _address_block(get("address"), get("rt"), get("rw"))
    region = regions.match(get("kelurahan"), get("kecamatan"))
    flags.extend(region.flags)

    relationship, decile, program, period, amount, aid_errors, aid_flags = _household_block(
        get("relationship"), get("welfare_decile"), get("program"), get("period"), get("amount")
    )
    if address_errors or aid_errors:
        errors.extend(address_errors + aid_errors)
    if aid_flags:
        flags.extend(aid_flags)

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
        "birth_place": _place(get("birth_place")),
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
        "flags": sorted(set(flags)) if len(flags) > 1 else flags,
    }
    # Values no column can hold: checked here only where they can arise per row (a long name,
    # even after Muhammad variants are expanded; a long birth place); address and program
    # lengths are checked once per distinct value in their cached blocks.
    if len(name.display) > _NAME_SAFE_LENGTH or len(fields["birth_place"]) > _PLACE_MAX:  # type: ignore[arg-type]
        errors.extend(_too_long_errors(fields, _PER_ROW_CHECKED))
    return fields, errors


_PROGRAM_MAX = TEXT_MAX_LENGTH["program"]
_NAME_SAFE_LENGTH = 40  # shorter names fit every name column, expanded or not
_PLACE_MAX = TEXT_MAX_LENGTH["birth_place"]
_PER_ROW_CHECKED = tuple(
    (column, TEXT_MAX_LENGTH[column])
    for column in (
        "full_name", "name_key", "name_sorted", "name_phonetic", "given_name_key", "birth_place",
    )
)  # fmt: skip
_ADDRESS_CHECKED = tuple(
    (column, TEXT_MAX_LENGTH[column]) for column in ("address", "address_key", "house_number")
)


def _too_long_errors(values: Mapping[str, object], checked) -> list[tuple[str, str]]:
    """(input field, reason) of each value longer than its column, one per input field."""
    errors: list[tuple[str, str]] = []
    for column, limit in checked:
        if len(values[column]) > limit:  # type: ignore[arg-type]
            error = (_SOURCE_FIELD.get(column, column), _too_long(limit))
            if error not in errors:
                errors.append(error)
    return errors


def nul_errors(row: Mapping[str, object]) -> list[tuple[str, str]]:
    """(field, reason) of every text value holding a NUL, which PostgreSQL can store neither
    in text nor in JSON. The importer asks only when a row's JSON shows one (\\u0000)."""
    return [
        (str(key), "contains a NUL character")
        for key, value in row.items()
        if isinstance(value, str) and "\x00" in value
    ]


def _too_long(limit: int) -> str:
    return f"too long (max {limit} characters)"


def _date_problem(field_name: str, error: str) -> str:
    """The flag of a date that could not be used (dates.py's error text -> a stable code)."""
    if error == "date in the future":
        problem = "future"
    elif error.startswith("date before"):
        problem = "too_old"
    elif error.startswith("two-digit year"):
        problem = "two_digit_year"
    elif error.startswith("year only"):
        problem = "year_only"
    else:
        problem = "unreadable"
    return f"{field_name}:{problem}"


@value_cache()
def _identifiers(
    nik_raw: object, kk_raw: object, birth_date: date | None, sex: str, today: date
) -> tuple[str, bool, str, tuple[str, ...]]:
    """clean_identifier + check_kk + check_nik for one row, on tuples rather than the
    public dataclasses (this runs once per distinct identifier pair). Rows of one
    person repeat all five inputs, so most rows are a single cache hit."""
    kk_number, kk_flags = identifier_parts(kk_raw, "kk")
    kk_flags = kk_verdict(kk_number, kk_flags)
    nik, nik_flags = identifier_parts(nik_raw, "nik")
    reliable, nik_flags = nik_verdict(nik, nik_flags, birth_date, sex, kk_number, today)
    return nik, reliable, kk_number, nik_flags + kk_flags


@value_cache()
def _address_block(
    address_raw: object, rt_raw: object, rw_raw: object
) -> tuple[AddressParts, int | None, int | None, _Errors]:
    address = normalize_address(address_raw)
    rt, rw, error = parse_rt_rw(rt_raw, rw_raw)
    errors: _Errors = (("rt", error),) if error else ()
    parts = {"address": address.display, "address_key": address.key}
    parts["house_number"] = address.house_number
    if any(len(v) > 20 for v in parts.values()):
        errors += tuple(_too_long_errors(parts, _ADDRESS_CHECKED))
    return address, rt, rw, errors


@value_cache()
def _household_block(
    relationship_raw: object,
    decile_raw: object,
    program_raw: object,
    period_raw: object,
    amount_raw: object,
) -> tuple[str, int | None, str, str, int | None, _Errors, tuple[str, ...]]:
    """Relationship, decile and the aid receipt: few distinct combinations per file.
    An unknown relationship or decile is a flag (field problem); a broken aid receipt is
    an error (an aid receipt is stored as its own row: it must be whole)."""
    errors: list[tuple[str, str]] = []
    flags: list[str] = []
    relationship, error = normalize_relationship(relationship_raw)
    if error:
        flags.append(RELATIONSHIP_UNKNOWN)
    decile, error = parse_decile(decile_raw)
    if error:
        flags.append(DECILE_INVALID)
    program, _ = normalize_program(program_raw)
    if len(program) > _PROGRAM_MAX:  # an unknown program's slug
        errors.append(("program", _too_long(_PROGRAM_MAX)))
    period, period_error = parse_period(period_raw)
    if period_error:
        errors.append(("period", period_error))
    amount, error = parse_amount(amount_raw)
    if error:
        errors.append(("amount", error))
    elif amount is not None and amount > BIGINT_MAX:
        amount = None
        errors.append(("amount", f"too large (max {BIGINT_MAX})"))
    # One aid receipt needs both what was paid and when.
    if program and not period and not period_error:
        errors.append(("period", "missing for an aid receipt"))
    if not program and (period or amount is not None):
        errors.append(("program", "missing for an aid receipt"))
    return relationship, decile, program, period, amount, tuple(errors), tuple(flags)


@value_cache(maxsize=4096)
def normalize_place(raw: object) -> str:
    """Birth place in upper case, single-spaced ('kota  bandung' -> 'KOTA BANDUNG')."""
    if raw is None:
        return ""
    text = _SPACES_RE.sub(" ", str(raw)).strip(" ,.;-").upper()
    return "" if text in {"NAN", "NULL", "NONE"} else text


def _hashable_row(row: Mapping[str, object]) -> dict[str, object]:
    return {k: (v if isinstance(v, Hashable) else str(v)) for k, v in row.items()}


# The bare caches (no per-call unhashable fallback: normalize_record catches TypeError).
_name = bare(normalize_name)
_sex = bare(normalize_sex)
_date = bare(parse_date_cached)
_place = bare(normalize_place)
_identifiers = bare(_identifiers)
_address_block = bare(_address_block)
_household_block = bare(_household_block)
