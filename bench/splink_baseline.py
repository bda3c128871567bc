"""Splink (DuckDB backend) baseline on the same normalised records as our engine.

A fair, conventional Splink model: the same normalised columns, comparable comparisons
(Jaro-Winkler names with term-frequency adjustment, NIK with one edit, date of birth levels,
KK, address, RT/RW, kelurahan), blocking rules close to ours, u by random sampling, m by EM
on three blocking rules, pairs accepted at match probability 0.5, then connected components.
Optional dependency: `pip install -e .[splink]`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd

THRESHOLD = 0.5


def splink_input(df: pd.DataFrame) -> pd.DataFrame:
    """Engine frame -> Splink input: '' becomes NULL (Splink's "missing" level), dates as
    ISO strings, a couple of derived columns for blocking."""
    out = pd.DataFrame({"record_id": df["record_id"].astype("int64")})
    for col in (
        "kk_number",
        "name_key",
        "name_phonetic",
        "given_name_key",
        "sex",
        "address_key",
        "house_number",
        "kelurahan_code",
        "kecamatan_code",
    ):
        out[col] = df[col].fillna("").astype(str).replace("", None)
    nik = df["nik"].fillna("").astype(str)
    out["nik"] = nik.where((nik.str.len() == 16) & nik.str.isdigit(), None)
    bd = pd.to_datetime(df["birth_date"])
    out["birth_date"] = bd.dt.strftime("%Y-%m-%d").where(bd.notna(), None)
    out["birth_year"] = bd.dt.year.astype("Int64").astype(str).replace("<NA>", None)
    rt = df["rt"].astype("Int64").astype(str)
    rw = df["rw"].astype("Int64").astype(str)
    out["rt_rw"] = (rt + "/" + rw).where(df["rt"].notna() & df["rw"].notna(), None)
    return out


def link_with_splink(df: pd.DataFrame, *, seed: int = 1) -> tuple[pd.Series, dict[str, Any]]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data = splink_input(df)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("name_key", "birth_date"),
            block_on("name_phonetic", "birth_year", "kelurahan_code"),
            block_on("kk_number", "given_name_key"),
            block_on("birth_date", "kelurahan_code"),
            block_on("given_name_key", "birth_date", "kecamatan_code"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("name_key", [0.92, 0.85]).configure(
                term_frequency_adjustments=True
            ),
            cl.DamerauLevenshteinAtThresholds("nik", [1]),
            cl.DateOfBirthComparison(
                "birth_date",
                input_is_string=True,
                datetime_metrics=["month", "year"],
                datetime_thresholds=[1, 1],
            ),
            cl.ExactMatch("sex"),
            cl.ExactMatch("kk_number"),
            cl.JaroWinklerAtThresholds("address_key", [0.9]),
            cl.ExactMatch("house_number"),
            cl.ExactMatch("rt_rw"),
            cl.ExactMatch("kelurahan_code"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    db_api = DuckDBAPI()
    sdf = db_api.register(data)
    linker = Linker(sdf, settings, log_level=logging.WARNING)
    timings["setup"] = time.perf_counter() - t0

    t = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nik"), block_on("name_key", "birth_date")], recall=0.9
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=seed)
    for rule in (
        block_on("nik"),
        block_on("name_key", "birth_date"),
        block_on("kk_number", "given_name_key"),
    ):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    timings["train"] = time.perf_counter() - t

    t = time.perf_counter()
    predictions = linker.inference.predict()
    pairs = linker.misc.query_sql(
        f"select count(*) as n from {predictions.physical_name}", output_type="pandas"
    )["n"].iloc[0]
    timings["predict"] = time.perf_counter() - t

    t = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD
    ).as_pandas_dataframe()
    timings["cluster"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    labels = pd.Series(
        pd.factorize(clusters["cluster_id"])[0].astype(np.int64),
        index=clusters["record_id"].astype("int64").to_numpy(),
    )
    return labels, {"pairs_compared": int(pairs), "timings": timings}
