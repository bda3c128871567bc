"""NIK and KK numbers: cleaning what agencies type, and checking what the digits claim.

NIK layout (Dukcapil): PP KK CC DDMMYY SSSS — province, regency/city, district of
first registration, birth date with day + 40 for women, serial. No check digit.
KK layout: the issuing region (6 digits), the registration date DDMMYY, a serial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from stdnum.id import nik as stdnum_nik

from .caching import value_cache
from .dates import swap_day_month, today_wib

ID_LENGTH = 16

# Separators people type inside identifiers; the leading apostrophe is Excel's
# "store as text" marker ('3671...).
_SEPARATORS_RE = re.compile(r"[\s.'\u2019`\-_/]+")
# 3.67101E+15, 3,67101E+15 (Indonesian-locale Excel), 3.67101e15
_SCIENTIFIC_RE = re.compile(r"^(\d)(?:[.,](\d*))?[eE]\+?(\d{1,2})$")
# A float that went through str(): "3671014905150000.0"
_FLOAT_TEXT_RE = re.compile(r"^(\d+)\.0+$")
_EMPTY_TEXT = frozenset({"", "null", "none", "nan", "n/a", "na", "tidak ada", "belum ada"})

# Flag suffixes (the field name is prefixed: "nik:missing", "kk:excel_damaged").
MISSING = "missing"
EXCEL_DAMAGED = "excel_damaged"
BAD_LENGTH = "bad_length"
NON_DIGIT = "non_digit"
INVALID = "invalid"
KK_IN_NIK = "kk_in_nik"
DATE_MISMATCH = "date_mismatch"
SEX_MISMATCH = "sex_mismatch"

# A NIK whose date part reads as a birth date this many years *after* the recorded
# birth date is taken to be a KK number (its DDMMYY is the family card's
# registration date, issued years after the person was born). See `check_nik`.
KK_DATE_GAP_YEARS = 5

_NIK_DAMAGED = f"nik:{EXCEL_DAMAGED}"
_NIK_INVALID = f"nik:{INVALID}"
_NIK_KK_IN_NIK = f"nik:{KK_IN_NIK}"
_NIK_DATE_MISMATCH = f"nik:{DATE_MISMATCH}"
_NIK_SEX_MISMATCH = f"nik:{SEX_MISMATCH}"
_NIK_DATE_SWAPPED = "nik:date_day_month_swapped"
_KK_INVALID = f"kk:{INVALID}"


@dataclass(frozen=True, slots=True)
class CleanedId:
    value: str
    original: str
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NikCheck:
    nik: str
    reliable: bool
    flags: tuple[str, ...]
    province_code: str
    regency_code: str
    district_code: str
    birth_date: date | None
    sex: str


def clean_identifier(raw: object, *, field: str) -> CleanedId:
    """Digits of a 16-digit identifier, with flags for what went wrong on the way.

    `value` is '' when the cell is empty or holds non-digits; otherwise it is the
    digits that could be recovered (a 16-digit float: all 16, the last one rounded by
    Excel; scientific notation: only the surviving significant digits, a prefix).
    """
    return _clean_identifier(raw, field)


@value_cache()
def _clean_identifier(raw: object, field: str) -> CleanedId:
    digits, flags = identifier_parts(raw, field)
    return CleanedId(digits, "" if raw is None else str(raw), flags)


def identifier_parts(raw: object, field: str) -> tuple[str, tuple[str, ...]]:
    """(value, flags) of `clean_identifier`, without building the dataclass."""
    digits, damaged, problem = _identifier_digits(raw)
    if problem == MISSING:
        return "", (f"{field}:{MISSING}",)
    if problem == NON_DIGIT:
        return "", (f"{field}:{NON_DIGIT}",)
    if not damaged and len(digits) == ID_LENGTH:
        return digits, ()
    if len(digits) > ID_LENGTH:
        # More digits than any NIK or KK: kept only in the original (nothing to match on,
        # and no column could hold it).
        return "", (f"{field}:{BAD_LENGTH}",)
    flags: list[str] = []
    if damaged:
        flags.append(f"{field}:{EXCEL_DAMAGED}")
    if len(digits) != ID_LENGTH and not (damaged and problem == "prefix"):
        flags.append(f"{field}:{BAD_LENGTH}")
    return digits, tuple(flags)


def _identifier_digits(raw: object) -> tuple[str, bool, str]:
    """(digits, excel_damaged, problem) where problem is '', missing, non_digit or prefix."""
    if raw is None or isinstance(raw, bool):
        return "", False, MISSING if raw is None else NON_DIGIT
    if isinstance(raw, int):
        return (str(raw), False, "") if raw > 0 else ("", False, MISSING)
    if isinstance(raw, float):
        if raw != raw or raw <= 0:
            return "", False, MISSING
        if not raw.is_integer():
            return "", False, NON_DIGIT
        # Excel stores numbers as doubles with 15 significant digits: a 16-digit
        # identifier typed as a number comes back with its last digit rounded.
        digits = format(int(raw))
        return digits, len(digits) > 15, ""
    if isinstance(raw, Decimal):
        return _decimal_digits(raw)
    text = str(raw).strip()
    if text.isdigit() and text.isascii():  # the common case: clean digits
        return (text, False, "") if text.strip("0") else ("", False, MISSING)
    if text.lower() in _EMPTY_TEXT:
        return "", False, MISSING
    if m := _SCIENTIFIC_RE.match(text.replace(" ", "")):
        # "3.67101E+15": Excel showed the number in scientific notation and the
        # text was copied; only the mantissa's digits survive. Keep them as a prefix.
        significant = m[1] + (m[2] or "")
        exponent = int(m[3])
        if exponent + 1 < len(significant):
            return "", False, NON_DIGIT
        return significant, True, "prefix" if exponent + 1 == ID_LENGTH else ""
    if m := _FLOAT_TEXT_RE.match(text):
        return m[1], len(m[1]) > 15, ""
    digits = _SEPARATORS_RE.sub("", text)
    if not digits:
        return "", False, MISSING
    if not digits.isdigit() or not digits.isascii():
        return "", False, NON_DIGIT
    if digits.strip("0") == "":
        return "", False, MISSING  # 0000000000000000 is a placeholder, not an identifier
    return digits, False, ""


def _decimal_digits(raw: Decimal) -> tuple[str, bool, str]:
    if not raw.is_finite() or raw <= 0:
        return "", False, MISSING
    if raw != raw.to_integral_value():
        return "", False, NON_DIGIT
    digits = format(int(raw))
    # Decimal keeps its precision: Decimal('3.67101E+15') has 6 significant digits.
    significant = len(raw.normalize().as_tuple().digits)
    damaged = len(digits) > 15 and significant < len(digits)
    return digits, damaged, ""


def round_like_excel(digits: str) -> str:
    """What Excel makes of a 16-digit number: rounded to 15 significant digits."""
    if len(digits) != ID_LENGTH:
        return digits
    return format((int(digits) + 5) // 10 * 10, "016d")


def _same_identifier(a: str, b: str, *, damaged: bool) -> bool:
    if a == b:
        return True
    # 3671100410200049 typed as a number comes back as 3671100410200050: compare the
    # numbers as Excel would have kept them when either side may be damaged.
    if damaged or a.endswith("0") or b.endswith("0"):
        return len(a) == len(b) == ID_LENGTH and round_like_excel(a) == round_like_excel(b)
    return False


def decode_nik_date(digits: str, today: date) -> tuple[date | None, str]:
    """Birth date and sex encoded in a NIK's DDMMYY (women: day + 40).

    The year has two digits: take the century that puts the date not after `today`
    (a NIK of someone born in 2024 reads 24, not 1924).
    """
    if len(digits) < 12:
        return None, ""
    return _decode_date_part(digits[6:12], today)


@lru_cache(maxsize=1 << 16)
def _decode_date_part(ddmmyy: str, today: date) -> tuple[date | None, str]:
    day, month, yy = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    if 1 <= day <= 31:
        sex = "L"
    elif 41 <= day <= 71:
        sex, day = "P", day - 40
    else:
        return None, ""
    for century in (2000, 1900):
        try:
            found = date(century + yy, month, day)
        except ValueError:
            continue
        if found <= today:
            return found, sex
    return None, sex


def check_nik(
    nik: CleanedId,
    *,
    birth_date: date | None,
    sex: str,
    kk_number: str,
    today: date | None = None,
) -> NikCheck:
    """What a NIK's digits say and whether it can be trusted as an exact key.

    `reliable` needs 16 digits, a valid stdnum.id.nik (known province/regency, a
    decodable date), no Excel damage and no sign of a KK number. A NIK whose date or
    sex disagrees with the record stays reliable: NIKs are never corrected, so a
    wrong embedded date is a fact of life, only flagged (date_mismatch, sex_mismatch;
    date_day_month_swapped too when the NIK's date is the record's with day and month
    exchanged).

    kk_in_nik (a simple heuristic, flag only):
      * the NIK equals the record's KK number (also when Excel rounded either one), or
      * the NIK's date part has no +40 (KK registration dates never do) and reads as a
        date at least KK_DATE_GAP_YEARS years after the recorded birth date: a NIK's
        date is the birth date, a KK's is when the family card was issued.
    """
    return _check_nik(nik, birth_date, sex, kk_number, today or today_wib())


@value_cache()
def _check_nik(
    nik: CleanedId, birth_date: date | None, sex: str, kk_number: str, today: date
) -> NikCheck:
    digits = nik.value
    flags = tuple(f if f.startswith("nik:") else _reprefix(f, "nik") for f in nik.flags)
    reliable, flags = nik_verdict(digits, flags, birth_date, sex, kk_number, today)
    nik_date, nik_sex = decode_nik_date(digits, today)
    return NikCheck(
        nik=digits,
        reliable=reliable,
        flags=flags,
        province_code=digits[:2] if len(digits) >= 2 else "",
        regency_code=f"{digits[:2]}.{digits[2:4]}" if len(digits) >= 4 else "",
        district_code=f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}" if len(digits) >= 6 else "",
        birth_date=nik_date,
        sex=nik_sex,
    )


def nik_verdict(
    digits: str,
    flags: tuple[str, ...],
    birth_date: date | None,
    sex: str,
    kk_number: str,
    today: date,
) -> tuple[bool, tuple[str, ...]]:
    """(reliable, flags) of `check_nik` from cleaned digits and their 'nik:' flags."""
    if not digits:
        return False, flags
    damaged = _NIK_DAMAGED in flags
    found: list[str] = []
    nik_date, nik_sex = decode_nik_date(digits, today)

    valid = False
    if len(digits) == ID_LENGTH:
        valid = stdnum_nik_valid(digits)
        if not valid:
            found.append(_NIK_INVALID)

    kk_in_nik = bool(kk_number) and _same_identifier(digits, kk_number, damaged=damaged)
    if (
        not kk_in_nik
        and nik_sex == "L"
        and nik_date is not None
        and birth_date is not None
        and nik_date.year - birth_date.year >= KK_DATE_GAP_YEARS
    ):
        kk_in_nik = True
    if kk_in_nik:
        found.append(_NIK_KK_IN_NIK)
    elif nik_date is not None:
        # Mismatches are only meaningful when the digits are a NIK at all.
        if birth_date is not None and nik_date != birth_date:
            found.append(_NIK_DATE_MISMATCH)
            # Tells the linkage which of two swap candidates the NIK supports.
            if swap_day_month(birth_date) == nik_date:
                found.append(_NIK_DATE_SWAPPED)
        if sex and nik_sex and sex != nik_sex:
            found.append(_NIK_SEX_MISMATCH)

    reliable = len(digits) == ID_LENGTH and valid and not damaged and not kk_in_nik
    return reliable, (flags + tuple(found)) if found else flags


def check_kk(kk: CleanedId) -> tuple[str, tuple[str, ...]]:
    """KK digits and 'kk:' flags (missing, excel_damaged, bad_length, non_digit, invalid).

    'kk:invalid' means the first four digits are no known province/regency or the
    registration date DDMMYY is not a calendar date.
    """
    return _check_kk(kk)


@value_cache()
def _check_kk(kk: CleanedId) -> tuple[str, tuple[str, ...]]:
    flags = tuple(f if f.startswith("kk:") else _reprefix(f, "kk") for f in kk.flags)
    return kk.value, kk_verdict(kk.value, flags)


def kk_verdict(digits: str, flags: tuple[str, ...]) -> tuple[str, ...]:
    """The 'kk:' flags of `check_kk` from cleaned digits and their flags."""
    if len(digits) == ID_LENGTH and not _kk_plausible(digits):
        return (*flags, _KK_INVALID)
    return flags


def _kk_plausible(digits: str) -> bool:
    return _kk_date_ok(digits[6:12]) and _region_known(digits[:4])


def stdnum_nik_valid(digits: str) -> bool:
    """`stdnum.id.nik.is_valid` for a 16-digit string, split into its two independent
    checks so each can be cached on a small key: ~10k region prefixes and ~36k date
    parts instead of one stdnum call (~12 µs) per distinct NIK."""
    return _nik_date_ok(digits[6:12]) and _region_known(digits[:4])


@lru_cache(maxsize=1 << 12)
def _region_known(prefix: str) -> bool:
    # A NIK-shaped number whose only possible fault is its region: 01-01-(19)00 is a date.
    return stdnum_nik.is_valid(prefix + "00" + "010100" + "0001")


@lru_cache(maxsize=1 << 16)
def _nik_date_ok(ddmmyy: str) -> bool:
    # stdnum.id.nik.get_birth_date's rule, without its per-call string cleaning:
    # day modulo 40, and the date must exist in 19yy or 20yy.
    day, month, yy = int(ddmmyy[:2]) % 40, int(ddmmyy[2:4]), int(ddmmyy[4:])
    for century in (1900, 2000):
        try:
            date(century + yy, month, day)
        except ValueError:
            continue
        return True
    return False


@lru_cache(maxsize=1 << 16)
def _kk_date_ok(ddmmyy: str) -> bool:
    # A KK's DDMMYY is the registration date: no +40, any year of either century.
    day, month, yy = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    for century in (2000, 1900):
        try:
            date(century + yy, month, day)
        except ValueError:
            continue
        return True
    return False


def _reprefix(flag: str, prefix: str) -> str:
    return f"{prefix}:{flag.partition(':')[2] or flag}"
