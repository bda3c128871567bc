"""The linking pipeline: block -> compare -> score (Fellegi–Sunter, EM) -> cluster.

Input frame columns (one row per current source record, normalised at import):
record_id (int64), agency (str), agency_priority (int, 0 = civil registry), nik (str, '' if
none), nik_reliable (bool), kk_number, name_key, name_sorted, name_phonetic, given_name_key
(str), sex ('L'/'P'/''), birth_date (datetime64[ns] / NaT), address_key, house_number (str),
rt, rw (nullable Int), kelurahan_code, kecamatan_code, relationship (str).
Any of them but record_id may be absent (FEBRL-like data sets, an agency with name, birth date
and address only): a blocking key whose columns are missing is skipped (reported with no
records), and a comparison reads a missing column as missing values (no evidence).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from linkage.blocking import block
from linkage.clustering import cluster
from linkage.compare import (
    GIVEN_AGREE,
    GIVEN_DIFFERENT,
    Columns,
    Comparison,
    civil_registered_nik,
    compare_pairs,
    given_levels,
    resolve,
    serial_only_differs,
    str_array,
)
from linkage.config import LinkConfig
from linkage.scoring import U_FLOOR, FieldParams, FSModel, TermFrequencies, explain_row, fit_em


@dataclass
class LinkResult:
    clusters: pd.Series  # record_id -> cluster label (int64)
    pairs: pd.DataFrame  # scored pairs above config.keep_pairs_min_probability
    review: pd.DataFrame  # pairs in the uncertain band, for clerical review
    blocking: list[dict[str, Any]]
    timings: dict[str, float]
    model: FSModel
    stats: dict[str, Any] = field(default_factory=dict)

    def explain(self, left_id: int, right_id: int) -> dict[str, Any]:
        """Per-field level, weight and tf adjustment of one scored pair."""
        a, b = min(left_id, right_id), max(left_id, right_id)
        hit = self.pairs[(self.pairs["left_id"] == a) & (self.pairs["right_id"] == b)]
        if hit.empty:
            hit = self.pairs[(self.pairs["left_id"] == b) & (self.pairs["right_id"] == a)]
        if hit.empty:
            raise KeyError(f"pair ({left_id}, {right_id}) was not scored")
        return explain_pair_row(self.model, hit.iloc[0])


def explain_pair_row(model: FSModel, row: pd.Series) -> dict[str, Any]:
    names = [fp.comparison.name for fp in model.fields]
    levels = np.array([int(row[f"lvl_{n}"]) for n in names])
    tf = np.array([float(row.get(f"tf_{n}", 0.0)) for n in names])
    return explain_row(model, levels, tf)


_DEFAULTS: dict[str, Any] = {
    "agency": "",
    "agency_priority": 50,
    "nik": "",
    "nik_reliable": False,
}


def _prepare(records: pd.DataFrame) -> pd.DataFrame:
    # positions are the engine's record handles; avoid copying a frame already 0..n-1
    df = records if isinstance(records.index, pd.RangeIndex) and records.index.start == 0 else None
    df = records.reset_index(drop=True) if df is None else df
    missing = {col: d for col, d in _DEFAULTS.items() if col not in df.columns}
    if missing:
        df = df.assign(**missing)
    if "kk_number" in df.columns:
        # A NIK that is some record's KK number and whose embedded date is not the record's
        # birth date is most likely the KK typed into the NIK field (a frequent entry
        # error): it must neither count as NIK evidence nor forbid a merge, so it is treated
        # as missing. The date test matters: KK numbers and NIKs share the DDMMYY+serial
        # shape, so a child's real NIK often equals the KK issued on its birth day.
        kk = df["kk_number"].fillna("").astype(str)
        nik = df["nik"].fillna("").astype(str)
        suspect = nik.isin(kk[kk != ""]) & (nik != "")  # a Series: hashed in C, not a set
        # the civil registry issues the NIKs: its NIK field holds a NIK, never a KK typed in
        civil = pd.to_numeric(df["agency_priority"], errors="coerce") == 0
        suspect &= ~civil.to_numpy()
        if suspect.any():
            idx = suspect[suspect].index
            birth = df["birth_date"].loc[idx] if "birth_date" in df.columns else None
            suspect.loc[idx] = ~_nik_date_matches(nik.loc[idx], birth).to_numpy()
        if suspect.any():
            # shallow copy + column replacement: assign() would deep-copy every column
            df = df.copy(deep=False)
            df["nik_reliable"] = df["nik_reliable"].fillna(False).astype(bool) & ~suspect
            df["nik"] = nik.where(~suspect, "")
    return df


def prepare_records(records: pd.DataFrame) -> pd.DataFrame:
    """The frame as the engine reads it (defaults filled, a KK typed into the NIK field
    treated as no NIK): what diagnostics of a run's clusters must look at too."""
    return _prepare(records)


def _nik_date_matches(nik: pd.Series, birth: pd.Series | None) -> pd.Series:
    """NIK digits 7-12 are DDMMYY of birth, day + 40 for women (domain.md)."""
    if birth is None:
        return pd.Series(False, index=nik.index)
    b = pd.to_datetime(birth)
    day = pd.to_numeric(nik.str[6:8], errors="coerce")
    day = day.where(day <= 40, day - 40)
    return (
        (day == b.dt.day)
        & (pd.to_numeric(nik.str[8:10], errors="coerce") == b.dt.month)
        & (pd.to_numeric(nik.str[10:12], errors="coerce") == b.dt.year % 100)
    ).fillna(False)


def present_comparisons(comps: list[Comparison], df: pd.DataFrame) -> list[Comparison]:
    """The comparisons that read at least one column the frame has: a comparison with none
    of its columns (an "other_id" on the registry's frames) would be a field with no evidence
    in any pair, so it is not a field of the model at all."""
    return [c for c in comps if any(col in df.columns for col in c.columns)]


def population_prior(candidate_prior: float, candidates: int, records: int) -> float:
    """Share of matches among all record pairs when the candidates hold every match."""
    all_pairs = max(records * (records - 1) / 2, 1.0)
    return float(np.clip(candidate_prior * candidates / all_pairs, 1e-12, 0.5))


def u_without_matches(
    model: FSModel, random_u: dict[str, list[float]], prior: float
) -> dict[str, list[float]]:
    """u of random pairs less the matches among them: (u - prior * m) / (1 - prior), floored."""
    out = {}
    for fp in model.fields:
        u = (np.asarray(random_u[fp.comparison.name]) - prior * np.asarray(fp.m)) / (1 - prior)
        u = np.maximum(u, U_FLOOR)
        out[fp.comparison.name] = (u / u.sum()).tolist()
    return out


RANDOM_PAIRS = 50_000


def with_random_pair_u(
    em_model: FSModel,
    df: pd.DataFrame,
    comps: list[Comparison],
    cols: Columns,
    candidates: int,
    *,
    workers: int = 1,
) -> FSModel:
    """EM's m with u from the levels of random record pairs (nearly all non-matches), less
    the matches among them, and the prior of a match among all record pairs (Splink's way).

    EM's own u and prior describe the candidate pairs, which are half matches or more in a
    city (a person's records pair with each other) and nearly all matches in a small
    deduplication set (FEBRL1: 450 of 500): the few non-matches cannot tell u, so EM's u
    swings with the data set's size and a field's roles may even swap (exact agreement
    weighing against a match). And non-matching candidates share a blocking key (a date, a
    house number), so random pairs' u goes with the population prior, never with the
    candidates' odds: two strangers born on one day at one house number would otherwise
    start at those odds with the date's full weight."""
    population = population_prior(em_model.match_prior, candidates, len(df))
    random_u = random_pair_u(df, comps, cols, workers=workers)
    u = u_without_matches(em_model, random_u, population)
    return FSModel(
        fields=[FieldParams(fp.comparison, fp.m, u[fp.comparison.name]) for fp in em_model.fields],
        match_prior=population,
        iterations=em_model.iterations,
    )


def random_pair_u(
    df: pd.DataFrame, comps: list[Comparison], cols: Columns, *, workers: int = 1, seed: int = 0
) -> dict[str, list[float]]:
    """u of each field from the levels of random record pairs (level shares, floored)."""
    n = len(df)
    rng = np.random.default_rng(seed)
    k = min(RANDOM_PAIRS, n * (n - 1) // 2)
    a = rng.integers(0, n, k)
    b = rng.integers(0, n, k)
    keep = a != b
    lv = compare_pairs(df, a[keep], b[keep], comps, workers=workers, columns=cols)
    out = {}
    for f, c in enumerate(comps):
        counts = np.bincount(lv[:, f][lv[:, f] >= 0], minlength=len(c.labels)).astype(float)
        u = np.maximum(counts / max(counts.sum(), 1.0), U_FLOOR)
        out[c.name] = (u / u.sum()).tolist()
    return out


def multiple_birth_pairs(
    cols: Columns,
    i: np.ndarray,
    j: np.ndarray,
    *,
    workers: int = 1,
    given: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Candidate pairs that are a multiple birth, never one person: the same KK and the same
    birth date with given names that fully disagree (twins "aldi saputra" / "alif saputra",
    whose NIKs often differ only in the serial). About one birth in a hundred is a multiple
    birth; each merged one is a wrong profile. Returned as cannot-link constraints, so that no
    chain of other records joins the twins either."""
    if len(i) == 0:
        return []
    kk_valid = cols.valid_nik("kk_number")  # 16 digits, the same test as for a NIK
    same_kk, _ = cols.eq("kk_number", i, j)
    same_dob, _ = cols.eq("birth_date", i, j)
    # one NIK on both sides says one person whose name has two slips ("surynai" /
    # "suvyani"); twins' NIKs differ (in the serial at least)
    same_nik, _ = cols.eq("nik", i, j)
    sel = np.flatnonzero(same_kk & same_dob & kk_valid[i] & ~same_nik)
    if len(sel) == 0:
        return []
    # the run's own given-name levels when it compares them (the same numbers)
    given = given[sel] if given is not None else given_levels(cols, i[sel], j[sel], workers)
    # similar given names ("aldi" / "alif") are twins only when both NIKs are reliable and
    # differ in the serial alone, as twins' NIKs do; otherwise they may be one child's name
    # with two slips (and a NIK typo besides)
    reliable = cols.bools("nik_reliable") & cols.valid_nik("nik")
    a, b = i[sel], j[sel]
    serial_only = reliable[a] & reliable[b] & serial_only_differs(cols, a, b)
    registered = civil_registered_nik(cols, "nik")
    twins = (given == GIVEN_DIFFERENT) | (
        serial_only & (((given >= 0) & (given < GIVEN_AGREE)) | (registered[a] & registered[b]))
    )
    differ = sel[twins]
    return list(zip(i[differ].tolist(), j[differ].tolist(), strict=True))


def _decision_pairs(
    df: pd.DataFrame, decisions: pd.DataFrame | Iterable[tuple[int, int, str]] | None
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Decisions: (record_id_a, record_id_b, 'same'|'different'); unknown ids are ignored
    (a decision about a withdrawn record must not fail a rerun)."""
    if decisions is None:
        return [], []
    rows = (
        decisions[["record_id_a", "record_id_b", "decision"]].itertuples(index=False)
        if isinstance(decisions, pd.DataFrame)
        else decisions
    )
    pos = pd.Series(np.arange(len(df)), index=df["record_id"].to_numpy())
    must, cannot = [], []
    for a, b, d in rows:
        if a not in pos.index or b not in pos.index:
            continue
        pair = (int(pos[a]), int(pos[b]))
        (must if d == "same" else cannot).append(pair)
    return must, cannot


def _tf_values(
    df: pd.DataFrame,
    comps: list[Comparison],
    i: np.ndarray,
    j: np.ndarray,
    columns: Columns | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for c in comps:
        if c.tf_column and c.tf_column in df.columns:
            v = columns.s(c.tf_column) if columns is not None else str_array(df[c.tf_column])
            out[c.tf_column] = (v[i], v[j])
    return out


TfCodes = dict[str, tuple[np.ndarray, np.ndarray]]  # column -> (codes, tf of each code)


def _tf_codes(model: FSModel, comps: list[Comparison], columns: Columns) -> TfCodes:
    """Per tf column: every record's value code and the term frequency of each code, so the
    pairs' adjustments are integer compares and array takes (see FSModel.tf_adjustment_coded)."""
    out = {}
    for c in comps:
        col = c.tf_column
        if not col or col not in model.tf_tables or col not in columns.df.columns:
            continue
        codes, uniques = columns.code(col), columns.uniques(col)
        if uniques is None:  # not a text column: its values as text, as the table counts them
            codes, uniques = pd.factorize(columns.s(col))
            uniques = np.asarray(uniques, dtype=object)
            codes = np.where(uniques[codes] == "", -1, codes).astype(np.int64)
        out[col] = (codes, model.tf_tables[col].tf_of_each(uniques))
    return out


def _pairs_tf(tf_codes: TfCodes, i: np.ndarray, j: np.ndarray):  # noqa: ANN202
    return {col: (codes[i], codes[j], tf_of) for col, (codes, tf_of) in tf_codes.items()}


def build_tf_tables(df: pd.DataFrame, comps: list[Comparison]) -> dict[str, TermFrequencies]:
    return {
        c.tf_column: TermFrequencies.from_column(c.tf_column, df[c.tf_column].astype(str))
        for c in comps
        if c.tf_column and c.tf_column in df.columns
    }


# Up to this many pairs (an incremental link's pool, one record's candidates) the per-call
# costs of pandas outweigh the work: small-input paths below give the same numbers.
SMALL_INPUT_PAIRS = 5_000


def score_levels(
    model: FSModel, levels: np.ndarray, tf_values: dict[str, tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(field weights, tf adjustments, total score) for a level matrix (one record's
    candidates: the run itself scores with FSModel.scores)."""
    w = model.field_weights(levels)
    if len(levels) <= SMALL_INPUT_PAIRS:
        adj = _tf_adjustments_small(model, levels, tf_values)
    else:
        adj = model.tf_adjustments(levels, tf_values)
    score = model.prior_weight + w.sum(axis=1) + adj.sum(axis=1)
    return w, adj, score


# Pairs scored at a time by scores_in_chunks: the tf value codes of a city's 28 M candidate
# pairs would take 450 MB at once; a chunk's take 16 MB.
SCORE_CHUNK_PAIRS = 1 << 20


def scores_in_chunks(
    model: FSModel,
    levels: np.ndarray,
    df: pd.DataFrame,
    comps: list[Comparison],
    i: np.ndarray,
    j: np.ndarray,
    columns: Columns,
) -> np.ndarray:
    """Total score of every pair, by FSModel.scores over chunks of pairs (every pair's score
    is computed alone, so the chunks change nothing), on value codes of the tf columns."""
    score = np.empty(len(levels), dtype=np.float64)
    tf_codes = _tf_codes(model, comps, columns)
    for start in range(0, len(levels), SCORE_CHUNK_PAIRS):
        part = slice(start, start + SCORE_CHUNK_PAIRS)
        score[part] = model.scores(levels[part], _pairs_tf(tf_codes, i[part], j[part]))
    return score


def _tf_adjustments_small(
    model: FSModel, levels: np.ndarray, values: dict[str, tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    """FSModel.tf_adjustments with dict lookups instead of Series.map: mapping a few values
    through a saved model's table (tens of thousands of names) first turns the whole table
    into a Series, on every call. Same arithmetic, same result."""
    out = np.zeros(levels.shape, dtype=np.float64)
    if model.tf_adjustment_weight == 0:
        return out
    for f, fp in enumerate(model.fields):
        col = fp.comparison.tf_column
        if col is None or col not in model.tf_tables or col not in values:
            continue
        a, b = values[col]
        same = np.flatnonzero((a == b) & (a != ""))
        if len(same) == 0:
            continue
        table = model.tf_tables[col]
        counts, floor = table.counts, table.floor_count
        found = [counts.get(v) for v in a[same].tolist()]
        tf = np.array([floor if c is None else c for c in found], dtype=np.float64) / table.total
        adj = np.log2(table.u_random / tf)
        adj = np.clip(adj * model.tf_adjustment_weight, -model.tf_adjustment_cap, None)
        out[same, f] = np.minimum(adj, model.tf_adjustment_cap)
    return out


def link_records(
    records: pd.DataFrame,
    *,
    decisions: pd.DataFrame | Iterable[tuple[int, int, str]] | None = None,
    config: LinkConfig | None = None,
    model: FSModel | None = None,
) -> LinkResult:
    """Cluster ``records`` into persons. ``model``: reuse fitted m/u (no EM) — e.g. the
    model saved by the last full run; otherwise m/u are estimated from these records."""
    cfg = config or LinkConfig()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    df = _prepare(records)
    comps = present_comparisons(resolve(cfg.comparisons), df)
    must, cannot = _decision_pairs(df, decisions)
    timings["prepare"] = time.perf_counter() - t0

    t = time.perf_counter()
    extra = None
    if must or cannot:
        both = np.array(must + cannot, dtype=np.int64)
        extra = (both[:, 0], both[:, 1])
    cols = Columns(df)  # one column cache shared by blocking and comparison
    cand = block(
        df,
        cfg.blocking_keys,
        max_block_size=cfg.max_block_size,
        extra_pairs=extra,
        columns=cols,
        workers=cfg.workers,
    )
    i, j = cand.left, cand.right
    blocking_reports = [r.as_dict() for r in cand.reports]
    del cand  # i and j are its arrays: freed when the collect step is done with them
    timings["block"] = time.perf_counter() - t

    t = time.perf_counter()
    levels = compare_pairs(df, i, j, comps, workers=cfg.workers, columns=cols)
    timings["compare"] = time.perf_counter() - t

    t = time.perf_counter()
    if model is None:
        model = fit_em(
            levels, comps, max_iterations=cfg.em_max_iterations, tolerance=cfg.em_tolerance
        )
        model = with_random_pair_u(model, df, comps, cols, len(i), workers=cfg.workers)
        model.tf_tables = build_tf_tables(df, comps)
        model.tf_adjustment_weight = cfg.tf_adjustment_weight
        model.tf_adjustment_cap = cfg.tf_adjustment_cap
    timings["fit"] = time.perf_counter() - t

    t = time.perf_counter()
    score = scores_in_chunks(model, levels, df, comps, i, j, cols)
    prob = model.probability(score)
    timings["score"] = time.perf_counter() - t

    t = time.perf_counter()
    accept = prob >= cfg.match_probability
    reliable = df["nik_reliable"].fillna(False).to_numpy(dtype=bool)
    reliable_nik = np.where(reliable & cols.valid_nik("nik"), cols.s("nik"), "")
    civil = (pd.to_numeric(df["agency_priority"], errors="coerce") == 0).to_numpy()
    given_col = next((f for f, c in enumerate(comps) if c.kind == "given"), None)
    births = multiple_birth_pairs(
        cols, i, j, workers=cfg.workers, given=None if given_col is None else levels[:, given_col]
    )
    labels, cstats = cluster(
        len(df),
        i[accept],
        j[accept],
        score[accept],
        reliable_nik=reliable_nik,
        civil=civil,
        must_link=must,
        cannot_link=cannot + births,
    )
    cstats["multiple_birth_pairs"] = len(births)
    accepted = int(accept.sum())
    del accept, reliable_nik, civil
    timings["cluster"] = time.perf_counter() - t

    t = time.perf_counter()
    rid = df["record_id"].to_numpy()
    keep = np.flatnonzero(prob >= cfg.keep_pairs_min_probability)
    li, lj = i[keep], j[keep]
    columns: dict[str, np.ndarray] = {
        "left_id": rid[li],
        "right_id": rid[lj],
        "score": score[keep],
        "probability": prob[keep],
        "same_cluster": labels[li] == labels[lj],
    }
    # per-field weights and tf adjustments of the kept pairs (the parts of their scores),
    # a column at a time: no (pairs x fields) matrices
    tf_coded = _pairs_tf(_tf_codes(model, comps, cols), li, lj)
    for f, c in enumerate(comps):
        columns[f"lvl_{c.name}"] = level = levels[keep, f]
        columns[f"w_{c.name}"] = model.field_weight(f, level).astype(np.float32)
        if c.tf_column:
            adjustment = np.zeros(len(keep), dtype=np.float32)
            got = model.tf_adjustment_coded(f, tf_coded)
            if got is not None:
                adjustment[got[0]] = got[1]
            columns[f"tf_{c.name}"] = adjustment
    del tf_coded
    candidate_pairs = len(i)
    del i, j, levels, score, prob  # the candidates' arrays: gigabytes in a city
    pairs = pd.DataFrame(columns, copy=False)
    del columns
    band = (pairs["probability"] >= cfg.review_low) & (pairs["probability"] < cfg.review_high)
    review = pairs[band].sort_values("probability").reset_index(drop=True)
    timings["collect"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0

    return LinkResult(
        clusters=pd.Series(labels, index=pd.Index(rid, name="record_id"), name="cluster"),
        pairs=pairs,
        review=review,
        blocking=blocking_reports,
        timings=timings,
        model=model,
        stats={
            "records": len(df),
            "candidate_pairs": candidate_pairs,
            "accepted_pairs": accepted,
            "review_pairs": len(review),
            "clusters": int(labels.max() + 1) if len(labels) else 0,
            "em_iterations": model.iterations,
            "match_prior": model.match_prior,
            **cstats,
        },
    )


def score_candidates(
    one_record: pd.Series | dict[str, Any],
    candidates: pd.DataFrame,
    model: FSModel,
) -> pd.DataFrame:
    """Score one (new) record against candidate records fetched through the blocking keys,
    with the saved model: same comparisons, same weights as the batch run. Returns one row per
    candidate (record_id, score, probability, per-field level and weight), best first."""
    comps = [fp.comparison for fp in model.fields]
    one = pd.DataFrame([dict(one_record)])
    df = _prepare(pd.concat([one, candidates], ignore_index=True))
    n = len(candidates)
    i = np.zeros(n, dtype=np.int64)
    j = np.arange(1, n + 1, dtype=np.int64)
    levels = compare_pairs(df, i, j, comps, workers=1)
    w, adj, score = score_levels(model, levels, _tf_values(df, comps, i, j))
    out = pd.DataFrame(
        {
            "record_id": candidates["record_id"].to_numpy() if n else [],
            "score": score,
            "probability": model.probability(score),
        }
    )
    for f, c in enumerate(comps):
        out[f"lvl_{c.name}"] = levels[:, f]
        out[f"w_{c.name}"] = w[:, f]
        if c.tf_column:
            out[f"tf_{c.name}"] = adj[:, f]
    return out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
