"""Sex as recorded: Dukcapil uses L (laki-laki) and P (perempuan)."""

from __future__ import annotations

import re

from .caching import value_cache

_CODES: dict[str, str] = {
    "L": "L", "LK": "L", "LAKI": "L", "LAKILAKI": "L", "LAKI2": "L", "PRIA": "L",
    "M": "L", "MALE": "L", "1": "L",
    "P": "P", "PR": "P", "PEREMPUAN": "P", "WANITA": "P", "PEREMPUN": "P",
    "F": "P", "FEMALE": "P", "W": "P", "2": "P",
}  # fmt: skip
_NOISE_RE = re.compile(r"[\s.\-_/]+")
_EMPTY = frozenset({"", "NULL", "NONE", "NAN", "NA", "N/A"})


@value_cache(maxsize=1024)
def normalize_sex(raw: object) -> tuple[str, str]:
    """('L' | 'P' | '', error). Codes 1 = L and 2 = P follow the SIAK/BPS convention."""
    if raw is None:
        return "", ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip().upper()
    if text in _EMPTY:
        return "", ""
    code = _CODES.get(_NOISE_RE.sub("", text))
    if code is None:
        return "", f"unknown sex value {str(raw).strip()!r}"
    return code, ""
