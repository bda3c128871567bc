"""Vectorised comparison of candidate pairs into per-field agreement levels.

Level conventions (every comparison): -1 = one side missing (contributes no evidence),
0 = strongest disagreement, higher = stronger agreement, the top level is exact agreement.
String similarity runs through rapidfuzz's batch ``cpdist`` on only the pairs that are not
already decided by an exact test, which is most of the speed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler

from linkage.normalize.names import phonetic_code

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
    # "agree": the same given name, a typo or spelling variant of it, an initial, or a token
    # the other name holds; "similar": two slips apart or Jaro-Winkler >= .8 (twins' "aldi" /
    # "alif", a name with two typos); "different": nothing in common (see given_levels)
    "given": lambda c: ["different", "similar", "agree"],
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
    # The given name on its own: siblings (twins) and a father and his same-surnamed son
    # share family name, KK, address and often much of the whole name ("muhammad rizki
    # santoso" / "muhammad fajar santoso"); a full disagreement of the given name is what
    # tells them apart, and it must not be averaged away inside the whole-name similarity.
    "given": Comparison("given", "given", ("name_key",)),
    # An identifier the records share that is neither NIK nor KK (an agency's own member
    # number; FEBRL's social security number, see linkage.febrl). The registry's frames never
    # carry the column, so link_records drops this comparison there (no field, no weight).
    "other_id": Comparison("other_id", "id", ("other_id",)),
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


class Columns:
    """Per-run cache of column views. Equality tests run on int codes (one vectorised int
    compare) instead of object-array string compares, and each column is converted once even
    when several comparisons read it."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        self._cache: dict[tuple[str, str], np.ndarray] = {}

    def _get(self, kind: str, col: str, make) -> np.ndarray:  # noqa: ANN001
        key = (kind, col)
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def column(self, col: str) -> pd.Series:
        """The frame's column; a column the frame lacks reads as all missing, so every key
        and comparison runs on any subset of the columns (a data set without NIK, KK or
        region) and simply finds no evidence in what is absent."""
        if col in self.df.columns:
            return self.df[col]
        return pd.Series([None] * len(self.df), index=self.df.index, dtype=object)

    def s(self, col: str) -> np.ndarray:
        return self._get("s", col, lambda: str_array(self.column(col)))

    def code(self, col: str) -> np.ndarray:
        """Dense codes, -1 for missing ('' / NaN)."""

        def make() -> np.ndarray:
            series = self.column(col)
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            codes = codes.astype(np.int64)
            if series.dtype == object or pd.api.types.is_string_dtype(series):
                uniques = np.asarray(uniques, dtype=object)
                empty = np.flatnonzero(uniques == "")
                if len(empty):
                    codes[codes == empty[0]] = -1  # '' means missing, like NaN
                self._cache[("uniques", col)] = uniques
            return codes

        return self._get("code", col, make)

    def uniques(self, col: str) -> np.ndarray | None:
        """The distinct values behind code(col) (None for a non-text column)."""
        self.code(col)
        return self._cache.get(("uniques", col))

    def valid_nik(self, col: str = "nik") -> np.ndarray:
        """16 digits (the normaliser leaves '' or digits; a KK in the field is 16 too)."""

        def make() -> np.ndarray:
            c = self.code(col)
            u = self._cache[("uniques", col)]
            ok_u = np.array([len(x) == 16 and x.isdigit() for x in u], dtype=bool)
            return np.r_[ok_u, False][c]  # code -1 -> the appended False

        return self._get("valid", col, make)

    def given_core(self, col: str = "name_key") -> tuple[np.ndarray, np.ndarray]:
        """(code of each record's core given name, the distinct core names). The core given
        name is the first token that is neither a patronym word (bin/binti) nor a prefix such
        as Muhammad/Ahmad/Siti followed by another token: "muhammad rizki santoso" -> "rizki",
        so a father and his son "muhammad fajar santoso" disagree."""

        def make() -> np.ndarray:
            codes = self.code(col)
            uniques = self.uniques(col)
            if uniques is None or len(uniques) == 0:
                self._cache[("given_uniques", col)] = np.empty(0, dtype=object)
                return np.full(len(codes), -1, dtype=np.int64)
            core = [_core_given(str(u)) for u in uniques.tolist()]
            gcodes, guniques = pd.factorize(pd.Series(core, dtype=object))
            self._cache[("given_uniques", col)] = np.asarray(guniques, dtype=object)
            return np.r_[gcodes.astype(np.int64), -1][codes]

        out = self._get("given_core", col, make)
        return out, self._cache[("given_uniques", col)]

    def sim(
        self, col: str, i: np.ndarray, j: np.ndarray, scorer: object, workers: int
    ) -> np.ndarray:
        """Symmetric string similarity of the pairs, computed once per distinct pair of
        values: one person's three records against another's share one name pair, so this
        cuts the rapidfuzz work several-fold. Both sides must be present."""
        if len(i) == 0:
            return np.empty(0, dtype=np.float64)
        return pair_sim(self.code(col), self._cache[("uniques", col)], i, j, scorer, workers)

    def ints(self, col: str) -> np.ndarray:

        return self._get(
            "int",
            col,
            lambda: (
                pd.to_numeric(self.column(col), errors="coerce")
                .fillna(-1)
                .astype(np.int64)
                .to_numpy()
            ),
        )

    def ymd(self, col: str) -> np.ndarray:
        """(3 x records) year, month, day; -1 for a missing date. numpy's calendar units
        instead of pandas' .dt accessors (several times faster on a city's dates)."""

        def make() -> np.ndarray:
            days = pd.to_datetime(self.column(col)).to_numpy().astype("datetime64[D]")
            missing = np.isnat(days)
            years = days.astype("datetime64[Y]")
            months = days.astype("datetime64[M]")
            out = np.stack(
                [
                    years.astype(np.int64) + 1970,
                    (months - years.astype("datetime64[M]")).astype(np.int64) + 1,
                    (days - months.astype("datetime64[D]")).astype(np.int64) + 1,
                ]
            )
            out[:, missing] = -1
            return out

        return self._get("ymd", col, make)

    def bools(self, col: str) -> np.ndarray:
        return self._get("bool", col, lambda: self.column(col).fillna(False).to_numpy(dtype=bool))

    def derived(self, name: str, make) -> np.ndarray:  # noqa: ANN001
        return self._get("derived", name, make)

    def eq(self, col: str, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(equal and present, either missing) for the pairs."""
        c = self.code(col)
        ci, cj = c[i], c[j]
        missing = (ci < 0) | (cj < 0)
        return (ci == cj) & ~missing, missing


def pair_sim(
    c: np.ndarray,
    uniques: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    scorer: object,
    workers: int,
) -> np.ndarray:
    """Symmetric ``scorer`` of the pairs' values (codes ``c`` into ``uniques``, both sides
    present), computed once per distinct pair of values; NaN where a side is missing (a
    column the frame lacks), so that no threshold test passes on it."""
    a, b = c[i], c[j]
    absent = (a < 0) | (b < 0)
    if absent.any():
        out = np.full(len(a), np.nan, dtype=np.float64)
        sel = np.flatnonzero(~absent)
        if len(sel):
            out[sel] = pair_sim(c, uniques, i[sel], j[sel], scorer, workers)
        return out
    width = np.int64(len(uniques) + 1)
    enc = np.minimum(a, b) * width + np.maximum(a, b)
    order = np.argsort(enc, kind="stable")
    se = enc[order]
    first = np.r_[True, se[1:] != se[:-1]]
    distinct = se[first]
    scores = _sim(uniques[distinct // width], uniques[distinct % width], scorer, workers)
    out = np.empty(len(enc), dtype=np.float64)
    out[order] = scores[np.cumsum(first) - 1]
    return out


# Words before the given name proper: "muhammad rizki" is called Rizki, and "siti" starts
# half the women's names. Alone they are the given name ("muhammad").
GIVEN_PREFIXES = frozenset({"muhammad", "ahmad", "abdul", "siti", "nur", "bin", "binti"})


def _core_given(name: str) -> str:
    tokens = name.split(" ")
    for k, t in enumerate(tokens):
        if t in ("bin", "binti"):
            continue
        more = k + 1 < len(tokens) and tokens[k + 1] not in ("bin", "binti")
        if more and (t in GIVEN_PREFIXES or len(t) == 1):  # a prefix word or an initial
            continue
        return t
    return tokens[0] if tokens else ""


def _sim(a: np.ndarray, b: np.ndarray, scorer: object, workers: int) -> np.ndarray:
    if len(a) == 0:
        return np.empty(0, dtype=np.float64)
    return process.cpdist(a, b, scorer=scorer, workers=workers)


# --- per-kind level logic ---------------------------------------------------------------------


def _name_levels(t: Columns, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    key_c, srt_c, pho_c = c.columns
    exact, missing = t.eq(key_c, i, j)
    sorted_eq, _ = t.eq(srt_c, i, j)
    phon_eq, _ = t.eq(pho_c, i, j)
    lv = np.zeros(len(i), dtype=np.int8)
    lv[exact] = 6
    rest = ~exact & ~missing
    lv[rest & sorted_eq] = 5
    lv[rest & ~sorted_eq & phon_eq] = 4
    fuzzy = np.flatnonzero(rest & ~sorted_eq & ~phon_eq)
    if len(fuzzy):
        srt = t.s(srt_c)
        fi, fj = i[fuzzy], j[fuzzy]
        jw = np.maximum(
            t.sim(key_c, fi, fj, JaroWinkler.normalized_similarity, w),
            t.sim(srt_c, fi, fj, JaroWinkler.normalized_similarity, w),
        )
        fl = np.zeros(len(fuzzy), dtype=np.int8)
        fl[jw >= 0.80] = 1
        # Only names that are not already far apart get the costlier token scorers.
        near = np.flatnonzero(jw >= 0.70)
        if len(near):
            # token_set_ratio: a dropped or abbreviated token ("a rizky pratama" / "ahmad
            # rizky pratama"), a "bin X" added
            tset = t.sim(srt_c, fi[near], fj[near], fuzz.token_set_ratio, w)
            ntok = t.derived(srt_c + ":ntok", lambda: _token_counts(srt))
            multi = (ntok[fi[near]] >= 2) & (ntok[fj[near]] >= 2)
            fl[near[(tset >= 90) & multi]] = 2
            # Indel ratio catches one typo in a long name that Jaro-Winkler under-rates
            # ("wiada yanti" / "wirda yanti": JW .90, ratio .91)
            ratio = t.sim(srt_c, fi[near], fj[near], fuzz.ratio, w)
            fl[near[ratio >= 90]] = 3
        fl[jw >= 0.92] = 3
        lv[fuzzy] = fl
    lv[missing] = NULL
    return lv


def _token_counts(srt: np.ndarray) -> np.ndarray:
    """Tokens per name: a single shared token such as "siti" is no evidence, so token-set
    agreement needs two or more tokens on each side."""
    return pd.Series(srt, dtype=object).str.count(" ").to_numpy() + 1


def _nik_levels(t: Columns, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    col, rel_col = c.columns
    valid = t.valid_nik(col)
    lv = _id_levels_core(t, col, valid, i, j, w, reliable=t.bools(rel_col))
    # Shift: 0 different, 1 one-off in the date digits, 2 one-off elsewhere, 3/4 exact.
    # Siblings' and neighbours' NIKs differ in the embedded birth date (DDMMYY, digits 7-12)
    # by construction, while a typo or Excel's lost last digit hits anywhere: a one-off
    # outside the date part is much stronger evidence.
    out = lv.copy()
    out[lv >= 2] += 1
    one = np.flatnonzero(lv == 1)
    if len(one):

        def nik_dates() -> np.ndarray:
            u = t._cache[("uniques", col)]
            per_value = [int(x[6:12]) if len(x) == 16 and x.isdigit() else -1 for x in u]
            return np.r_[np.array(per_value, dtype=np.int64), -1][t.code(col)]

        dates = t.derived(col + ":date", nik_dates)
        out[one] = np.where(dates[i[one]] == dates[j[one]], 2, 1)
        # Region and birth-date digits shared, only the 4-digit serial differs: that is how
        # twins' and same-day neighbours' NIKs look (...0001 / ...0002), so it is a typo only
        # when the given names agree too; otherwise the NIKs say "different people".
        # (reliable NIKs only: Excel's lost last digit is a serial-only difference too)
        rel = t.bools(rel_col)
        serial = np.flatnonzero((out == 2) & rel[i] & rel[j])
        if len(serial):
            only_serial = serial[serial_only_differs(t, i[serial], j[serial], col)]
            if len(only_serial):
                a, b = i[only_serial], j[only_serial]
                registered = civil_registered_nik(t, col)
                given = given_levels(t, a, b, w)
                # two NIKs the civil registry holds are two people, whatever the names
                # (rhyming twins "rina" / "rini"); otherwise the given names decide
                other = (registered[a] & registered[b]) | ((given >= 0) & (given < GIVEN_AGREE))
                out[only_serial[other]] = 0
    return out


def civil_registered_nik(t: Columns, col: str = "nik") -> np.ndarray:
    """Per record: its NIK is the reliable NIK of some civil-registry record (agency_priority
    0). Two such NIKs are two registered people; a NIK Dukcapil does not hold, one digit from
    one it does, is most likely a typo of it."""

    def make() -> np.ndarray:
        codes = t.code(col)
        civil = pd.to_numeric(t.column("agency_priority"), errors="coerce").to_numpy() == 0
        held = civil & t.bools("nik_reliable") & t.valid_nik(col)
        registered = np.zeros(len(t.uniques(col)) + 1, dtype=bool)  # last: code -1
        registered[codes[held]] = True
        registered[-1] = False
        return registered[codes]

    return t.derived(col + ":civil_registered", make)


def serial_only_differs(t: Columns, i: np.ndarray, j: np.ndarray, col: str = "nik") -> np.ndarray:
    """The pairs' NIKs share region and birth-date digits and differ in the serial, and not
    as Excel's lost last digit does (15 digits kept, the 16th a 0: "...0012" / "...0010")."""
    prefix = nik_prefixes(t, col)
    last = t.derived(col + ":last", lambda: _nik_ends(t, col))
    ri, rj = prefix[i], prefix[j]
    lo_i, lo_j = last[i] // 10, last[j] // 10  # serial without its last digit
    excel = (lo_i == lo_j) & ((last[i] % 10 == 0) | (last[j] % 10 == 0))
    return (ri == rj) & (ri >= 0) & (last[i] != last[j]) & ~excel


def _nik_ends(t: Columns, col: str) -> np.ndarray:
    t.code(col)
    u = t._cache[("uniques", col)]
    per_value = [int(x[12:]) if len(x) == 16 and x.isdigit() else -1 for x in u]
    return np.r_[np.array(per_value, dtype=np.int64), -1][t.code(col)]


def nik_prefixes(t: Columns, col: str = "nik") -> np.ndarray:
    """The first 12 digits (region + birth date) of each record's NIK as an int, -1 if none."""

    def make() -> np.ndarray:
        t.code(col)
        u = t._cache[("uniques", col)]
        per_value = [int(x[:12]) if len(x) == 16 and x.isdigit() else -1 for x in u]
        return np.r_[np.array(per_value, dtype=np.int64), -1][t.code(col)]

    return t.derived(col + ":prefix", make)


GIVEN_DIFFERENT, GIVEN_SIMILAR, GIVEN_AGREE = 0, 1, 2


def given_levels(t: Columns, i: np.ndarray, j: np.ndarray, w: int, col: str = "name_key"):
    """_given_levels once per distinct (unordered) pair of names: one person's records repeat
    their name, so a city's candidate pairs hold several times fewer distinct name pairs."""
    if len(i) < 1_000:
        return _given_levels(t, i, j, w, col)
    c = t.code(col)
    a, b = c[i], c[j]
    width = np.int64(len(t.uniques(col)) + 2)
    enc = (np.minimum(a, b) + 1) * width + (np.maximum(a, b) + 1)  # -1 (no name) -> 0
    order = np.argsort(enc, kind="stable")
    se = enc[order]
    first = np.r_[True, se[1:] != se[:-1]]
    reps = order[first]
    levels = _given_levels(t, i[reps], j[reps], w, col)
    out = np.empty(len(i), dtype=np.int8)
    out[order] = levels[np.cumsum(first) - 1]
    return out


def _given_levels(t: Columns, i: np.ndarray, j: np.ndarray, w: int, col: str = "name_key"):
    """Level of the pairs' core given names (Columns.given_core): GIVEN_AGREE for the same
    name, one typo, the same sound, Jaro-Winkler >= .9, an old spelling (tj/ty -> c), an
    initial, or a name the other side holds among its tokens (a dropped or moved token: "a
    ceceng rohman" / "ahmad ceceng rohman"); GIVEN_SIMILAR for two slips or Jaro-Winkler >=
    .8; GIVEN_DIFFERENT otherwise; -1 when a side has no name."""
    core, guniques = t.given_core(col)
    ga, gb = core[i], core[j]
    missing = (ga < 0) | (gb < 0)
    lv = np.zeros(len(i), dtype=np.int8)
    same = (ga == gb) & ~missing
    lv[same] = GIVEN_AGREE
    cand = np.flatnonzero(~same & ~missing)
    if len(cand):
        ci, cj = i[cand], j[cand]
        osa = pair_sim(core, guniques, ci, cj, OSA.distance, w)
        jw = pair_sim(core, guniques, ci, cj, JaroWinkler.normalized_similarity, w)
        sound = t.derived(col + ":given_sound", lambda: _given_sounds(t, col))
        ok = (osa <= 1) | (sound[ci] == sound[cj]) | (jw >= 0.9)
        rest = np.flatnonzero(~ok)
        if len(rest):
            # a space typed one letter off ("muhamadr afi" / "muhammad rafi") moves the core:
            # the whole names without spaces, two slips apart, agree
            bare, buniques = t.derived(col + ":bare", lambda: _bare_names(t, col)), None
            buniques = t._cache[("bare_uniques", col)]
            d = pair_sim(bare, buniques, ci[rest], cj[rest], OSA.distance, w)
            ok[rest[d <= 2]] = True
        rest = np.flatnonzero(~ok)
        if len(rest):
            names = t.s(col)
            a_core, b_core = guniques[ga[cand[rest]]], guniques[gb[cand[rest]]]
            a_name, b_name = names[ci[rest]], names[cj[rest]]
            ok[rest] = [
                _given_compatible(x, y, nx, ny)
                for x, y, nx, ny in zip(
                    a_core.tolist(), b_core.tolist(), a_name.tolist(), b_name.tolist(), strict=True
                )
            ]
        fl = np.where((osa <= 2) | (jw >= 0.8), GIVEN_SIMILAR, GIVEN_DIFFERENT).astype(np.int8)
        fl[ok] = GIVEN_AGREE
        lv[cand] = fl
    lv[missing] = NULL
    return lv


def _given_sounds(t: Columns, col: str) -> np.ndarray:
    core, guniques = t.given_core(col)
    codes, _ = pd.factorize(pd.Series([phonetic_code(g) for g in guniques.tolist()], dtype=object))
    return np.r_[codes.astype(np.int64), -2][core]  # no name: -2, never equal to a code


def _bare_names(t: Columns, col: str) -> np.ndarray:
    uniques = t.uniques(col)
    if uniques is None or len(uniques) == 0:
        t._cache[("bare_uniques", col)] = np.empty(0, dtype=object)
        return np.full(len(t.code(col)), -1, dtype=np.int64)
    codes, bu = pd.factorize(pd.Series(uniques, dtype=object).str.replace(" ", "", regex=False))
    t._cache[("bare_uniques", col)] = np.asarray(bu, dtype=object)
    return np.r_[codes.astype(np.int64), -1][t.code(col)]


def _eyd(name: str) -> str:
    # old "tj" became "c" but also reads "ty" ("aditja" = "aditya" / "adica"), "dj" -> "j"
    return name.replace("ty", "c").replace("dy", "j")


def _given_compatible(a: str, b: str, name_a: str, name_b: str) -> bool:
    if a.startswith(b) or b.startswith(a):  # an initial or a shortened name
        return True
    if _eyd(a) == _eyd(b):
        return True
    return f" {a} " in f" {name_b} " or f" {b} " in f" {name_a} "


def _given_kind_levels(t: Columns, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    """The given-name comparison as a field of the model: evidence only where the pair has
    household identifiers on both sides (KK numbers, or valid NIKs). There, a full
    disagreement of the given name is what tells siblings and a father and son apart, who
    share everything else. Without them (FEBRL, an agency holding name, birth date and
    address only) nothing marks the two as one family, the whole-name comparison already
    counts the disagreement, and a second weight for it would only count it twice (a replaced
    given name then outweighs a shared date and address)."""
    lv = given_levels(t, i, j, w, c.columns[0])
    household = household_identified(t, i, j)
    lv[~household] = NULL
    return lv


def household_identified(t: Columns, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Both records carry a KK number, or both a valid NIK."""
    kk = t.code("kk_number") >= 0
    nik = t.valid_nik("nik")
    return (kk[i] & kk[j]) | (nik[i] & nik[j])


def _id_levels_core(
    t: Columns,
    col: str,
    valid: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    w: int,
    reliable: np.ndarray | None = None,
) -> np.ndarray:
    lv = np.zeros(len(i), dtype=np.int8)
    both = valid[i] & valid[j]
    same, _ = t.eq(col, i, j)
    exact = both & same
    if reliable is None:
        lv[exact] = 2
    else:
        both_rel = reliable[i] & reliable[j]
        lv[exact & both_rel] = 3
        lv[exact & ~both_rel] = 2
    cand = np.flatnonzero(both & ~exact)
    if len(cand):
        # OSA distance 1 = one substitution, insertion, deletion or adjacent swap
        d = t.sim(col, i[cand], j[cand], OSA.distance, w)
        lv[cand[d <= 1]] = 1
    lv[~both] = NULL
    return lv


def _id_levels(t: Columns, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    return _id_levels_core(t, c.columns[0], t.code(c.columns[0]) >= 0, i, j, w)


def _date_levels(t: Columns, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    y, m, dd = t.ymd(c.columns[0])
    ya, yb, ma, mb, da, db = y[i], y[j], m[i], m[j], dd[i], dd[j]
    lv = np.zeros(len(i), dtype=np.int8)
    lv[(ya == yb) & (ma == mb)] = 1
    lv[(ya != yb) & (ma == mb) & (da == db)] = 2
    lv[(ya == yb) & (ma == db) & (da == mb) & (ma != mb)] = 3
    lv[(ya == yb) & (ma == mb) & (da == db)] = 4
    lv[(ya < 0) | (yb < 0)] = NULL
    return lv


def _exact_levels(t: Columns, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    same, missing = t.eq(c.columns[0], i, j)
    lv = same.astype(np.int8)
    lv[missing] = NULL
    return lv


def _string_levels(t: Columns, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    exact, missing = t.eq(c.columns[0], i, j)
    lv = np.zeros(len(i), dtype=np.int8)
    lv[exact] = len(c.thresholds) + 1
    cand = np.flatnonzero(~exact & ~missing)
    if len(cand):
        s = t.sim(c.columns[0], i[cand], j[cand], JaroWinkler.normalized_similarity, w)
        fl = np.zeros(len(cand), dtype=np.int8)
        for k, thr in enumerate(sorted(c.thresholds)):
            fl[s >= thr] = k + 1
        lv[cand] = fl
    lv[missing] = NULL
    return lv


def _similar_street(
    t: Columns,
    col: str,
    i: np.ndarray,
    j: np.ndarray,
    w: int,
    only: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(same street key, similar street key (JW >= .88, includes same), either missing).
    ``only``: restrict the fuzzy test to these pairs (the others cannot use it)."""
    same, missing = t.eq(col, i, j)
    similar = same.copy()
    todo = ~same & ~missing if only is None else ~same & ~missing & only
    cand = np.flatnonzero(todo)
    if len(cand):
        s = t.sim(col, i[cand], j[cand], JaroWinkler.normalized_similarity, w)
        similar[cand[s >= 0.88]] = True
    return same, similar, missing


def _address_levels(t: Columns, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    same, similar, missing = _similar_street(t, c.columns[0], i, j, w)
    house, _ = t.eq(c.columns[1], i, j)
    lv = similar.astype(np.int8)
    lv[same] = 2
    lv[same & house] = 3
    lv[missing] = NULL
    return lv


def _rt_rw_levels(t: Columns, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    rt, rw = t.ints(c.columns[0]), t.ints(c.columns[1])
    eq_rt = (rt[i] == rt[j]) & (rt[i] >= 0)
    eq_rw = (rw[i] == rw[j]) & (rw[i] >= 0)
    lv = (eq_rt.astype(np.int8) + eq_rw.astype(np.int8)).astype(np.int8)
    missing = ((rt[i] < 0) | (rt[j] < 0)) & ((rw[i] < 0) | (rw[j] < 0))
    lv[missing] = NULL
    return lv


def _region_levels(t: Columns, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    same_kel, miss_kel = t.eq(c.columns[0], i, j)
    same_kec, miss_kec = t.eq(c.columns[1], i, j)
    lv = same_kec.astype(np.int8)
    lv[same_kel] = 2
    lv[miss_kel & miss_kec] = NULL
    return lv


def _location_levels(t: Columns, c: Comparison, i: np.ndarray, j: np.ndarray, w: int):
    kk_c, addr_c, num_c, rt_c, rw_c, kel_c, kec_c = c.columns
    same_kec, miss_kec = t.eq(kec_c, i, j)
    same_kel, miss_kel = t.eq(kel_c, i, j)
    lv = same_kec.astype(np.int8)
    lv[same_kel] = 2
    # the same street name in another district is another street, so only pairs in one
    # district (or with it unknown) need the fuzzy street test; within a district the
    # village may be misread (FEBRL's "whittingham" / "whittinhgam" for one suburb)
    same_district = same_kel | miss_kel | same_kec
    _, street, miss_addr = _similar_street(t, addr_c, i, j, w, only=same_district)
    street &= same_district
    lv[street] = 3
    house, _ = t.eq(num_c, i, j)
    rt, rw = t.ints(rt_c), t.ints(rw_c)
    unit = (rt[i] == rt[j]) & (rw[i] == rw[j]) & (rt[i] >= 0)
    full_address = street & (house | unit)
    lv[full_address] = 4
    same_kk, miss_kk = t.eq(kk_c, i, j)
    lv[same_kk] = 5
    lv[same_kk & full_address] = 6
    lv[miss_kk & miss_addr & miss_kel & miss_kec] = NULL
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
    "given": _given_kind_levels,
}


def compare_pairs(
    df: pd.DataFrame,
    left: np.ndarray,
    right: np.ndarray,
    comparisons: Sequence[Comparison],
    *,
    workers: int = -1,
    columns: Columns | None = None,
) -> np.ndarray:
    """Level matrix (pairs x comparisons, int8) for positional pairs (left[k], right[k]).

    With ``workers`` other than 1, a city's comparisons run side by side on threads: their
    sorts and takes release the GIL, and rapidfuzz scores on its own threads meanwhile. Each
    comparison writes its own column, so the matrix does not depend on the threads."""
    out = np.empty((len(left), len(comparisons)), dtype=np.int8)
    cols = columns if columns is not None else Columns(df)

    def one(col: int) -> None:
        c = comparisons[col]
        out[:, col] = KIND_FUNCS[c.kind](cols, c, left, right, workers)

    threads = (os.cpu_count() or 1) if workers == -1 else max(1, workers)
    if threads > 1 and len(left) >= PARALLEL_MIN_PAIRS:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, range(len(comparisons))))
    else:
        for col in range(len(comparisons)):
            one(col)
    return out


# Below this many pairs the comparisons run one after the other on the calling thread.
PARALLEL_MIN_PAIRS = 100_000
