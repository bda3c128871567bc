"""Pairwise precision/recall/F1 by cluster-size combinatorics, checked by hand."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from linkage.evaluation import pairwise_scores, scores_against_truth


def _brute(pred: list[str], truth: list[str]) -> tuple[int, int, int]:
    pairs = list(itertools.combinations(range(len(pred)), 2))
    pp = {p for p in pairs if pred[p[0]] == pred[p[1]]}
    tt = {p for p in pairs if truth[p[0]] == truth[p[1]]}
    return len(pp & tt), len(pp), len(tt)


def test_hand_example() -> None:
    # truth: {0,1,2} {3,4}; predicted: {0,1} {2,3,4}
    pred = pd.Series(["a", "a", "b", "b", "b"])
    truth = pd.Series(["x", "x", "x", "y", "y"])
    s = pairwise_scores(pred, truth)
    # true pairs 3+1=4, predicted 1+3=4, common (0,1),(3,4) = 2
    assert (s.true_positive_pairs, s.predicted_pairs, s.true_pairs) == (2, 4, 4)
    assert s.precision == pytest.approx(0.5)
    assert s.recall == pytest.approx(0.5)
    assert s.f1 == pytest.approx(0.5)
    assert (s.predicted_clusters, s.true_clusters) == (2, 2)


def test_perfect_and_singletons() -> None:
    s = pairwise_scores(pd.Series([1, 1, 2, 3]), pd.Series(["p", "p", "q", "r"]))
    assert s.f1 == 1.0
    s = pairwise_scores(pd.Series([1, 2, 3]), pd.Series(["p", "q", "r"]))
    assert (s.precision, s.recall) == (1.0, 1.0)


def test_matches_brute_force() -> None:
    pred = list("aabbbccdde")
    truth = list("xxxyyzzzww")
    s = pairwise_scores(pd.Series(pred), pd.Series(truth))
    assert (s.true_positive_pairs, s.predicted_pairs, s.true_pairs) == _brute(pred, truth)


def test_scores_against_truth_joins_on_agency_and_source_id() -> None:
    records = pd.DataFrame(
        {"record_id": [10, 11, 12], "agency": ["a", "b", "b"], "source_record_id": ["1", "1", "2"]}
    )
    labels = pd.Series([7, 7, 8], index=[10, 11, 12])
    truth = pd.DataFrame(
        {
            "agency": ["a", "b", "b"],
            "source_record_id": ["1", "1", "2"],
            "person_key": ["P", "P", "Q"],
        }
    )
    assert scores_against_truth(records, labels, truth).f1 == 1.0
