"""Household and aid fields: relationship to the KK head, welfare decile, aid receipts."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from .caching import value_cache
from .dates import MONTHS, excel_serial_to_date

KEPALA_KELUARGA = "KEPALA_KELUARGA"
SUAMI = "SUAMI"
ISTRI = "ISTRI"
ANAK = "ANAK"
MENANTU = "MENANTU"
CUCU = "CUCU"
ORANG_TUA = "ORANG_TUA"
MERTUA = "MERTUA"
FAMILI_LAIN = "FAMILI_LAIN"
PEMBANTU = "PEMBANTU"
LAINNYA = "LAINNYA"

RELATIONSHIPS = (
    KEPALA_KELUARGA, SUAMI, ISTRI, ANAK, MENANTU, CUCU,
    ORANG_TUA, MERTUA, FAMILI_LAIN, PEMBANTU, LAINNYA,
)  # fmt: skip

# Keys are upper case with punctuation removed and spaces collapsed.
_RELATIONSHIP_WORDS: dict[str, str] = {
    "KEPALA KELUARGA": KEPALA_KELUARGA, "KEPALA KK": KEPALA_KELUARGA, "KK": KEPALA_KELUARGA,
    "KEP KELUARGA": KEPALA_KELUARGA, "KEP KEL": KEPALA_KELUARGA, "KEPALA": KEPALA_KELUARGA,
    "KRT": KEPALA_KELUARGA, "KEPALA RUMAH TANGGA": KEPALA_KELUARGA,
    "KEPALAKELUARGA": KEPALA_KELUARGA, "HEAD": KEPALA_KELUARGA,
    "HEAD OF HOUSEHOLD": KEPALA_KELUARGA, "HEAD OF FAMILY": KEPALA_KELUARGA,
    "SUAMI": SUAMI, "HUSBAND": SUAMI,
    "ISTRI": ISTRI, "ISTERI": ISTRI, "IST": ISTRI, "WIFE": ISTRI,
    "ANAK": ANAK, "ANAK KANDUNG": ANAK, "ANAK TIRI": ANAK, "ANAK ANGKAT": ANAK,
    "CHILD": ANAK, "SON": ANAK, "DAUGHTER": ANAK,
    "MENANTU": MENANTU, "SON IN LAW": MENANTU, "DAUGHTER IN LAW": MENANTU,
    "CUCU": CUCU, "GRANDCHILD": CUCU,
    "ORANG TUA": ORANG_TUA, "ORANGTUA": ORANG_TUA, "ORTU": ORANG_TUA, "AYAH": ORANG_TUA,
    "IBU": ORANG_TUA, "BAPAK": ORANG_TUA, "PARENT": ORANG_TUA, "FATHER": ORANG_TUA,
    "MOTHER": ORANG_TUA,
    "MERTUA": MERTUA, "PARENT IN LAW": MERTUA,
    "FAMILI LAIN": FAMILI_LAIN, "FAMILY LAIN": FAMILI_LAIN, "FAMILI": FAMILI_LAIN,
    "KELUARGA LAIN": FAMILI_LAIN, "SAUDARA": FAMILI_LAIN, "OTHER RELATIVE": FAMILI_LAIN,
    "RELATIVE": FAMILI_LAIN,
    "PEMBANTU": PEMBANTU, "PEMBANTU RUMAH TANGGA": PEMBANTU, "ART": PEMBANTU, "PRT": PEMBANTU,
    "SERVANT": PEMBANTU, "DOMESTIC WORKER": PEMBANTU,
    "LAINNYA": LAINNYA, "LAIN LAIN": LAINNYA, "OTHER": LAINNYA, "OTHERS": LAINNYA,
}  # fmt: skip
# SIAK's numeric SHDK (status hubungan dalam keluarga) codes 1-11.
_RELATIONSHIP_CODES = {str(i): code for i, code in enumerate(RELATIONSHIPS, start=1)}

_PUNCT_RE = re.compile(r"[^0-9A-Z]+")


def _words(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return _PUNCT_RE.sub(" ", str(raw).upper()).strip()


@value_cache(maxsize=1024)
def normalize_relationship(raw: object) -> tuple[str, str]:
    """(canonical code, error). An unknown value gives ('', error): the importer keeps the
    row and flags the field (relationship:unknown); it never makes a row unreadable."""
    if raw is None:
        return "", ""
    words = _words(raw)
    if not words or words in {"NAN", "NULL", "NONE"}:
        return "", ""
    code = _RELATIONSHIP_WORDS.get(words) or _RELATIONSHIP_CODES.get(words)
    if code is None and words.startswith("ANAK"):
        code = ANAK  # ANAK KE 2, ANAK KANDUNG LAKI LAKI
    if code is None:
        return "", f"unknown relationship value {str(raw).strip()!r}"
    return code, ""


_DECILE_RE = re.compile(r"^(?:DESIL|D)?\s*(\d{1,2})(?:\.0+)?$")


@value_cache(maxsize=256)
def parse_decile(raw: object) -> tuple[int | None, str]:
    """DTSEN welfare decile (desil) 1-10; '3', 3, 3.0, 'Desil 3' -> 3."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return None, ""
    if isinstance(raw, bool):
        return None, f"bad decile {raw!r}"
    if isinstance(raw, int | float | Decimal):
        value = float(raw)
        if value.is_integer() and 1 <= value <= 10:
            return int(value), ""
        return None, f"bad decile {raw!r}"
    text = str(raw).strip().upper()
    if not text or text in {"-", "NAN", "NULL"}:
        return None, ""
    m = _DECILE_RE.match(text)
    if m and 1 <= int(m[1]) <= 10:
        return int(m[1]), ""
    return None, f"bad decile {str(raw).strip()!r}"


_THOUSANDS_DOT_RE = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_THOUSANDS_COMMA_RE = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_AMOUNT_PREFIX_RE = re.compile(r"^(?:RP|IDR)\.?\s*", re.IGNORECASE)


@value_cache()
def parse_amount(raw: object) -> tuple[int | None, str]:
    """Whole rupiah. Separators follow Indonesian usage: '.' groups thousands and ','
    marks decimals (Rp 300.000,00). A lone comma followed by exactly three digits
    ('300,000', English-locale exports) also groups thousands, since rupiah amounts
    have no fractional part worth three digits. A non-zero fraction is an error."""
    if raw is None or isinstance(raw, bool):
        return None, "" if raw is None else f"bad amount {raw!r}"
    if isinstance(raw, int | float | Decimal):
        if raw != raw:
            return None, ""
        return _whole_rupiah(Decimal(str(raw)), raw)
    text = str(raw).strip()
    if text in {"", "-"}:
        return None, ""
    compact = _AMOUNT_PREFIX_RE.sub("", text).replace(" ", "").rstrip("-").rstrip(",")
    if _THOUSANDS_DOT_RE.match(compact) or _THOUSANDS_COMMA_RE.match(compact):
        number = compact.replace(".", "").replace(",", "")
    elif "," in compact and "." in compact:
        # the separator that comes last is the decimal one: 300.000,00 or 300,000.00
        if compact.rfind(",") > compact.rfind("."):
            number = compact.replace(".", "").replace(",", ".")
        else:
            number = compact.replace(",", "")
    else:
        number = compact.replace(",", ".")
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None, f"bad amount {text!r}"
    return _whole_rupiah(value, text)


def _whole_rupiah(value: Decimal, shown: object) -> tuple[int | None, str]:
    if not value.is_finite() or value < 0 or value != value.to_integral_value():
        return None, f"bad amount {shown!r}"
    return int(value), ""


# Period formats: 2026-Q1, Q1 2026, Q1-2026, 2026 Q1, TW1 2026, TW I 2026,
# Triwulan 1 2026, Kuartal I 2026; months 2026-03, 2026-3, 2026/03, 03/2026, Maret 2026.
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_QUARTER_WORD = r"(?:Q|TW|TRIWULAN|KUARTAL|KWARTAL|QUARTER)"
_QUARTER_NUM = r"([1-4]|IV|I{1,3})"
_PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^(\d{{4}})\s*[-/ ]?\s*{_QUARTER_WORD}\s*-?\s*{_QUARTER_NUM}$"), "yq"),
    (re.compile(rf"^{_QUARTER_WORD}\s*-?\s*{_QUARTER_NUM}\s*[-/ ]?\s*(\d{{4}})$"), "qy"),
    (re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{4})$"), "my"),
    (re.compile(r"^([A-Z]+)\.?\s*[-/ ]?\s*(\d{4})$"), "namey"),
    (re.compile(r"^(\d{4})(\d{2})$"), "ym"),
)
_SPACES_RE = re.compile(r"\s+")


@value_cache(maxsize=1024)
def parse_period(raw: object) -> tuple[str, str]:
    """Canonical aid period: '2026-Q1' (quarter) or '2026-03' (month)."""
    if raw is None:
        return "", ""
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return f"{raw.year:04d}-{raw.month:02d}", ""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        # An Excel cell holding a date shows up as its serial number.
        found = excel_serial_to_date(float(raw)) if raw == raw else None
        if found is None or not _plausible_year(str(found.year)):
            return ("", "") if raw != raw else ("", f"not a period: {raw!r}")
        return f"{found.year:04d}-{found.month:02d}", ""
    text = _SPACES_RE.sub(" ", str(raw).strip().upper())
    if not text or text in {"-", "NAN", "NULL"}:
        return "", ""
    for pattern, shape in _PERIOD_PATTERNS:
        if m := pattern.match(text):
            result = _period_from(shape, m)
            if result:
                return result, ""
    return "", f"not a period: {str(raw).strip()!r}"


def _period_from(shape: str, m: re.Match[str]) -> str:
    if shape in ("yq", "qy"):
        year, quarter = (m[1], m[2]) if shape == "yq" else (m[2], m[1])
        q = _ROMAN.get(quarter) or int(quarter)
        return f"{year}-Q{q}" if _plausible_year(year) else ""
    if shape == "namey":
        month = MONTHS.get(m[1].lower())
        year = m[2]
    else:
        year, month_text = (m[1], m[2]) if shape == "ym" else (m[2], m[1])
        month = int(month_text)
    if not month or not 1 <= month <= 12 or not _plausible_year(year):
        return ""
    return f"{year}-{month:02d}"


def _plausible_year(year: str) -> bool:
    return 2000 <= int(year) <= 2100


# Program codes. Program Sembako is the 2020 successor of BPNT (same card, same
# deciles), so both map to BPNT. PBI-JK is the JKN premium assistance (also KIS PBI).
_PROGRAMS: dict[str, str] = {
    "PKH": "PKH", "PROGRAM KELUARGA HARAPAN": "PKH",
    "BPNT": "BPNT", "SEMBAKO": "BPNT", "PROGRAM SEMBAKO": "BPNT", "BANSOS SEMBAKO": "BPNT",
    "KARTU SEMBAKO": "BPNT", "BANTUAN PANGAN NON TUNAI": "BPNT",
    "PBI JK": "PBI-JK", "PBIJK": "PBI-JK", "PBI": "PBI-JK", "PBI JKN": "PBI-JK",
    "PBIJKN": "PBI-JK", "KIS PBI": "PBI-JK", "PBI KIS": "PBI-JK",
    "BLT": "BLT", "BANTUAN LANGSUNG TUNAI": "BLT",
    "KIP": "KIP", "KARTU INDONESIA PINTAR": "KIP",
    "PIP": "PIP", "PROGRAM INDONESIA PINTAR": "PIP",
}  # fmt: skip


@value_cache(maxsize=1024)
def normalize_program(raw: object) -> tuple[str, str]:
    """(code, error): known programs to their code, anything else to an upper-case
    slug ('BLT DD' -> 'BLT-DD'); never an error."""
    if raw is None:
        return "", ""
    words = _words(raw)
    if not words or words in {"NAN", "NULL", "NONE"}:
        return "", ""
    return _PROGRAMS.get(words) or words.replace(" ", "-"), ""
