"""First, deterministic linking pass: exact reliable NIK, or exact name key + birth date.

It is the fallback clusterer behind `manage.py link` until the probabilistic engine is
selected; both return one integer cluster label per input row. Two different reliable NIKs
never end up in one cluster (a NIK is lifelong and unique).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class _UnionFind:
    def __init__(self, niks: list[str]) -> None:
        self.parent = list(range(len(niks)))
        self.nik = niks  # reliable NIK of each root ('' when none)

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        na, nb = self.nik[ra], self.nik[rb]
        if na and nb and na != nb:
            return
        self.parent[rb] = ra
        self.nik[ra] = na or nb


def _chain_edges(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Edges linking consecutive rows of each group: n-1 edges per group, never n²."""
    grouped = frame.sort_values(keys, kind="stable")
    same = (grouped[keys].shift() == grouped[keys]).all(axis=1).to_numpy()
    positions = grouped["_pos"].to_numpy()
    idx = np.nonzero(same)[0]
    return np.stack([positions[idx - 1], positions[idx]], axis=1) if len(idx) else np.empty((0, 2))


def cluster_deterministic(records: pd.DataFrame) -> np.ndarray:
    """records needs columns nik, nik_reliable, name_key, birth_date; returns labels."""
    frame = pd.DataFrame(
        {
            "_pos": np.arange(len(records)),
            "nik": records["nik"].fillna("").to_numpy(),
            "reliable": records["nik_reliable"].fillna(False).astype(bool).to_numpy(),
            "name_key": records["name_key"].fillna("").to_numpy(),
            "birth_date": records["birth_date"].astype("string").fillna("").to_numpy(),
        }
    )
    niks = np.where(frame["reliable"], frame["nik"], "").tolist()
    forest = _UnionFind(niks)
    by_nik = frame[frame["reliable"] & (frame["nik"] != "")]
    by_name = frame[(frame["name_key"] != "") & (frame["birth_date"] != "")]
    for edges in (_chain_edges(by_nik, ["nik"]), _chain_edges(by_name, ["name_key", "birth_date"])):
        for a, b in edges.astype(int).tolist():
            forest.union(a, b)
    roots = np.fromiter((forest.find(i) for i in range(len(frame))), dtype=np.int64)
    _, labels = np.unique(roots, return_inverse=True)
    return labels
