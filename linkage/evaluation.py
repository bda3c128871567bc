"""Pairwise precision / recall / F1 of predicted clusters against ground truth.

Never materialises pairs: with n_pc the records shared by predicted cluster p and true
cluster c, true-positive pairs = sum C(n_pc, 2), predicted pairs = sum C(|p|, 2), true pairs =
sum C(|c|, 2). Linear in the number of records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class PairwiseScores:
    precision: float
    recall: float
    f1: float
    true_positive_pairs: int
    predicted_pairs: int
    true_pairs: int
    predicted_clusters: int
    true_clusters: int
    records: int

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def _pairs(sizes: np.ndarray) -> int:
    s = sizes.astype(np.int64)
    return int((s * (s - 1) // 2).sum())


def pairwise_scores(predicted: pd.Series, truth: pd.Series) -> PairwiseScores:
    """``predicted`` and ``truth``: cluster label per record, same index (records missing
    from either side are ignored)."""
    df = pd.DataFrame({"p": predicted, "t": truth}).dropna()
    p_codes = pd.factorize(df["p"])[0]
    t_codes = pd.factorize(df["t"])[0]
    pred_sizes = np.bincount(p_codes)
    true_sizes = np.bincount(t_codes)
    cell = pd.Series(p_codes.astype(np.int64) * (t_codes.max() + 1) + t_codes).value_counts()
    tp = _pairs(cell.to_numpy())
    pp, tt = _pairs(pred_sizes), _pairs(true_sizes)
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseScores(
        precision, recall, f1, tp, pp, tt, len(pred_sizes), len(true_sizes), len(df)
    )


def read_truth(path: str | Path) -> pd.DataFrame:
    """Truth file: agency, source_record_id, person_key."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def scores_against_truth(
    records: pd.DataFrame, labels: pd.Series, truth: pd.DataFrame
) -> PairwiseScores:
    """``records`` has record_id, agency, source_record_id; ``labels`` is cluster per
    record_id; ``truth`` has agency, source_record_id, person_key."""
    key = records[["record_id", "agency", "source_record_id"]].astype(
        {"agency": str, "source_record_id": str}
    )
    merged = key.merge(truth, on=["agency", "source_record_id"], how="inner")
    pred = labels.reindex(merged["record_id"].to_numpy())
    pred.index = merged.index
    return pairwise_scores(pred, merged["person_key"])
