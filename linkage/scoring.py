"""Fellegi–Sunter scoring with m/u estimated by EM over the candidate pairs.

EM runs on the distinct comparison patterns with their counts (a few thousand rows even for
millions of pairs), so fitting takes milliseconds. Match weights are log2(m/u) per field and
level; a missing field weighs 0. Exact agreement on a column with ``tf_column`` is adjusted by
how common the value is (Splink-style): log2(u_random / tf(value)), so "siti" agreeing counts
less than a rare name agreeing. Every score is the sum of its explained parts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from linkage.compare import Comparison

_EPS = 1e-6
# Floors on m and u: a level EM never saw among matches (m -> 0) would otherwise weigh -30
# bits and veto any link on one clerical slip (a sex coded 1/2 the wrong way round).
M_FLOOR = 1e-3
U_FLOOR = 1e-4


def _floored(p: np.ndarray, floor: float) -> np.ndarray:
    p = np.maximum(p / p.sum(), floor)
    return p / p.sum()


@dataclass
class FieldParams:
    comparison: Comparison
    m: list[float]
    u: list[float]

    @property
    def weights(self) -> np.ndarray:
        return np.log2(np.asarray(self.m) / np.asarray(self.u))


@dataclass
class TermFrequencies:
    """Value counts of one column, for the exact-agreement adjustment. ``floor_count`` stands
    in for values not stored (the saved model keeps only the most common ones; an unstored
    value is at most that common, so its adjustment is conservative)."""

    column: str
    counts: dict[str, int]
    total: int
    u_random: float
    floor_count: int = 1

    def tf(self, values: np.ndarray) -> np.ndarray:
        s = pd.Series(values, dtype=object).map(self.counts)
        return s.fillna(self.floor_count).to_numpy(dtype=np.float64) / self.total

    def tf_of_each(self, values: np.ndarray) -> np.ndarray:
        """tf() by dict lookups: for a column's distinct values once per run (a saved model's
        table is tens of thousands of names; Series.map would turn it into a Series first)."""
        get, floor = self.counts.get, self.floor_count
        found = np.fromiter((get(v, floor) for v in values), dtype=np.float64, count=len(values))
        return found / self.total

    @classmethod
    def from_column(cls, column: str, values: pd.Series) -> TermFrequencies:
        vc = values[values.fillna("") != ""].value_counts()
        total = max(int(vc.sum()), 2)
        c = vc.to_numpy(dtype=np.float64)
        u_random = float((c * (c - 1)).sum() / (total * (total - 1))) or 1.0 / total
        return cls(column, {str(k): int(v) for k, v in vc.items()}, total, u_random)


@dataclass
class FSModel:
    fields: list[FieldParams]
    match_prior: float  # lambda: share of candidate pairs that are matches
    tf_tables: dict[str, TermFrequencies] = field(default_factory=dict)
    tf_adjustment_weight: float = 1.0
    tf_adjustment_cap: float = 6.0
    iterations: int = 0

    # --- scoring -------------------------------------------------------------------------
    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.match_prior / (1.0 - self.match_prior)))

    def field_weights(self, levels: np.ndarray) -> np.ndarray:
        """(pairs x fields) weights; null levels weigh 0."""
        out = np.zeros(levels.shape, dtype=np.float64)
        for f, fp in enumerate(self.fields):
            w = np.r_[fp.weights, 0.0]  # index -1 -> the appended 0 for "missing"
            out[:, f] = w[levels[:, f]]
        return out

    def tf_adjustments(
        self, levels: np.ndarray, values: dict[str, tuple[np.ndarray, np.ndarray]]
    ) -> np.ndarray:
        """(pairs x fields) adjustment, non-zero only where the tf column agrees exactly.
        ``values[column]`` = (left values, right values) of the pairs."""
        out = np.zeros(levels.shape, dtype=np.float64)
        if self.tf_adjustment_weight == 0:
            return out
        for f, fp in enumerate(self.fields):
            col = fp.comparison.tf_column
            if col is None or col not in self.tf_tables or col not in values:
                continue
            a, b = values[col]
            same = np.flatnonzero((a == b) & (a != ""))
            if len(same) == 0:
                continue
            table = self.tf_tables[col]
            adj = np.log2(table.u_random / table.tf(a[same]))
            adj = np.clip(adj * self.tf_adjustment_weight, -self.tf_adjustment_cap, None)
            out[same, f] = np.minimum(adj, self.tf_adjustment_cap)
        return out

    def field_weight(self, f: int, levels: np.ndarray) -> np.ndarray:
        """Weights of field ``f`` at the given levels (column ``f`` of field_weights)."""
        return np.r_[self.fields[f].weights, 0.0][levels]  # level -1 -> the appended 0

    def tf_adjustment_coded(
        self, f: int, coded: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Field ``f``'s tf adjustment on value codes: (positions of the pairs whose values
        agree exactly, their adjustments), or None for a field without one. ``coded[column]``
        = (left codes, right codes, term frequency of each code), code -1 for a missing value.
        Equal codes are equal values: the numbers of tf_adjustments, without comparing and
        looking up millions of strings."""
        col = self.fields[f].comparison.tf_column
        if self.tf_adjustment_weight == 0 or col not in self.tf_tables or col not in coded:
            return None
        a, b, tf_of = coded[col]
        same = np.flatnonzero((a == b) & (a >= 0))
        adj = np.log2(self.tf_tables[col].u_random / tf_of[a[same]])
        adj = np.clip(adj * self.tf_adjustment_weight, -self.tf_adjustment_cap, None)
        return same, np.minimum(adj, self.tf_adjustment_cap)

    def scores(
        self, levels: np.ndarray, coded: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    ) -> np.ndarray:
        """Total score of each pair: prior + field weights + tf adjustments, added field by
        field into one array instead of building the (pairs x fields) matrices (a city scores
        tens of millions of pairs, and fresh memory is what costs most on a small VM)."""
        score = np.full(len(levels), self.prior_weight, dtype=np.float64)
        for f in range(len(self.fields)):
            score += self.field_weight(f, levels[:, f])
        for f in range(len(self.fields)):
            got = self.tf_adjustment_coded(f, coded)
            if got is not None:
                score[got[0]] += got[1]
        return score

    @staticmethod
    def probability(score: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp2(-np.clip(score, -60, 60)))

    # --- persistence --------------------------------------------------------------------
    def to_dict(self, tf_store_top: int = 50_000) -> dict[str, Any]:
        tf_out = {}
        for col, t in self.tf_tables.items():
            top = sorted(t.counts.items(), key=lambda kv: -kv[1])[:tf_store_top]
            floor = top[-1][1] if len(top) == tf_store_top else 1
            tf_out[col] = {
                "counts": dict(top),
                "total": t.total,
                "u_random": t.u_random,
                "floor_count": max(floor, t.floor_count),
            }
        return {
            "version": 1,
            "match_prior": self.match_prior,
            "iterations": self.iterations,
            "tf_adjustment_weight": self.tf_adjustment_weight,
            "tf_adjustment_cap": self.tf_adjustment_cap,
            "fields": [
                {"comparison": asdict(fp.comparison), "m": fp.m, "u": fp.u} for fp in self.fields
            ],
            "tf_tables": tf_out,
        }

    def to_json(self, tf_store_top: int = 50_000) -> str:
        return json.dumps(self.to_dict(tf_store_top))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FSModel:
        fields = []
        for f in d["fields"]:
            c = dict(f["comparison"])
            c["columns"] = tuple(c["columns"])
            c["thresholds"] = tuple(c["thresholds"])
            fields.append(FieldParams(Comparison(**c), list(f["m"]), list(f["u"])))
        tf = {
            col: TermFrequencies(col, t["counts"], t["total"], t["u_random"], t["floor_count"])
            for col, t in d.get("tf_tables", {}).items()
        }
        return cls(
            fields,
            d["match_prior"],
            tf,
            d.get("tf_adjustment_weight", 1.0),
            d.get("tf_adjustment_cap", 6.0),
            d.get("iterations", 0),
        )

    @classmethod
    def from_json(cls, s: str) -> FSModel:
        return cls.from_dict(json.loads(s))


# --- EM ---------------------------------------------------------------------------------------


def distinct_patterns(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the level matrix with their counts. Rows are packed into one int64
    (4 bits per field, levels -1..14) and sorted: far faster than np.unique(axis=0)."""
    n_fields = levels.shape[1]
    if n_fields > 15:
        rows, counts = np.unique(levels, axis=0, return_counts=True)
        return rows, counts.astype(np.float64)
    shifts = np.arange(n_fields, dtype=np.int64) * 4
    # column by column: the whole matrix widened to int64 is gigabytes for a city's pairs
    packed = np.zeros(len(levels), dtype=np.int64)
    for f in range(n_fields):
        packed |= (levels[:, f].astype(np.int64) + 1) << np.int64(4 * f)
    packed.sort()
    starts = np.flatnonzero(np.r_[True, packed[1:] != packed[:-1]])
    counts = np.diff(np.r_[starts, len(packed)]).astype(np.float64)
    uniq = packed[starts]
    rows = ((uniq[:, None] >> shifts) & 15) - 1
    return rows.astype(np.int8), counts


def _initial_params(n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Matches concentrate on the top (agreeing) level, non-matches on level 0."""
    ranks = np.arange(n_levels, dtype=np.float64)
    m = np.exp(2.0 * ranks)
    u = np.exp(-2.0 * ranks)
    return m / m.sum(), u / u.sum()


def fit_em(
    levels: np.ndarray,
    comparisons: Sequence[Comparison],
    *,
    max_iterations: int = 60,
    tolerance: float = 1e-6,
    initial_prior: float = 0.3,
    fixed_u: dict[str, list[float]] | None = None,
    initial_u: dict[str, list[float]] | None = None,
) -> FSModel:
    """Two-class latent model over (pairs x fields) levels, conditional independence.

    Works on the distinct patterns weighted by count, so cost is independent of pair count
    after one np.unique. ``fixed_u`` pins u for fields whose u was estimated elsewhere.
    """
    n_fields = levels.shape[1]
    n_levels = [len(c.labels) for c in comparisons]
    m_list, u_list = zip(*(_initial_params(k) for k in n_levels), strict=True)
    if len(levels) == 0:
        # Nothing to learn from (e.g. a tiny first import): the prior parameters stand.
        fields = [
            FieldParams(c, [float(x) for x in m_list[f]], [float(x) for x in u_list[f]])
            for f, c in enumerate(comparisons)
        ]
        return FSModel(fields, initial_prior, iterations=0)
    patterns, counts = distinct_patterns(levels)
    m = [a.copy() for a in m_list]
    u = [a.copy() for a in u_list]
    for f, c in enumerate(comparisons):
        if initial_u and c.name in initial_u:
            u[f] = np.asarray(initial_u[c.name], dtype=np.float64)
    if fixed_u:
        for f, c in enumerate(comparisons):
            if c.name in fixed_u:
                u[f] = np.asarray(fixed_u[c.name], dtype=np.float64)
    lam = initial_prior
    # one-hot index per field for the M step
    masks = [[patterns[:, f] == lv for lv in range(n_levels[f])] for f in range(n_fields)]
    it = 0
    for it in range(1, max_iterations + 1):  # noqa: B007 - reported in the model
        log_m = np.zeros(len(patterns))
        log_u = np.zeros(len(patterns))
        for f in range(n_fields):
            idx = patterns[:, f]
            ok = idx >= 0
            log_m[ok] += np.log(m[f][idx[ok]])
            log_u[ok] += np.log(u[f][idx[ok]])
        a = np.log(lam) + log_m
        b = np.log(1 - lam) + log_u
        g = 1.0 / (1.0 + np.exp(np.clip(b - a, -700, 700)))
        wm, wu = counts * g, counts * (1 - g)
        new_lam = float(np.clip(wm.sum() / counts.sum(), _EPS, 1 - _EPS))
        delta = abs(new_lam - lam)
        for f in range(n_fields):
            mm = np.array([wm[mk].sum() for mk in masks[f]]) + _EPS
            new_m = _floored(mm, M_FLOOR)
            delta = max(delta, float(np.abs(new_m - m[f]).max()))
            m[f] = new_m
            if not (fixed_u and comparisons[f].name in fixed_u):
                uu = np.array([wu[mk].sum() for mk in masks[f]]) + _EPS
                new_u = _floored(uu, U_FLOOR)
                delta = max(delta, float(np.abs(new_u - u[f]).max()))
                u[f] = new_u
        lam = new_lam
        if delta < tolerance:
            break
    fields = [
        FieldParams(c, [float(x) for x in m[f]], [float(x) for x in u[f]])
        for f, c in enumerate(comparisons)
    ]
    return FSModel(fields, lam, iterations=it)


# --- explanation ------------------------------------------------------------------------------


def explain_row(
    model: FSModel, levels: np.ndarray, tf_adj: np.ndarray | None = None
) -> dict[str, Any]:
    """Per-field level label, weight and term-frequency adjustment for one pair."""
    parts = []
    total = model.prior_weight
    for f, fp in enumerate(model.fields):
        lv = int(levels[f])
        w = 0.0 if lv < 0 else float(fp.weights[lv])
        adj = 0.0 if tf_adj is None else float(tf_adj[f])
        total += w + adj
        parts.append(
            {
                "field": fp.comparison.name,
                "level": "missing" if lv < 0 else fp.comparison.labels[lv],
                "weight": round(w, 3),
                "tf_adjustment": round(adj, 3),
            }
        )
    return {
        "prior_weight": round(model.prior_weight, 3),
        "fields": parts,
        "score": round(total, 3),
        "probability": float(model.probability(np.array([total]))[0]),
    }
