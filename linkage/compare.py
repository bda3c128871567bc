"""Vectorised comparison of candidate pairs into per-field agreement levels.

Level conventions (every comparison): -1 = one side missing (contributes no evidence),
0 = strongest disagreement, higher = stronger agreement, the top level is exact agreement.
String similarity runs through rapidfuzz's batch ``cpdist`` on only the pairs that are not
already decided by an exact test, which is most of the speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler

NULL = np.int8(-1)


@dataclass(frozen=True)
class Comparison:
    """One field's comparison. ``kind`` selects the level logic; ``columns`` the inputs.
    ``tf_column``: exact agreement on this column gets a term-frequency adjustment."""

    name: str
    kind: str
    columns: tuple[str, ...]
    thresholds: tuple[float, ...] = ()
    tf_column: str | None = None

    @property
    def labels(self) -> list[str]:
        return LEVEL_LABELS[self.kind](self)


LEVEL_LABELS = {
    "name": lambda c: ["else", "jw80", "tokens", "close", "phonetic", "sorted", "exact"],
    "nik": lambda c: ["different", "one_off_date", "one_off_other", "exact_unreliable", "exact"],
    "date": lambda c: ["different", "same_year_month", "year_off", "swap_day_month", "exact"],
    "exact": lambda c: ["different", "exact"],
    "address": lambda c: ["different", "similar", "street", "exact"],
    "rt_rw": lambda c: ["different", "one", "both"],
    "region": lambda c: ["different", "kecamatan", "kelurahan"],
    "string": lambda c: ["else", *[f"jw{round(t * 100)}" for t in c.thresholds], "exact"],
    "id": lambda c: ["different", "one_off", "exact"],
    "location": lambda c: [
        "different",
        "kecamatan",
        "kelurahan",
        "street",
        "address",
        "kk",
        "kk_and_address",
    ],
}

NAMED_COMPARISONS: dict[str, Comparison] = {
    "name": Comparison(
        "name", "name", ("name_key", "name_sorted", "name_phonetic"), tf_column="name_sorted"
    ),
    "nik": Comparison("nik", "nik", ("nik", "nik_reliable")),
    "birth_date": Comparison("birth_date", "date", ("birth_date",)),
    "sex": Comparison("sex", "exact", ("sex",)),
    "kk": Comparison("kk", "exact", ("kk_number",)),
    "address": Comparison("address", "address", ("address_key", "house_number")),
    "rt_rw": Comparison("rt_rw", "rt_rw", ("rt", "rw")),
    "region": Comparison("region", "region", ("kelurahan_code", "kecamatan_code")),
    # KK, address, RT/RW and region as ONE comparison: family members share all of them, so
    # as separate fields their weights would add up four times for the same fact ("same
    # household") and outvote a different name and birth date.
    "location": Comparison(
        "location",
        "location",
        (
            "kk_number",
            "address_key",
            "house_number",
            "rt",
            "rw",
            "kelurahan_code",
            "kecamatan_code",
        ),
    ),
}


def resolve(specs: Sequence[str | Comparison]) -> list[Comparison]:
    return [NAMED_COMPARISONS[s] if isinstance(s, str) else s for s in specs]


# --- column preparation (once per run, not per pair) -----------------------------------------


def str_array(s: pd.Series) -> np.ndarray:
    return s.fillna("").astype(str).to_numpy(dtype=object)


def date_days(s: pd.Series) -> np.ndarray:
    """Days since epoch; NaT -> int64 min."""
    d = pd.to_datetime(s)
    return d.to_numpy(dtype="datetime64[D]").astype(np.int64)


def _sim(a: np.ndarray, b: np.ndarray, scorer: object, workers: int) -> np.ndarray:
    if len(a) == 0:
        return np.empty(0, dtype=np.float64)
    return process.cpdist(a, b, scorer=scorer, workers=workers)


# --- per-kind level logic ---------------------------------------------------------------------


def _name_levels(df: pd.DataFrame, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    key, srt, pho = (str_array(df[col]) for col in c.columns)
    ka, kb = key[i], key[j]
    lv = np.zeros(len(i), dtype=np.int8)
    missing = (ka == "") | (kb == "")
    exact = ka == kb
    sorted_eq = srt[i] == srt[j]
    phon_eq = (pho[i] == pho[j]) & (pho[i] != "")
    lv[exact] = 6
    rest = ~exact & ~missing
    lv[rest & sorted_eq] = 5
    lv[rest & ~sorted_eq & phon_eq] = 4
    fuzzy = np.flatnonzero(rest & ~sorted_eq & ~phon_eq)
    if len(fuzzy):
        fi, fj = i[fuzzy], j[fuzzy]
        jw = np.maximum(
            _sim(key[fi], key[fj], JaroWinkler.normalized_similarity, w),
            _sim(srt[fi], srt[fj], JaroWinkler.normalized_similarity, w),
        )
        # Indel ratio catches one typo in a long name that Jaro-Winkler under-rates
        # ("wiada yanti" / "wirda yanti": JW .90, ratio .91)
        ratio = _sim(srt[fi], srt[fj], fuzz.ratio, w)
        # token_set_ratio: a dropped or abbreviated token ("a rizky pratama" / "ahmad rizky
        # pratama"), a "bin X" added
        tset = _sim(srt[fi], srt[fj], fuzz.token_set_ratio, w)
        fl = np.zeros(len(fuzzy), dtype=np.int8)
        fl[jw >= 0.80] = 1
        fl[(tset >= 90) & _multi_token(srt, fi, fj)] = 2
        fl[(jw >= 0.92) | (ratio >= 90)] = 3
        lv[fuzzy] = fl
    lv[missing] = NULL
    return lv


def _multi_token(srt: np.ndarray, fi: np.ndarray, fj: np.ndarray) -> np.ndarray:
    """Both names have two or more tokens: a single shared token such as "siti" is no
    evidence, so token-set agreement needs more than one token on each side."""
    ntok = np.char.count(srt.astype(str), " ") + 1
    return (ntok[fi] >= 2) & (ntok[fj] >= 2)


def _nik_levels(df: pd.DataFrame, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    nik = str_array(df[c.columns[0]])
    rel = df[c.columns[1]].fillna(False).to_numpy(dtype=bool)
    valid = np.array([len(x) == 16 and x.isdigit() for x in nik], dtype=bool)
    lv = _id_levels_core(nik, valid, i, j, w, reliable=rel)
    # Shift: 0 different, 1 one-off in the date digits, 2 one-off elsewhere, 3/4 exact.
    # Siblings' and neighbours' NIKs differ in the embedded birth date (DDMMYY, digits 7-12)
    # by construction, while a typo or Excel's lost last digit hits anywhere: a one-off
    # outside the date part is much stronger evidence.
    out = lv.copy()
    out[lv >= 2] += 1
    one = np.flatnonzero(lv == 1)
    if len(one):
        date_a = np.array([x[6:12] for x in nik[i[one]]], dtype=object)
        date_b = np.array([x[6:12] for x in nik[j[one]]], dtype=object)
        out[one] = np.where(date_a == date_b, 2, 1)
    return out


def _id_levels_core(
    values: np.ndarray,
    valid: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    w: int,
    reliable: np.ndarray | None = None,
) -> np.ndarray:
    a, b = values[i], values[j]
    lv = np.zeros(len(i), dtype=np.int8)
    both = valid[i] & valid[j]
    exact = both & (a == b)
    top = 2 if reliable is None else 3
    if reliable is None:
        lv[exact] = top
    else:
        both_rel = reliable[i] & reliable[j]
        lv[exact & both_rel] = 3
        lv[exact & ~both_rel] = 2
    cand = np.flatnonzero(both & ~exact)
    if len(cand):
        # OSA distance 1 = one substitution, insertion, deletion or adjacent swap
        d = _sim(a[cand], b[cand], OSA.distance, w)
        lv[cand[d <= 1]] = 1
    lv[~both] = NULL
    return lv


def _id_levels(df: pd.DataFrame, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    v = str_array(df[c.columns[0]])
    return _id_levels_core(v, v != "", i, j, w)


def _date_levels(df: pd.DataFrame, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    d = pd.to_datetime(df[c.columns[0]])
    ok = d.notna().to_numpy()
    y = d.dt.year.fillna(0).astype(np.int32).to_numpy()
    m = d.dt.month.fillna(0).astype(np.int32).to_numpy()
    dd = d.dt.day.fillna(0).astype(np.int32).to_numpy()
    ya, yb, ma, mb, da, db = y[i], y[j], m[i], m[j], dd[i], dd[j]
    lv = np.zeros(len(i), dtype=np.int8)
    lv[(ya == yb) & (ma == mb)] = 1
    lv[(ya != yb) & (ma == mb) & (da == db)] = 2
    lv[(ya == yb) & (ma == db) & (da == mb) & (ma != mb)] = 3
    lv[(ya == yb) & (ma == mb) & (da == db)] = 4
    lv[~(ok[i] & ok[j])] = NULL
    return lv


def _exact_levels(df: pd.DataFrame, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    v = str_array(df[c.columns[0]])
    a, b = v[i], v[j]
    lv = (a == b).astype(np.int8)
    lv[(a == "") | (b == "")] = NULL
    return lv


def _string_levels(df: pd.DataFrame, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    v = str_array(df[c.columns[0]])
    a, b = v[i], v[j]
    lv = np.zeros(len(i), dtype=np.int8)
    exact = a == b
    missing = (a == "") | (b == "")
    lv[exact] = len(c.thresholds) + 1
    cand = np.flatnonzero(~exact & ~missing)
    if len(cand):
        s = _sim(a[cand], b[cand], JaroWinkler.normalized_similarity, w)
        fl = np.zeros(len(cand), dtype=np.int8)
        for k, t in enumerate(sorted(c.thresholds)):
            fl[s >= t] = k + 1
        lv[cand] = fl
    lv[missing] = NULL
    return lv


def _address_levels(df: pd.DataFrame, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    addr, num = str_array(df[c.columns[0]]), str_array(df[c.columns[1]])
    a, b = addr[i], addr[j]
    lv = np.zeros(len(i), dtype=np.int8)
    missing = (a == "") | (b == "")
    same = a == b
    lv[same] = 2
    lv[same & (num[i] == num[j]) & (num[i] != "")] = 3
    cand = np.flatnonzero(~same & ~missing)
    if len(cand):
        s = _sim(a[cand], b[cand], JaroWinkler.normalized_similarity, w)
        lv[cand[s >= 0.88]] = 1
    lv[missing] = NULL
    return lv


def _int_array(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").fillna(-1).astype(np.int64).to_numpy()


def _rt_rw_levels(df: pd.DataFrame, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    rt, rw = _int_array(df[c.columns[0]]), _int_array(df[c.columns[1]])
    eq_rt = (rt[i] == rt[j]) & (rt[i] >= 0)
    eq_rw = (rw[i] == rw[j]) & (rw[i] >= 0)
    lv = (eq_rt.astype(np.int8) + eq_rw.astype(np.int8)).astype(np.int8)
    missing = ((rt[i] < 0) | (rt[j] < 0)) & ((rw[i] < 0) | (rw[j] < 0))
    lv[missing] = NULL
    return lv


def _region_levels(df: pd.DataFrame, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    kel, kec = str_array(df[c.columns[0]]), str_array(df[c.columns[1]])
    lv = np.zeros(len(i), dtype=np.int8)
    lv[(kec[i] == kec[j]) & (kec[i] != "")] = 1
    lv[(kel[i] == kel[j]) & (kel[i] != "")] = 2
    missing = ((kel[i] == "") | (kel[j] == "")) & ((kec[i] == "") | (kec[j] == ""))
    lv[missing] = NULL
    return lv


def _location_levels(df: pd.DataFrame, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    kk_c, addr_c, num_c, rt_c, rw_c, kel_c, kec_c = c.columns
    kk, addr, num = str_array(df[kk_c]), str_array(df[addr_c]), str_array(df[num_c])
    kel, kec = str_array(df[kel_c]), str_array(df[kec_c])
    rt, rw = _int_array(df[rt_c]), _int_array(df[rw_c])
    lv = np.zeros(len(i), dtype=np.int8)
    lv[(kec[i] == kec[j]) & (kec[i] != "")] = 1
    lv[(kel[i] == kel[j]) & (kel[i] != "")] = 2
    a, b = addr[i], addr[j]
    has_addr = (a != "") & (b != "")
    street = has_addr & (a == b)
    cand = np.flatnonzero(has_addr & ~street)
    if len(cand):
        s = _sim(a[cand], b[cand], JaroWinkler.normalized_similarity, w)
        street[cand[s >= 0.88]] = True
    same_kel_or_unknown = (kel[i] == kel[j]) | (kel[i] == "") | (kel[j] == "")
    street &= same_kel_or_unknown
    lv[street] = 3
    house = (num[i] == num[j]) & (num[i] != "")
    unit = (rt[i] == rt[j]) & (rw[i] == rw[j]) & (rt[i] >= 0)
    full_address = street & (house | unit)
    lv[full_address] = 4
    same_kk = (kk[i] == kk[j]) & (kk[i] != "")
    lv[same_kk] = 5
    lv[same_kk & full_address] = 6
    missing = (
        ((kk[i] == "") | (kk[j] == ""))
        & ~has_addr
        & ((kel[i] == "") | (kel[j] == ""))
        & ((kec[i] == "") | (kec[j] == ""))
    )
    lv[missing] = NULL
    return lv


KIND_FUNCS = {
    "location": _location_levels,
    "name": _name_levels,
    "nik": _nik_levels,
    "date": _date_levels,
    "exact": _exact_levels,
    "string": _string_levels,
    "address": _address_levels,
    "rt_rw": _rt_rw_levels,
    "region": _region_levels,
    "id": _id_levels,
}


def compare_pairs(
    df: pd.DataFrame,
    left: np.ndarray,
    right: np.ndarray,
    comparisons: Sequence[Comparison],
    *,
    workers: int = -1,
) -> np.ndarray:
    """Level matrix (pairs x comparisons, int8) for positional pairs (left[k], right[k])."""
    out = np.empty((len(left), len(comparisons)), dtype=np.int8)
    for col, c in enumerate(comparisons):
        out[:, col] = KIND_FUNCS[c.kind](df, c, left, right, workers)
    return out
