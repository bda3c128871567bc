"""Dates as agencies write them: ISO, day-first with - / . separators, Excel serials."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from .caching import value_cache

# Kota Tangerang is on WIB (UTC+7, no DST): "today" is the local calendar day, so a
# record dated today is not "in the future" during the first hours after midnight.
WIB = timezone(timedelta(hours=7), "WIB")

# Excel's 1900 date system: serial 1 is 1900-01-01, but Excel also counts the
# non-existent 1900-02-29 (a Lotus 1-2-3 bug). Using 1899-12-30 as day zero is right
# for every serial from 61 (1900-03-01) on, so serials below 61 are rejected.
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_MIN_SERIAL = 61

# Nobody in a current register was born before 1900; older years are typos (1197, 1075).
MIN_PLAUSIBLE = date(1900, 1, 1)

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO_RE = re.compile(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}$")
_DMY_RE = re.compile(rf"^(\d{{1,2}})([-/.])(\d{{1,2}})\2(\d{{4}}){_TIME}$")
_DMY2_RE = re.compile(r"^\d{1,2}([-/.])\d{1,2}\1\d{2}$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL_RE = re.compile(r"^\d{1,6}(?:\.\d+)?$")
_TEXT_MONTH_RE = re.compile(r"^(\d{1,2})[\s\-/.]+([a-z]+)\.?[\s\-/.]+(\d{4})$")
_SPACES_RE = re.compile(r"\s+")

# Indonesian and English month names and their usual abbreviations.
MONTHS: dict[str, int] = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "february": 2, "pebruari": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "agt": 8, "aug": 8, "ags": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip

_EMPTY_TEXT = frozenset({"", "-", "--", "null", "none", "nan", "n/a", "na", "0000-00-00"})


@dataclass(frozen=True, slots=True)
class ParsedDate:
    value: date | None
    flags: tuple[str, ...]
    error: str


def today_wib() -> date:
    """The current calendar day in Kota Tangerang."""
    return datetime.now(WIB).date()


def swap_day_month(d: date) -> date | None:
    """The date with day and month exchanged, or None when that is not a date."""
    if d.day > 12 or d.day == d.month:
        return None
    try:
        return d.replace(month=d.day, day=d.month)
    except ValueError:
        return None


def excel_serial_to_date(serial: float) -> date | None:
    """Excel 1900-system serial (time of day ignored) to a date; None outside 1900-03-01..9999."""
    if serial != serial or serial < EXCEL_MIN_SERIAL or serial > 2_958_465:  # NaN or out of range
        return None
    return EXCEL_EPOCH + timedelta(days=int(serial))


def parse_date(raw: object, *, field: str, today: date | None = None) -> ParsedDate:
    return parse_date_cached(raw, field, today or today_wib())


@value_cache()
def parse_date_cached(raw: object, field: str, today: date) -> ParsedDate:
    value, error, empty = _to_date(raw)
    if empty:
        return ParsedDate(None, (f"{field}:missing",), "")
    if value is None:
        return ParsedDate(None, (), error)
    if value > today:
        return ParsedDate(None, (), "date in the future")
    if value < MIN_PLAUSIBLE:
        return ParsedDate(None, (), f"date before {MIN_PLAUSIBLE.year}: {value.isoformat()}")
    flags: tuple[str, ...] = ()
    # A day and month both <= 12 could have been swapped by an Excel locale
    # (MM/DD vs DD/MM) or by hand; only the linkage can tell, so flag, not fix.
    if value.day <= 12 and value.month <= 12 and value.day != value.month:
        flags = (f"{field}:swap_candidate",)
    return ParsedDate(value, flags, "")


def _to_date(raw: object) -> tuple[date | None, str, bool]:
    """(date, error, is_empty)."""
    if raw is None:
        return None, "", True
    if isinstance(raw, datetime):
        return raw.date(), "", False
    if isinstance(raw, date):
        return raw, "", False
    if isinstance(raw, bool):
        return None, f"not a date: {raw!r}", False
    if isinstance(raw, int | float | Decimal):
        if raw != raw:  # NaN: an empty numeric cell
            return None, "", True
        if _looks_like_a_year(float(raw)):
            return None, f"year only: {raw!r}", False
        found = excel_serial_to_date(float(raw))
        return (found, "", False) if found else (None, f"not a date: {raw!r}", False)
    text = _SPACES_RE.sub(" ", str(raw).strip())
    if text.lower() in _EMPTY_TEXT:
        return None, "", True
    found = _parse_text(text)
    if found is not None:
        return found, "", False
    if _SERIAL_RE.match(text) and _looks_like_a_year(float(text)):
        return None, f"year only: {text!r}", False
    if _DMY2_RE.match(text):
        # 01-02-75 could be 1875, 1975 or 2075 for a birth date: refuse to guess.
        return None, f"two-digit year: {text!r}", False
    return None, f"not a date: {text!r}", False


def _parse_text(text: str) -> date | None:
    try:
        if m := _ISO_RE.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY_RE.match(text):
            return date(int(m[4]), int(m[3]), int(m[1]))
        if m := _COMPACT_RE.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _TEXT_MONTH_RE.match(text.lower()):
            month = MONTHS.get(m[2])
            return date(int(m[3]), month, int(m[1])) if month else None
    except ValueError:  # 31/02/1990 and friends
        return None
    if _SERIAL_RE.match(text) and not _looks_like_a_year(float(text)):
        return excel_serial_to_date(float(text))
    return None


def _looks_like_a_year(number: float) -> bool:
    # Serials 1900-2100 are dates in 1905; a cell holding 1975 means the year 1975.
    return number.is_integer() and 1900 <= number <= 2100
