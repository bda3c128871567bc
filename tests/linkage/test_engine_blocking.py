"""Blocking keys: NIK typos, swapped names and dates, capped common-name blocks, reports."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.blocking import block, pairs_within_blocks
from tests.linkage.test_engine_constraints import _frame, _record


def _pairs(df: pd.DataFrame, keys: tuple[str, ...], cap: int = 60) -> set[tuple[int, int]]:
    c = block(df, keys, max_block_size=cap)
    rid = df["record_id"].to_numpy()
    return {(int(rid[a]), int(rid[b])) for a, b in zip(c.left, c.right, strict=True)}


def test_pairs_within_blocks_all_pairs_once() -> None:
    rows = np.arange(7)
    codes = np.array([5, 1, 5, 5, 2, 1, 9])
    i, j, stats = pairs_within_blocks(rows, codes, max_block_size=10)
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 2), (0, 3), (1, 5), (2, 3)]
    assert stats["blocks"] == 2


def test_nik_one_off_finds_substitution_and_adjacent_swap() -> None:
    df = _frame(
        [
            _record(1, nik="3671014505900001", given_name_key="siti"),
            _record(2, nik="3671014505900007", given_name_key="siti"),  # one digit
            _record(3, nik="3671014505900010", given_name_key="siti"),  # last two swapped
            _record(4, nik="3671019999999999", given_name_key="siti"),  # unrelated
            _record(5, nik="3671014505900001", given_name_key="budi"),  # other initial
        ]
    )
    pairs = _pairs(df, ("nik_one_off",))
    assert (1, 2) in pairs and (1, 3) in pairs
    assert not any(4 in p for p in pairs)
    assert (1, 5) not in pairs  # same NIK is the exact key's job


def test_swapped_name_order_and_day_month() -> None:
    df = _frame(
        [
            _record(1, name_key="aminah siti", name_sorted="aminah siti"),
            _record(2, name_key="siti aminah", name_sorted="aminah siti"),
            _record(3, birth_date=pd.Timestamp("1990-05-07"), name_phonetic="X"),
            _record(4, birth_date=pd.Timestamp("1990-07-05"), name_phonetic="X"),
        ]
    )
    assert (1, 2) in _pairs(df, ("sorted_name_dob",))
    assert (3, 4) in _pairs(df, ("dob_swapped_phonetic",))


def test_common_name_block_is_capped_and_reported() -> None:
    recs = [_record(k, name_key="siti", nik="", kk_number="") for k in range(100)]
    recs += [_record(500, name_key="wirda", nik=""), _record(501, name_key="wirda", nik="")]
    df = _frame(recs)
    c = block(df, ("name_dob",), max_block_size=60)
    report = c.reports[0]
    assert report.oversized_blocks == 1
    assert report.records_in_oversized == 100
    assert report.pairs == 1  # only the small block
    assert len(c) == 1
