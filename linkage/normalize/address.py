"""Street addresses and RT/RW neighbourhood units."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .caching import value_cache

# Street-type words and their canonical abbreviation (Jl. / Jalan / JL / Jln.).
_STREET_WORDS: dict[str, str] = {
    "jl": "JL", "jln": "JL", "jalan": "JL", "jlan": "JL",
    "gg": "GG", "gang": "GG",
    "komp": "KOMP", "kompl": "KOMP", "komplek": "KOMP", "kompleks": "KOMP",
    "perum": "PERUM", "perumahan": "PERUM",
    "blk": "BLOK", "blok": "BLOK",
    "kp": "KP", "kmp": "KP", "kampung": "KP", "kampong": "KP",
}  # fmt: skip
# "No. 174", "NO 174", "Nomor 174", "No.174A", "No: 12-14"; the number is the house number.
_HOUSE_NUMBER_RE = re.compile(
    r"\b(?:no|nomor|nomer|nmr|nr)\b\.?\s*:?\s*(\d+[a-z]?(?:\s*[-/]\s*\d+[a-z]?)?)\b", re.IGNORECASE
)
# RT/RW written inside the address; the RT/RW columns hold them, so the key ignores them.
# A number leading the address ("194 sturt avenue", Australian/European style), when no
# "No." gives the house number; not a date that names a street ("17 Agustus").
_LEADING_NUMBER_RE = re.compile(
    r"^(\d+[a-z]?(?:\s*[-/]\s*\d+[a-z]?)?)\s+(?!(?:januari|februari|maret|april|mei|juni|"
    r"juli|agustus|september|oktober|november|desember)\b)(?=[a-z])",
    re.IGNORECASE,
)
_RT_RW_IN_ADDRESS_RE = re.compile(
    r"\b(?:rt|rw)\b\.?\s*:?\s*\d{1,3}(?:\s*/\s*(?:rw\.?\s*)?\d{1,3})?", re.IGNORECASE
)
_WORD_RE = re.compile(r"[a-z0-9]+")
_SPACES_RE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class AddressParts:
    display: str
    key: str
    house_number: str


EMPTY_ADDRESS = AddressParts("", "", "")


@value_cache()
def normalize_address(raw: object) -> AddressParts:
    """Display text, a match key (lower case, canonical street words, no house number,
    no RT/RW) and the house number. 'Jl. Ki Samaun No. 174' and 'JLN KI SAMAUN NO 174'
    both give key 'jl ki samaun' and house number '174'."""
    if raw is None:
        return EMPTY_ADDRESS
    text = _SPACES_RE.sub(" ", str(raw)).strip()
    if not text:
        return EMPTY_ADDRESS
    display = text.upper()
    house_number = ""
    rest = text
    if m := _HOUSE_NUMBER_RE.search(text):
        house_number = _SPACES_RE.sub("", m[1]).upper()
        rest = text[: m.start()] + " " + text[m.end() :]
    elif m := _LEADING_NUMBER_RE.match(text):
        house_number = _SPACES_RE.sub("", m[1]).upper()
        rest = text[m.end() :]
    rest = _RT_RW_IN_ADDRESS_RE.sub(" ", rest)
    words = [_STREET_WORDS.get(w, w.upper()).lower() for w in _WORD_RE.findall(rest.lower())]
    return AddressParts(display=display, key=" ".join(words), house_number=house_number)


_RT_RW_PAIR_RE = re.compile(
    r"^(?:rt\.?\s*:?\s*)?(\d{1,3})\s*[/\\\-]\s*(?:rw\.?\s*:?\s*)?(\d{1,3})$", re.IGNORECASE
)
_SINGLE_UNIT_RE = re.compile(r"^(?:r[tw]\.?\s*:?\s*)?(\d{1,3})(?:\.0+)?$", re.IGNORECASE)
_EMPTY = frozenset({"", "-", "null", "none", "nan"})


@value_cache(maxsize=4096)
def parse_rt_rw(rt_raw: object, rw_raw: object) -> tuple[int | None, int | None, str]:
    """(rt, rw, error). The RT column may hold both units ("003/005"); RT and RW
    are numbered from 1, so 0 is an error, as is anything non-numeric."""
    rt_text, rw_text = _unit_text(rt_raw), _unit_text(rw_raw)
    if m := _RT_RW_PAIR_RE.match(rt_text):
        rt, rw = int(m[1]), int(m[2])
        if rw_text:
            other, error = _parse_unit(rw_text, "RW")
            if error:
                return None, None, error
            if other != rw:
                return None, None, f"RT/RW {rt_text!r} disagrees with RW {rw_text!r}"
        if rt == 0 or rw == 0:
            return None, None, f"bad RT/RW value {rt_text!r}"
        return rt, rw, ""
    rt, error = _parse_unit(rt_text, "RT")
    if error:
        return None, None, error
    rw, error = _parse_unit(rw_text, "RW")
    if error:
        return None, None, error
    return rt, rw, ""


def _unit_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float):
        if raw != raw:
            return ""
        if raw.is_integer():
            return str(int(raw))
    text = str(raw).strip()
    return "" if text.lower() in _EMPTY else text


def _parse_unit(text: str, label: str) -> tuple[int | None, str]:
    if not text:
        return None, ""
    m = _SINGLE_UNIT_RE.match(text)
    if m is None or int(m[1]) == 0:
        return None, f"bad {label} value {text!r}"
    return int(m[1]), ""
