"""Incremental linking: one new record scored against candidates with the saved model."""

from __future__ import annotations

import pandas as pd

from linkage.engine import link_records, score_candidates
from linkage.scoring import FSModel
from tests.linkage.test_engine_constraints import _frame, _noise


def test_score_candidates_uses_saved_model() -> None:
    df = _frame(_noise(60))
    batch = link_records(df)
    model = FSModel.from_json(batch.model.to_json())
    assert [f.comparison.name for f in model.fields] == [
        f.comparison.name for f in batch.model.fields
    ]

    new = df[df["record_id"] == 1005].iloc[0].to_dict()
    new["record_id"] = 9999
    new["name_key"] = "orang 5"
    candidates = df[df["record_id"].isin([1005, 5005, 1006, 1007])]
    scored = score_candidates(new, candidates, model)
    assert list(scored.columns[:3]) == ["record_id", "score", "probability"]
    assert set(scored["record_id"].iloc[:2]) == {1005, 5005}
    assert (scored["probability"].iloc[:2] > 0.99).all()
    assert (scored["probability"].iloc[2:] < 0.01).all()
    assert {"lvl_name", "w_name", "lvl_nik", "w_location"} <= set(scored.columns)


def test_score_candidates_matches_batch_scores() -> None:
    df = _frame(_noise(60))
    batch = link_records(df)
    pair = batch.pairs[(batch.pairs["left_id"] == 1003) & (batch.pairs["right_id"] == 5003)]
    one = df[df["record_id"] == 1003].iloc[0]
    scored = score_candidates(one, df[df["record_id"] == 5003], batch.model)
    assert abs(scored["score"].iloc[0] - pair["score"].iloc[0]) < 1e-3


def test_empty_candidates() -> None:
    df = _frame(_noise(10))
    model = link_records(df).model
    scored = score_candidates(df.iloc[0], df.iloc[0:0], model)
    assert scored.empty
    assert isinstance(scored, pd.DataFrame)
