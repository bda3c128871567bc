"""Blocking: candidate pairs from several keys, built with numpy sorts instead of Python loops.

Each key maps a record to zero or more integer block codes. Records sharing a code become
candidate pairs; blocks larger than ``max_block_size`` are skipped for that key and reported,
because a key shared by thousands of records (name "siti" on a common date) is weak evidence
and its quadratic pair count would swamp the run. The union over keys is deduplicated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

KeyCodes = tuple[np.ndarray, np.ndarray]  # (row positions, block codes), same length


@dataclass
class BlockingReport:
    key: str
    records_keyed: int
    blocks: int
    oversized_blocks: int
    records_in_oversized: int
    pairs: int
    new_pairs: int

    def as_dict(self) -> dict[str, int | str]:
        return dict(self.__dict__)


def _codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dense int64 codes; -1 marks missing (NaN/NaT/None/'')."""
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        s = s.where(s != "", None)
    codes, _ = pd.factorize(s, use_na_sentinel=True)
    return codes.astype(np.int64)


def combine_codes(*parts: np.ndarray) -> np.ndarray:
    """Combine per-column codes into one code; -1 if any part is missing.

    Re-factorising after every step keeps the combined range small, so the multiplication
    never overflows whatever the number of columns.
    """
    out = parts[0].copy()
    for p in parts[1:]:
        missing = (out < 0) | (p < 0)
        combined = out * (int(p.max()) + 2) + p
        combined[missing] = -1
        out = _codes(combined)
        out[missing] = -1
    return out


def _single(codes: np.ndarray) -> KeyCodes:
    rows = np.flatnonzero(codes >= 0)
    return rows, codes[rows]


# --- key builders -----------------------------------------------------------------------------


def _valid_nik(df: pd.DataFrame) -> np.ndarray:
    nik = df["nik"].fillna("").astype(str)
    return (nik.str.len() == 16) & nik.str.isdigit()


def key_nik_exact(df: pd.DataFrame) -> KeyCodes:
    nik = df["nik"].where(_valid_nik(df), "")
    return _single(_codes(nik))


def key_nik_one_off(df: pd.DataFrame) -> KeyCodes:
    """Deletion neighbourhood of the 16 digits: both a one-digit substitution and a swap of
    two adjacent digits leave at least one identical 15-digit string after deleting one
    digit from each side. Done on int64 arithmetic so 16 variants per record stay cheap.

    The variant is paired with the first letter of the given name: NIKs of people born on
    nearby dates in one district are one digit apart by construction (DDMMYY + serial), so
    the bare variant would pair every such neighbour — tens of pairs per record in a city.
    """
    valid = _valid_nik(df).to_numpy()
    rows = np.flatnonzero(valid)
    if len(rows) == 0:
        return rows, rows
    nums = df["nik"].to_numpy()[rows].astype(np.int64)
    all_rows, all_keys = [], []
    for k in range(16):  # delete the digit at power-of-ten position k
        high = nums // 10 ** (k + 1)
        low = nums % 10**k
        all_rows.append(rows)
        all_keys.append(high * 10**k + low)
    r = np.concatenate(all_rows)
    k = _codes(np.concatenate(all_keys))
    initial = _codes(df["given_name_key"].fillna("").astype(str).str[:1].to_numpy()[r])
    k = combine_codes(k, initial)
    # one record may produce the same variant twice (repeated digits): keep it once
    enc = sorted_unique(r[k >= 0].astype(np.int64) * (int(k.max()) + 1) + k[k >= 0])
    width = int(k.max()) + 1
    return enc // width, enc % width


def _date_parts(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = pd.to_datetime(df["birth_date"])
    y = d.dt.year.fillna(-1).astype(np.int64).to_numpy()
    m = d.dt.month.fillna(-1).astype(np.int64).to_numpy()
    day = d.dt.day.fillna(-1).astype(np.int64).to_numpy()
    return y, m, day


def key_name_dob(df: pd.DataFrame) -> KeyCodes:
    return _single(combine_codes(_codes(df["name_key"]), _codes(df["birth_date"])))


def key_sorted_name_dob(df: pd.DataFrame) -> KeyCodes:
    return _single(combine_codes(_codes(df["name_sorted"]), _codes(df["birth_date"])))


def key_phonetic_dob(df: pd.DataFrame) -> KeyCodes:
    return _single(combine_codes(_codes(df["name_phonetic"]), _codes(df["birth_date"])))


def key_phonetic_year_kelurahan(df: pd.DataFrame) -> KeyCodes:
    y, _, _ = _date_parts(df)
    y = np.where(y < 0, -1, y)
    return _single(
        combine_codes(_codes(df["name_phonetic"]), _codes(y), _codes(df["kelurahan_code"]))
    )


def key_kk_given(df: pd.DataFrame) -> KeyCodes:
    return _single(combine_codes(_codes(df["kk_number"]), _codes(df["given_name_key"])))


def key_dob_swapped_phonetic(df: pd.DataFrame) -> KeyCodes:
    """Unordered (day, month) + year: a date and its day/month swap share the block."""
    y, m, d = _date_parts(df)
    lo, hi = np.minimum(m, d), np.maximum(m, d)
    date_code = np.where(y < 0, -1, (y * 100 + lo) * 100 + hi)
    return _single(combine_codes(_codes(df["name_phonetic"]), _codes(date_code)))


def key_phonetic_monthday(df: pd.DataFrame) -> KeyCodes:
    """Same name sound and day+month, any year: catches a wrong birth year."""
    _, m, d = _date_parts(df)
    md = np.where(m < 0, -1, m * 100 + d)
    return _single(
        combine_codes(_codes(df["name_phonetic"]), _codes(md), _codes(df["kecamatan_code"]))
    )


def key_given_dob_kecamatan(df: pd.DataFrame) -> KeyCodes:
    """First name + date + district: catches a changed or dropped second name."""
    return _single(
        combine_codes(
            _codes(df["given_name_key"]), _codes(df["birth_date"]), _codes(df["kecamatan_code"])
        )
    )


def key_name_address(df: pd.DataFrame) -> KeyCodes:
    """Name sound + street: records without NIK or birth date still meet at their address."""
    return _single(combine_codes(_codes(df["name_phonetic"]), _codes(df["address_key"])))


def key_name_kelurahan(df: pd.DataFrame) -> KeyCodes:
    return _single(combine_codes(_codes(df["name_key"]), _codes(df["kelurahan_code"])))


def key_dob_kelurahan(df: pd.DataFrame) -> KeyCodes:
    """Exact date + village: finds a person whose name is mistyped and NIK missing."""
    return _single(combine_codes(_codes(df["birth_date"]), _codes(df["kelurahan_code"])))


def key_monthday_address(df: pd.DataFrame) -> KeyCodes:
    """Day + month at one street and house: a wrong birth year plus a name typo."""
    _, m, d = _date_parts(df)
    md = np.where(m < 0, -1, m * 100 + d)
    return _single(combine_codes(_codes(md), _codes(df["address_key"]), _codes(df["house_number"])))


NAMED_KEYS: dict[str, Callable[[pd.DataFrame], KeyCodes]] = {
    "nik_exact": key_nik_exact,
    "nik_one_off": key_nik_one_off,
    "name_dob": key_name_dob,
    "sorted_name_dob": key_sorted_name_dob,
    "phonetic_dob": key_phonetic_dob,
    "phonetic_year_kelurahan": key_phonetic_year_kelurahan,
    "kk_given": key_kk_given,
    "dob_swapped_phonetic": key_dob_swapped_phonetic,
    "phonetic_monthday": key_phonetic_monthday,
    "given_dob_kecamatan": key_given_dob_kecamatan,
    "name_address": key_name_address,
    "name_kelurahan": key_name_kelurahan,
    "dob_kelurahan": key_dob_kelurahan,
    "monthday_address": key_monthday_address,
}

BlockingKeySpec = str | tuple[str, ...]


def key_codes(df: pd.DataFrame, spec: BlockingKeySpec) -> tuple[str, KeyCodes]:
    """A named key, or a tuple of column names compared exactly (generic data sets)."""
    if isinstance(spec, str):
        return spec, NAMED_KEYS[spec](df)
    return "+".join(spec), _single(combine_codes(*(_codes(df[c]) for c in spec)))


# --- pair generation --------------------------------------------------------------------------


def pairs_within_blocks(
    rows: np.ndarray, codes: np.ndarray, max_block_size: int
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """All (i, j) with i < j sharing a code, skipping blocks above the cap. Vectorised: each
    element of a sorted block pairs with the elements after it, so the left side is a repeat
    and the right side an offset ramp."""
    stats = {"blocks": 0, "oversized_blocks": 0, "records_in_oversized": 0}
    if len(rows) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, stats
    order = np.argsort(codes, kind="stable")
    c = codes[order]
    r = rows[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    sizes = np.diff(np.r_[starts, len(c)])
    oversized = sizes > max_block_size
    stats["blocks"] = int((sizes >= 2).sum())
    stats["oversized_blocks"] = int(oversized.sum())
    stats["records_in_oversized"] = int(sizes[oversized].sum())
    usable = (sizes >= 2) & ~oversized
    ends = np.repeat(starts + sizes, sizes)
    pos = np.arange(len(c))
    cnt = ends - pos - 1
    cnt[~np.repeat(usable, sizes)] = 0
    total = int(cnt.sum())
    left = np.repeat(pos, cnt)
    ramp = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    right = left + 1 + ramp
    a, b = r[left], r[right]
    i, j = np.minimum(a, b), np.maximum(a, b)
    keep = i != j
    return i[keep], j[keep], stats


@dataclass
class CandidatePairs:
    left: np.ndarray  # positional row index, left < right
    right: np.ndarray
    reports: list[BlockingReport]

    def __len__(self) -> int:
        return len(self.left)


def block(
    df: pd.DataFrame,
    keys: Sequence[BlockingKeySpec],
    *,
    max_block_size: int = 60,
    extra_pairs: tuple[np.ndarray, np.ndarray] | None = None,
) -> CandidatePairs:
    """Union of candidate pairs over ``keys``, with a per-key report of how many pairs each
    key produced and how many of them no earlier key had found."""
    n = len(df)
    seen = np.empty(0, dtype=np.int64)
    reports: list[BlockingReport] = []
    for spec in keys:
        name, (rows, codes) = key_codes(df, spec)
        i, j, stats = pairs_within_blocks(rows, codes, max_block_size)
        enc = sorted_unique(i * n + j)
        new = _not_in_sorted(enc, seen)
        seen = np.sort(np.concatenate([seen, new]))
        reports.append(
            BlockingReport(
                key=name,
                records_keyed=len(sorted_unique(rows)),
                pairs=len(enc),
                new_pairs=len(new),
                **stats,
            )
        )
    if extra_pairs is not None and len(extra_pairs[0]):
        a, b = extra_pairs
        enc = sorted_unique(np.minimum(a, b) * n + np.maximum(a, b))
        enc = enc[(enc // n) != (enc % n)]
        new = _not_in_sorted(enc, seen)
        seen = np.sort(np.concatenate([seen, new]))
        reports.append(BlockingReport("decisions", len(a), 0, 0, 0, len(enc), len(new)))
    return CandidatePairs(seen // n, seen % n, reports)


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """np.unique by sorting: numpy 2's hash-based unique is several times slower on the
    millions of int64 pair codes this module handles."""
    if len(a) == 0:
        return a
    s = np.sort(a)
    return s[np.r_[True, s[1:] != s[:-1]]]


def _not_in_sorted(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    if len(sorted_ref) == 0 or len(values) == 0:
        return values
    pos = np.minimum(np.searchsorted(sorted_ref, values), len(sorted_ref) - 1)
    return values[sorted_ref[pos] != values]
