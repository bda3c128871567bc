"""Clustering constraints: NIK conflicts, civil-registry NIKs, human decisions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.clustering import cluster
from linkage.engine import link_records

NIK_A = "3671014505900001"
NIK_A_TYPO = "3671014505900007"  # one digit off
NIK_B = "3671021203850004"  # unrelated


def _cluster(niks, civil, edges, scores, **kw):
    left = np.array([e[0] for e in edges])
    right = np.array([e[1] for e in edges])
    labels, stats = cluster(
        len(niks), left, right, np.array(scores, dtype=float), reliable_nik=niks, civil=civil, **kw
    )
    return labels, stats


def test_different_reliable_niks_never_share_a_person() -> None:
    # 0 and 2 have unrelated NIKs; 1 (no NIK) bridges them. The weaker edge is dropped.
    labels, stats = _cluster([NIK_A, "", NIK_B], [False] * 3, [(0, 1), (1, 2)], [10.0, 5.0])
    assert labels[0] == labels[1]
    assert labels[2] != labels[0]
    assert stats["refused_links"] == 1


def test_one_typo_apart_niks_may_share_a_person() -> None:
    labels, _ = _cluster([NIK_A, NIK_A_TYPO], [False, False], [(0, 1)], [12.0])
    assert labels[0] == labels[1]


def test_civil_registry_records_with_different_niks_stay_apart() -> None:
    # even one digit apart: Disdukcapil's NIK is the reference (siblings differ by a serial)
    labels, _ = _cluster([NIK_A, NIK_A_TYPO], [True, True], [(0, 1)], [12.0])
    assert labels[0] != labels[1]
    # a civil record and an agency record one typo apart may join
    labels, _ = _cluster([NIK_A, NIK_A_TYPO], [True, False], [(0, 1)], [12.0])
    assert labels[0] == labels[1]


def test_cannot_link_splits_a_chain() -> None:
    labels, _ = _cluster(
        ["", "", ""], [False] * 3, [(0, 1), (1, 2)], [9.0, 3.0], cannot_link=[(0, 2)]
    )
    assert labels[0] == labels[1] != labels[2]


def test_must_link_joins_without_evidence() -> None:
    labels, _ = _cluster(["", "", ""], [False] * 3, [], [], must_link=[(0, 2)])
    assert labels[0] == labels[2] != labels[1]


def _record(rid: int, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "record_id": rid,
        "agency": "dinsos",
        "agency_priority": 10,
        "nik": "",
        "nik_reliable": False,
        "kk_number": "3671010101100001",
        "name_key": "siti aminah",
        "name_sorted": "aminah siti",
        "name_phonetic": "ST AMNH",
        "given_name_key": "siti",
        "sex": "P",
        "birth_date": pd.Timestamp("1990-05-05"),
        "address_key": "jalan melati",
        "house_number": "12",
        "rt": 3,
        "rw": 5,
        "kelurahan_code": "3671011001",
        "kecamatan_code": "367101",
        "relationship": "ISTRI",
    }
    base.update(kw)
    return base


def _frame(records: list[dict[str, object]]) -> pd.DataFrame:
    df = pd.DataFrame(records)
    df["rt"] = df["rt"].astype("Int64")
    df["rw"] = df["rw"].astype("Int64")
    return df


def _noise(n: int) -> list[dict[str, object]]:
    """Unrelated people so EM has non-matches to learn from."""
    out = []
    for k in range(n):
        out.append(
            _record(
                1000 + k,
                name_key=f"orang {k}",
                name_sorted=f"{k} orang",
                name_phonetic=f"ORNG {k}",
                given_name_key="orang",
                birth_date=pd.Timestamp("1960-01-01") + pd.Timedelta(days=37 * k),
                kk_number=f"36710101011{k:05d}",
                nik=f"36710101019{k:05d}",
                nik_reliable=True,
                address_key=f"jalan {k}",
                sex="L" if k % 2 else "P",
                rt=k % 9 + 1,
            )
        )
        # a second record for the same person, with a typo, so matches exist too
        dup = dict(out[-1])
        dup["record_id"] = 5000 + k
        dup["agency"] = "dinkes"
        out.append(dup)
    return out


def test_link_records_honours_decisions_and_civil_nik() -> None:
    recs = _noise(40) + [
        _record(1, agency="dukcapil", agency_priority=0, nik=NIK_A, nik_reliable=True),
        _record(2, agency="dukcapil", agency_priority=0, nik=NIK_A_TYPO, nik_reliable=True),
        _record(3),
        _record(4),
    ]
    df = _frame(recs)
    result = link_records(df)
    lab = result.clusters
    assert lab[1] != lab[2]  # twins-like civil records with different NIKs
    assert lab[5000] == lab[1000]
    # a reviewer says 3 and 4 are different people; another joins 1000 and 1001
    decisions = [(3, 4, "different"), (1000, 1001, "same")]
    lab = link_records(df, decisions=decisions).clusters
    assert lab[3] != lab[4]
    assert lab[1000] == lab[1001]
    assert result.blocking and all("pairs" in r for r in result.blocking)
