"""The adversarial city (generate_city --adversarial): its hard cases are there, and the
engine keeps twins and the civil registry's NIKs apart on it. No database."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from linkage.diagnostics import cluster_diagnostics
from linkage.engine import link_records
from linkage.evaluation import read_truth, scores_against_truth
from linkage.frames import city_frame
from registry.citygen import CityConfig, generate_city

PERSONS = 3_000


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("adversarial")
    generate_city(out, CityConfig(persons=PERSONS, seed=3, adversarial=True))
    return out


@pytest.fixture(scope="module")
def frame(city: Path) -> pd.DataFrame:
    return city_frame(city)


def test_hard_cases_are_generated(city: Path, frame: pd.DataFrame) -> None:
    civil = frame[frame["agency"] == "disdukcapil"]
    truth = read_truth(city / "truth.csv")
    person = civil.merge(truth, on=["agency", "source_record_id"])
    # twins/triplets: one KK, one birth date, different given names, NIKs one serial apart
    same_birth = person.groupby(["kk_number", "birth_date"])["person_key"].nunique()
    assert (same_birth >= 2).sum() >= 10
    assert (same_birth >= 3).sum() >= 1
    twins = person[
        person.set_index(["kk_number", "birth_date"]).index.isin(same_birth[same_birth >= 2].index)
    ]
    prefixes = Counter(twins["nik"].str[:12])
    assert any(n >= 2 for n in prefixes.values())  # same-sex twins: serial-only difference
    # a son carrying his father's full name in the father's KK
    same_name = person.groupby(["kk_number", "name_key"])["person_key"].nunique()
    assert (same_name >= 2).sum() >= 5
    # mononyms
    assert (civil["name_key"].str.count(" ") == 0).mean() > 0.1
    # remarried widows: other agencies list some persons under another KK than Dukcapil
    kk_of = person.drop_duplicates("person_key").set_index("person_key")["kk_number"]
    others = frame[frame["agency"] != "disdukcapil"].merge(truth, on=["agency", "source_record_id"])
    others = others[others["kk_number"].str.len() == 16]
    moved_kk = others["kk_number"] != kk_of.reindex(others["person_key"]).to_numpy()
    assert moved_kk.sum() > 0


def test_engine_on_the_adversarial_city(city: Path, frame: pd.DataFrame) -> None:
    result = link_records(frame)
    scores = scores_against_truth(frame, result.clusters, read_truth(city / "truth.csv"))
    assert scores.precision >= 0.999, scores
    assert scores.f1 >= 0.995, scores
    labels = result.clusters.reindex(frame["record_id"].to_numpy()).to_numpy()
    diagnostics = cluster_diagnostics(frame, labels)
    assert diagnostics.civil_conflict_count == 0
    assert result.stats["multiple_birth_pairs"] > 0
