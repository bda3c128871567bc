"""Blocking: candidate pairs from several keys, built with numpy sorts instead of Python loops.

Each key maps a record to zero or more integer block codes. Records sharing a code become
candidate pairs; blocks larger than ``max_block_size`` are skipped for that key and reported,
because a key shared by thousands of records (name "siti" on a common date) is weak evidence
and its quadratic pair count would swamp the run. The union over keys is deduplicated.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from linkage.compare import Columns

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

    Codes only need equality (blocks are found by sorting), so parts are mixed by
    multiplication; re-factorising happens only when the product could overflow int64.
    """
    out = parts[0].copy()
    for p in parts[1:]:
        missing = (out < 0) | (p < 0)
        width = int(p.max()) + 2
        if (int(out.max()) + 1) * width >= 2**62:
            out = _codes(out)
        out = out * width + p
        out[missing] = -1
    return out


class ColumnCodes:
    """Per-run cache of column codes: several keys share columns (name, date, region), and
    factorising a string column is the costliest step of building a key."""

    def __init__(self, df: pd.DataFrame, shared: Columns | None = None) -> None:
        self.df = df
        # the comparison step's cache, when given, so each column is factorised once per run
        self.shared = shared if shared is not None else Columns(df)
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, column: str) -> np.ndarray:
        return self.shared.code(column)

    def derived(self, name: str, make: Callable[[], np.ndarray]) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]


def _single(codes: np.ndarray) -> KeyCodes:
    rows = np.flatnonzero(codes >= 0)
    return rows, codes[rows]


# --- key builders -----------------------------------------------------------------------------


def key_nik_exact(c: ColumnCodes) -> KeyCodes:
    return _single(np.where(c.shared.valid_nik("nik"), c("nik"), -1))


def pairs_nik_one_off(
    c: ColumnCodes, max_block_size: int
) -> tuple[np.ndarray, np.ndarray, dict[str, int], np.ndarray]:
    """NIKs one typo apart (a substitution or a swap of adjacent digits), found through
    three pigeonhole variants on int64 arithmetic, on distinct values only.

    The variant is paired with the given name and the recorded birth year: NIKs of people
    born on nearby dates in one district are one digit apart by construction (DDMMYY +
    serial), so the bare variant (or one with just the name's initial) pairs every such
    neighbour — a million non-matching pairs in a 200k-person city. A NIK typo leaves name
    and birth date alone, so the same person still meets itself; a NIK typo plus another
    slip is left to the other keys.

    Works on distinct (NIK, given, year) values and expands value pairs to record pairs at the
    end: one person's three records with one NIK would otherwise repeat every pair 16 times.
    """
    df = c.df
    rows = np.flatnonzero(c.shared.valid_nik("nik"))
    given = c("given_name_key")
    empty = np.empty(0, dtype=np.int64)
    stats = {"blocks": 0, "oversized_blocks": 0, "records_in_oversized": 0}
    if len(rows) == 0:
        return empty, empty, stats, rows
    # group = given name + birth year ("missing" is a year of its own, so records without
    # a date still meet each other)
    year = _date_parts(c)[0]
    group = combine_codes(given[rows], _codes(year[rows]))
    nik_num = df["nik"].to_numpy()[rows].astype(np.int64)
    value = combine_codes(c("nik")[rows], group)
    rows, value, nik_num, group = (x[value >= 0] for x in (rows, value, nik_num, group))
    # distinct values by sorting (numpy 2's hash unique is slower here)
    vorder = np.argsort(value, kind="stable")
    sv = value[vorder]
    vfirst = np.r_[True, sv[1:] != sv[:-1]]
    inverse = np.empty(len(value), dtype=np.int64)
    inverse[vorder] = np.cumsum(vfirst) - 1
    first_idx = vorder[vfirst]
    nums, grp = nik_num[first_idx], group[first_idx]
    vid = np.arange(len(first_idx))
    # only groups holding two or more distinct values can yield a pair
    _, ginv, gcount = np.unique(grp, return_inverse=True, return_counts=True)
    live = gcount[ginv] >= 2
    nums, grp, vid = nums[live], grp[live], vid[live]
    # Pigeonhole variants: a substitution leaves one 8-digit half intact, and a swap of two
    # adjacent digits does too unless it straddles the middle (digits 8 and 9), which leaves
    # the outer 14 digits intact. Three variants per value (a deletion neighbourhood needs
    # 16); sharing one is necessary, not sufficient, so value pairs are then filtered to
    # OSA distance <= 1. (Masking 4-digit windows would be unselective: a masked DDMM pairs
    # everyone of one district, year and given name.)
    keys = [
        (nums // 10**8).astype(np.uint64),  # left half: region + birth day
        (nums % 10**8).astype(np.uint64) + np.uint64(10**8),  # right half: MMYY + serial
        ((nums // 10**9) * 10**7 + nums % 10**7).astype(np.uint64) + np.uint64(10**15),
    ]
    # Mix variant and group (given name + year) by a multiplicative hash (wrapping uint64)
    # instead of an exact combined code: that product overflows int64 and re-factorising
    # the codes costs seconds. A collision (odds ~2**-64 per pair) is removed by the filter.
    reps = len(keys)
    mixed = np.concatenate(keys) * np.uint64(0x9E3779B97F4A7C15)
    vk = (mixed ^ np.tile(grp, reps).astype(np.uint64)).view(np.int64)
    va, vb, stats = pairs_within_blocks(np.tile(vid, reps), vk, max_block_size)
    if len(va):
        pair_code = sorted_unique(va * len(first_idx) + vb)  # a pair may share 2 variants
        va, vb = pair_code // len(first_idx), pair_code % len(first_idx)
        nik_str = df["nik"].to_numpy(dtype=object)[rows[first_idx]]
        d = process.cpdist(nik_str[va], nik_str[vb], scorer=OSA.distance, workers=-1)
        va, vb = va[d <= 1], vb[d <= 1]
    uniq_count = len(first_idx)
    # expand value pairs to record pairs (cross product of the two values' records)
    order = np.argsort(inverse, kind="stable")
    size = np.bincount(inverse, minlength=uniq_count)
    start = np.cumsum(size) - size
    cnt = size[va] * size[vb]
    pid = np.repeat(np.arange(len(va)), cnt)
    off = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    ra = rows[order[start[va][pid] + off // size[vb][pid]]]
    rb = rows[order[start[vb][pid] + off % size[vb][pid]]]
    return np.minimum(ra, rb), np.maximum(ra, rb), stats, rows


def _date_parts(c: ColumnCodes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ymd = c.shared.ymd("birth_date")  # shared with the comparison of dates
    return ymd[0], ymd[1], ymd[2]


def key_name_dob(c: ColumnCodes) -> KeyCodes:
    return _single(combine_codes(c("name_key"), c("birth_date")))


def key_sorted_name_dob(c: ColumnCodes) -> KeyCodes:
    return _single(combine_codes(c("name_sorted"), c("birth_date")))


def key_phonetic_dob(c: ColumnCodes) -> KeyCodes:
    return _single(combine_codes(c("name_phonetic"), c("birth_date")))


def key_phonetic_year_kelurahan(c: ColumnCodes) -> KeyCodes:
    y, _, _ = _date_parts(c)
    y = np.where(y < 0, -1, y)
    return _single(combine_codes(c("name_phonetic"), _codes(y), c("kelurahan_code")))


def key_kk_given(c: ColumnCodes) -> KeyCodes:
    return _single(combine_codes(c("kk_number"), c("given_name_key")))


def key_dob_swapped_phonetic(c: ColumnCodes) -> KeyCodes:
    """Unordered (day, month) + year: a date and its day/month swap share the block."""
    y, m, d = _date_parts(c)
    lo, hi = np.minimum(m, d), np.maximum(m, d)
    date_code = np.where(y < 0, -1, (y * 100 + lo) * 100 + hi)
    return _single(combine_codes(c("name_phonetic"), _codes(date_code)))


def key_phonetic_monthday(c: ColumnCodes) -> KeyCodes:
    """Same name sound and day+month, any year: catches a wrong birth year."""
    _, m, d = _date_parts(c)
    md = np.where(m < 0, -1, m * 100 + d)
    return _single(combine_codes(c("name_phonetic"), _codes(md), c("kecamatan_code")))


def key_given_dob_kecamatan(c: ColumnCodes) -> KeyCodes:
    """First name + date + district: catches a changed or dropped second name."""
    return _single(combine_codes(c("given_name_key"), c("birth_date"), c("kecamatan_code")))


def key_name_address(c: ColumnCodes) -> KeyCodes:
    """Name sound + street: records without NIK or birth date still meet at their address."""
    return _single(combine_codes(c("name_phonetic"), c("address_key")))


def key_name_kelurahan(c: ColumnCodes) -> KeyCodes:
    return _single(combine_codes(c("name_key"), c("kelurahan_code")))


def key_dob_kelurahan(c: ColumnCodes) -> KeyCodes:
    """Exact date + village: finds a person whose name is mistyped and NIK missing."""
    return _single(combine_codes(c("birth_date"), c("kelurahan_code")))


def key_monthday_address(c: ColumnCodes) -> KeyCodes:
    """Day + month at one street and house: a wrong birth year plus a name typo."""
    _, m, d = _date_parts(c)
    md = np.where(m < 0, -1, m * 100 + d)
    return _single(combine_codes(_codes(md), c("address_key"), c("house_number")))


def _name_tokens(c: ColumnCodes) -> tuple[np.ndarray, np.ndarray]:
    """Codes of each record's first and last name token (equal for a one-token name), built
    on the distinct names only. A shared code space, so "smith john" meets "john smith"."""

    def make() -> np.ndarray:
        codes = c("name_key")
        uniques = c.shared.uniques("name_key")
        if uniques is None or len(uniques) == 0:
            return np.full((2, len(codes)), -1, dtype=np.int64)
        names = pd.Series(uniques, dtype=object)
        first = names.str.split(" ", n=1).str[0]
        last = names.str.rsplit(" ", n=1).str[-1]
        tok, _ = pd.factorize(pd.concat([first, last], ignore_index=True))
        tok = np.r_[tok.astype(np.int64), -1, -1]  # code -1 (no name) -> -1
        k = len(uniques)
        pick = np.where(codes < 0, 2 * k, codes)
        return np.stack([tok[pick], tok[np.where(codes < 0, 2 * k + 1, codes + k)]])

    out = c.derived("name_tokens", make)
    return out[0], out[1]


def key_token_dob(c: ColumnCodes) -> KeyCodes:
    """First or last name token + exact birth date, no region: given and family name
    swapped, and a typo in the other token (FEBRL), or a dropped second name, still meet. A
    record is keyed twice (once per token); a one-token name once."""
    first, last = _name_tokens(c)
    dob = c("birth_date")
    a = combine_codes(first, dob)
    b = combine_codes(last, dob)
    b = np.where(first == last, -1, b)
    rows = np.r_[np.flatnonzero(a >= 0), np.flatnonzero(b >= 0)]
    return rows, np.r_[a[a >= 0], b[b >= 0]]


def key_phonetic_house(c: ColumnCodes) -> KeyCodes:
    """Name sound + house number, no date, street or region: a wrong birth date plus a typo
    in the name and one in the street still meet."""
    return _single(combine_codes(c("name_phonetic"), c("house_number")))


def key_phonetic_address(c: ColumnCodes) -> KeyCodes:
    """Name sound + street + house number, no date and no region: a wrong birth date plus a
    name typo still meets at the address."""
    return _single(combine_codes(c("name_phonetic"), c("address_key"), c("house_number")))


def key_name_house(c: ColumnCodes) -> KeyCodes:
    """Name (either order) + house number: a wrong or missing birth date plus a typo in the
    street ("bambridg estreet")."""
    return _single(combine_codes(c("name_sorted"), c("house_number")))


def key_dob_house(c: ColumnCodes) -> KeyCodes:
    """Birth date + house number: both name tokens mistyped ("amelia struck" / "amelis
    sturck") and no identifier."""
    return _single(combine_codes(c("birth_date"), c("house_number")))


def key_token_address(c: ColumnCodes) -> KeyCodes:
    """First or last name token + street + house number: a wrong birth date plus a typo in
    the other token ("nathab priest" / "nathsan priest")."""
    first, last = _name_tokens(c)
    place = combine_codes(c("address_key"), c("house_number"))
    a = combine_codes(first, place)
    b = np.where(first == last, -1, combine_codes(last, place))
    rows = np.r_[np.flatnonzero(a >= 0), np.flatnonzero(b >= 0)]
    return rows, np.r_[a[a >= 0], b[b >= 0]]


def key_other_id_exact(c: ColumnCodes) -> KeyCodes:
    """An identifier other than NIK and KK (an agency's member number), exact."""
    return _single(c("other_id"))


def key_other_id_one_off(c: ColumnCodes) -> KeyCodes:
    """An identifier other than NIK and KK one typo apart (a substitution, a swap of adjacent
    characters, one character dropped or added): the value and each of its one-character
    deletions are the record's codes, so two values one typo apart share one of them."""
    codes = c("other_id")
    uniques = c.shared.uniques("other_id")
    if uniques is None or len(uniques) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    variants = [
        [value, *(value[:k] + value[k + 1 :] for k in range(len(value)))]
        for value in uniques.tolist()
    ]
    per_value = np.array([len(v) for v in variants], dtype=np.int64)
    variant_codes, _ = pd.factorize(pd.Series([x for v in variants for x in v], dtype=object))
    first = np.cumsum(per_value) - per_value
    rows = np.flatnonzero(codes >= 0)
    count = per_value[codes[rows]]
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    keyed = np.repeat(rows, count)
    return keyed, variant_codes.astype(np.int64)[first[codes[keyed]] + offset]


@dataclass(frozen=True)
class BlockingKey:
    """One blocking key as data: its name, the columns it reads (a frame lacking any of them
    skips the key: no KeyError, no pairs) and the function building its codes. The one
    definition both the in-memory blocking and registry/linking/incremental.py read."""

    name: str
    columns: tuple[str, ...]
    build: Callable[[ColumnCodes], KeyCodes]
    multi: bool = False  # a record may carry several codes (pairs may repeat within the key)
    # Keys for records with neither a valid NIK nor a KK number (an agency holding name, birth
    # date and address only; FEBRL): those have no identifier key to meet their other records
    # through, so looser name/address keys reach them. Identified records are not keyed, so
    # the city's candidate pairs (and EM on them) hardly change.
    unidentified_only: bool = False


_NAME = ("name_key",)
BLOCKING_KEYS: tuple[BlockingKey, ...] = (
    BlockingKey("nik_exact", ("nik",), key_nik_exact),
    BlockingKey("other_id_exact", ("other_id",), key_other_id_exact),
    BlockingKey("other_id_one_off", ("other_id",), key_other_id_one_off, multi=True),
    BlockingKey("name_dob", ("name_key", "birth_date"), key_name_dob),
    BlockingKey("sorted_name_dob", ("name_sorted", "birth_date"), key_sorted_name_dob),
    BlockingKey("phonetic_dob", ("name_phonetic", "birth_date"), key_phonetic_dob),
    BlockingKey(
        "phonetic_year_kelurahan",
        ("name_phonetic", "birth_date", "kelurahan_code"),
        key_phonetic_year_kelurahan,
    ),
    BlockingKey("kk_given", ("kk_number", "given_name_key"), key_kk_given),
    BlockingKey("dob_swapped_phonetic", ("name_phonetic", "birth_date"), key_dob_swapped_phonetic),
    BlockingKey(
        "phonetic_monthday",
        ("name_phonetic", "birth_date", "kecamatan_code"),
        key_phonetic_monthday,
    ),
    BlockingKey(
        "given_dob_kecamatan",
        ("given_name_key", "birth_date", "kecamatan_code"),
        key_given_dob_kecamatan,
    ),
    BlockingKey("name_address", ("name_phonetic", "address_key"), key_name_address),
    BlockingKey(
        "name_kelurahan",
        ("name_key", "kelurahan_code"),
        key_name_kelurahan,
        unidentified_only=True,
    ),
    BlockingKey("dob_kelurahan", ("birth_date", "kelurahan_code"), key_dob_kelurahan),
    BlockingKey(
        "monthday_address", ("birth_date", "address_key", "house_number"), key_monthday_address
    ),
    BlockingKey("token_dob", ("name_key", "birth_date"), key_token_dob, multi=True),
    BlockingKey(
        "phonetic_address",
        ("name_phonetic", "address_key", "house_number"),
        key_phonetic_address,
    ),
    BlockingKey(
        "phonetic_house",
        ("name_phonetic", "house_number"),
        key_phonetic_house,
        unidentified_only=True,
    ),
    BlockingKey(
        "name_house", ("name_sorted", "house_number"), key_name_house, unidentified_only=True
    ),
    BlockingKey("dob_house", ("birth_date", "house_number"), key_dob_house),
    BlockingKey(
        "token_address",
        ("name_key", "address_key", "house_number"),
        key_token_address,
        multi=True,
        unidentified_only=True,
    ),
)
KEYS_BY_NAME: dict[str, BlockingKey] = {k.name: k for k in BLOCKING_KEYS}
# name -> builder, for callers that only build codes
NAMED_KEYS: dict[str, Callable[[ColumnCodes], KeyCodes]] = {k.name: k.build for k in BLOCKING_KEYS}
NIK_ONE_OFF_COLUMNS = ("nik", "given_name_key")

BlockingKeySpec = str | tuple[str, ...]


def identified(c: ColumnCodes) -> np.ndarray:
    """Per record: a valid NIK or a KK number."""
    return c.derived(
        "identified", lambda: c.shared.valid_nik("nik") | (c.shared.code("kk_number") >= 0)
    )


def key_columns(spec: BlockingKeySpec) -> tuple[str, ...]:
    """The columns a key reads."""
    if spec == "nik_one_off":
        return NIK_ONE_OFF_COLUMNS
    if isinstance(spec, str):
        return KEYS_BY_NAME[spec].columns
    return tuple(spec)


def key_name(spec: BlockingKeySpec) -> str:
    return spec if isinstance(spec, str) else "+".join(spec)


def key_codes(c: ColumnCodes, spec: BlockingKeySpec) -> tuple[str, KeyCodes]:
    """A named key, or a tuple of column names compared exactly (generic data sets)."""
    if isinstance(spec, str):
        key = KEYS_BY_NAME[spec]
        rows, codes = key.build(c)
        if key.unidentified_only:
            keep = ~identified(c)[rows]
            rows, codes = rows[keep], codes[keep]
        return spec, (rows, codes)
    return "+".join(spec), _single(combine_codes(*(c(col) for col in spec)))


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
    order = np.argsort(codes)  # block order is irrelevant: no need for a stable sort
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
    # in place where it can: the biggest key of a city yields millions of pairs
    left = np.repeat(pos, cnt)
    right = np.arange(total)
    right -= np.repeat(np.cumsum(cnt) - cnt, cnt)  # the ramp within each run
    right += left
    right += 1
    a = r[left]
    del left
    b = r[right]
    del right
    i = np.minimum(a, b)
    np.maximum(a, b, out=b)
    del a
    keep = i != b
    if keep.all():
        return i, b, stats
    return i[keep], b[keep], stats


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
    columns: Columns | None = None,
    workers: int = 1,
) -> CandidatePairs:
    """Union of candidate pairs over ``keys``, with a per-key report of how many pairs each
    key produced and how many of them no earlier key had found.

    ``workers`` threads (-1: one per core) build the keys' pairs and sort their union: numpy's
    sorts, takes and repeats release the GIL, so a city's blocking runs on every core. The
    result does not depend on the number of threads."""
    n = len(df)
    if len(keys) > 30:
        raise ValueError("at most 30 blocking keys (the union tags pairs with 5 bits)")
    threads = (os.cpu_count() or 1) if workers == -1 else max(1, workers)
    if n < PARALLEL_MIN_RECORDS:
        threads = 1
    cache = ColumnCodes(df, columns)
    # Block codes first, on this thread: factorising strings holds the GIL, and the column
    # cache is then only read by the threads.
    absent = [not set(key_columns(spec)) <= set(df.columns) for spec in keys]
    coded = [
        None if (spec == "nik_one_off" or absent[k]) else key_codes(cache, spec)
        for k, spec in enumerate(keys)
    ]
    multi = [isinstance(s, str) and s in KEYS_BY_NAME and KEYS_BY_NAME[s].multi for s in keys]

    def key_pairs(k: int) -> tuple[np.ndarray, BlockingReport]:
        if absent[k]:  # a frame without this key's columns: the key is skipped, reported
            return np.empty(0, dtype=np.int64), BlockingReport(key_name(keys[k]), 0, 0, 0, 0, 0, 0)
        if coded[k] is None:
            i, j, stats, rows = pairs_nik_one_off(cache, max_block_size)
            enc = sorted_unique(i * n + j)  # two NIKs can share several variants
            name = "nik_one_off"
        else:
            # one code per record: every pair occurs once within this key, no dedupe needed
            name, (rows, codes) = coded[k]
            i, j, stats = pairs_within_blocks(rows, codes, max_block_size)
            i *= n
            i += j
            enc = sorted_unique(i) if multi[k] else i
            if multi[k]:
                rows = np.unique(rows)
        del j
        report = BlockingReport(
            key=name,
            records_keyed=len(rows),  # one row per keyed record for every key
            pairs=len(enc),
            new_pairs=0,
            **stats,
        )
        return enc, report

    per_key: list[np.ndarray | None] = []
    reports: list[BlockingReport] = []
    enc = None
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            for enc, report in pool.map(key_pairs, range(len(keys))):
                per_key.append(enc)
                reports.append(report)
    else:
        for k in range(len(keys)):
            enc, report = key_pairs(k)
            per_key.append(enc)
            reports.append(report)
    del enc
    coded.clear()
    if extra_pairs is not None and len(extra_pairs[0]):
        a, b = extra_pairs
        enc = sorted_unique(np.minimum(a, b) * n + np.maximum(a, b))
        enc = enc[(enc // n) != (enc % n)]
        per_key.append(enc)
        reports.append(BlockingReport("decisions", len(a), 0, 0, 0, len(enc), 0))
        del enc
    left, right = _union(per_key, reports, n, threads)
    return CandidatePairs(left, right, reports)


# Below this many records the keys are built on the calling thread (an incremental link's
# pool: a thread pool costs more than its few dozen rows).
PARALLEL_MIN_RECORDS = 50_000


def _union(
    per_key: list[np.ndarray | None], reports: list[BlockingReport], n: int, threads: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct pairs of all keys, and each report's count of pairs no earlier key had.

    One sort of all keys' pairs with the key's index in the low 5 bits: a pair is "new" for
    the first key (in configured order) that produced it; the union comes out of the same
    sort. With threads, the pair codes are cut at their median into two halves sorted side
    by side (the lower half, then the upper, is the whole sorted array). Arrays are shifted,
    split and freed in place: in a city of millions the keys' pairs are tens of millions,
    and each extra copy of them is hundreds of megabytes."""
    keys_count = len(per_key)
    cut = _median_code(per_key) if threads > 1 else None
    below = [None if cut is None else enc < cut for enc in per_key]
    if cut is None:
        sizes = [[len(enc) for enc in per_key]]
    else:
        low = [int(np.count_nonzero(m)) for m in below]
        sizes = [low, [len(enc) - lo for enc, lo in zip(per_key, low, strict=True)]]
    halves = [np.empty(sum(size), dtype=np.int64) for size in sizes]
    filled = [0] * len(halves)
    for k in range(keys_count):
        enc, mask = per_key[k], below[k]
        for h, out in enumerate(halves):
            part = out[filled[h] : filled[h] + sizes[h][k]]
            if mask is None:
                np.left_shift(enc, 5, out=part)
            else:
                np.left_shift(enc[mask if h == 0 else ~mask], 5, out=part)
            part |= k
            filled[h] += len(part)
        per_key[k] = below[k] = None  # freed as soon as copied
        del enc, mask

    def distinct(tagged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tagged.sort()
        tags = (tagged & 31).astype(np.int8)
        tagged >>= 5  # now the pair codes
        first = np.r_[True, tagged[1:] != tagged[:-1]] if len(tagged) else tagged.astype(bool)
        counts = np.bincount(tags[first], minlength=keys_count)
        return tagged[first], counts

    if len(halves) > 1:
        with ThreadPoolExecutor(len(halves)) as pool:
            results = list(pool.map(distinct, halves))
    else:
        results = [distinct(halves[0])]
    halves.clear()
    for report, count in zip(reports, sum(c for _, c in results), strict=True):
        report.new_pairs = int(count)
    seen = results[0][0] if len(results) == 1 else np.concatenate([c for c, _ in results])
    results.clear()
    left = seen // n
    seen %= n  # now the right side
    return left, seen


def _median_code(per_key: list[np.ndarray | None]) -> int | None:
    """About the median of all keys' pair codes (from a sample); None when too few pairs to
    be worth a second thread."""
    if sum(len(enc) for enc in per_key) < 2 * PARALLEL_MIN_RECORDS:
        return None
    step = max(1, sum(len(enc) for enc in per_key) // 200_000)
    return int(np.median(np.concatenate([enc[::step] for enc in per_key])))


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """np.unique by sorting: numpy 2's hash-based unique is several times slower on the
    millions of int64 pair codes this module handles."""
    if len(a) == 0:
        return a
    s = np.sort(a)
    return s[np.r_[True, s[1:] != s[:-1]]]
