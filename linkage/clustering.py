"""Clustering accepted pairs into persons, honouring hard constraints.

Constraints (a merge that breaks one is refused):
- two different reliable NIKs that are not one typo apart never share a person (NIKs are
  lifelong and unique; one typo apart is allowed because a clerk's typo is the likely cause).
  For a group: all its reliable NIKs must lie within one typo of one of them;
- two civil-registry records (agency_priority 0) with different reliable NIKs are different
  people, even one digit apart: Disdukcapil is the NIK reference, so a difference there is
  real (siblings' NIKs are often one serial digit apart);
- human decisions: must-link pairs are joined first and unconditionally, cannot-link pairs
  never end in one person.

Fast path: plain connected components (scipy); only components that violate a constraint
as a whole (incompatible reliable NIKs, two civil-registry NIKs, a cannot-link inside) are
rebuilt by a greedy
union-find over their edges in descending score order, checking constraints before each
union, which drops the weakest contradicting links first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

logger = logging.getLogger(__name__)


def one_typo_apart(a: str, b: str) -> bool:
    return OSA.distance(a, b, score_cutoff=1) <= 1


def niks_compatible(niks: set[str]) -> bool:
    """One person may carry its true NIK plus typo variants of it, which can be two digits
    from each other while each is one from the true one: compatible when one of the NIKs is
    within one typo of all the others."""
    if len(niks) <= 1:
        return True
    return any(all(x == c or one_typo_apart(x, c) for x in niks) for c in niks)


class _Groups:
    """Union-find whose roots carry the constraint state of their group."""

    def __init__(
        self,
        members: np.ndarray,
        nik: Sequence[str],
        civil: Sequence[bool],
        cannot: dict[int, set[int]],
    ) -> None:
        self.parent: dict[int, int] = {int(x): int(x) for x in members}
        self.niks: dict[int, set[str]] = {}
        self.civil_niks: dict[int, set[str]] = {}
        self.forbidden: dict[int, set[int]] = {}
        self.size: dict[int, int] = {}
        for x in self.parent:
            self.niks[x] = {nik[x]} if nik[x] else set()
            self.civil_niks[x] = {nik[x]} if (nik[x] and civil[x]) else set()
            self.forbidden[x] = set(cannot.get(x, ()))
            self.size[x] = 1

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def conflict(self, ra: int, rb: int) -> bool:
        for x in self.forbidden[ra]:
            if x in self.parent and self.find(x) == rb:
                return True
        for x in self.forbidden[rb]:
            if x in self.parent and self.find(x) == ra:
                return True
        ca, cb = self.civil_niks[ra], self.civil_niks[rb]
        if ca and cb and ca != cb:
            return True
        return not niks_compatible(self.niks[ra] | self.niks[rb])

    def union(self, ra: int, rb: int) -> None:
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        self.niks[ra] |= self.niks.pop(rb)
        self.civil_niks[ra] |= self.civil_niks.pop(rb)
        self.forbidden[ra] |= self.forbidden.pop(rb)


def _nik_suspects(
    comp: np.ndarray, nik: np.ndarray, civil: np.ndarray, has_nik: np.ndarray
) -> np.ndarray:
    """Components whose reliable NIKs break a constraint as a whole: NIKs not all within one
    typo of one of them, or two civil-registry NIKs. Most components with two NIKs are one
    person with a typo'd NIK; checking them here keeps them off the slow greedy path."""
    out = np.zeros(int(comp.max()) + 1, dtype=bool)
    c = comp[has_nik].astype(np.int64)
    codes, uniques = pd.factorize(nik[has_nik])
    uniques = np.asarray(uniques, dtype=object)
    width = np.int64(len(uniques))
    civ = civil[has_nik]

    def distinct(sel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        key = np.sort(c[sel] * width + codes[sel])
        key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
        kc, kn = key // width, key % width
        starts = np.flatnonzero(np.r_[True, kc[1:] != kc[:-1]]) if len(kc) else kc
        sizes = np.diff(np.r_[starts, len(kc)])
        return kc, kn, starts, sizes

    kc, kn, starts, sizes = distinct(np.ones(len(c), dtype=bool))
    two = starts[sizes == 2]  # the common case, one typo'd NIK: one batch OSA call
    if len(two):
        d = process.cpdist(uniques[kn[two]], uniques[kn[two + 1]], scorer=OSA.distance)
        out[kc[two[d > 1]]] = True
    for start, size in zip(starts[sizes > 2], sizes[sizes > 2], strict=True):
        if not niks_compatible({uniques[x] for x in kn[start : start + size]}):
            out[kc[start]] = True
    kc, _, starts, sizes = distinct(civ)
    out[kc[starts[sizes > 1]]] = True
    return out


def cluster(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    score: np.ndarray,
    *,
    reliable_nik: Sequence[str],
    civil: Sequence[bool],
    must_link: Sequence[tuple[int, int]] = (),
    cannot_link: Sequence[tuple[int, int]] = (),
) -> tuple[np.ndarray, dict[str, int]]:
    """Cluster label (dense int64) for each of ``n`` records from accepted edges (positional
    ``left``/``right`` with ``score``) plus decisions. Returns labels and counters."""
    ml = np.asarray(must_link, dtype=np.int64).reshape(-1, 2)
    el = np.r_[left, ml[:, 0]].astype(np.int64)
    er = np.r_[right, ml[:, 1]].astype(np.int64)
    es = np.r_[score, np.full(len(ml), np.inf)]
    graph = coo_matrix((np.ones(len(el), dtype=np.int8), (el, er)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)

    # which components need the careful path
    nik_arr = np.asarray(reliable_nik, dtype=object)
    has_nik = nik_arr != ""
    suspect = np.zeros(comp.max() + 1, dtype=bool)
    if has_nik.any():
        suspect |= _nik_suspects(comp, nik_arr, np.asarray(civil, dtype=bool), has_nik)
    cannot: dict[int, set[int]] = {}
    for a, b in cannot_link:
        cannot.setdefault(int(a), set()).add(int(b))
        cannot.setdefault(int(b), set()).add(int(a))
        if comp[a] == comp[b]:
            suspect[comp[a]] = True

    labels = comp.astype(np.int64)
    stats = {"components": int(comp.max() + 1), "suspect_components": int(suspect.sum())}
    refused = 0
    if suspect.any():
        in_suspect = suspect[comp]
        members = np.flatnonzero(in_suspect)
        groups = _Groups(members, nik_arr, np.asarray(civil, dtype=bool), cannot)
        edge_sel = np.flatnonzero(in_suspect[el])
        # must-links first (score inf), then strongest evidence first
        order = edge_sel[np.argsort(-es[edge_sel], kind="stable")]
        for k in order:
            ra, rb = groups.find(int(el[k])), groups.find(int(er[k]))
            if ra == rb:
                continue
            if np.isfinite(es[k]) and groups.conflict(ra, rb):
                refused += 1
                continue
            groups.union(ra, rb)
        base = int(comp.max()) + 1
        roots = np.array([groups.find(int(x)) for x in members], dtype=np.int64)
        labels[members] = base + roots
    stats["refused_links"] = refused
    # The civil-registry rule once more on the result, a safety net behind the fast path:
    # a cluster holding two Dukcapil records with different NIKs is rebuilt from its edges
    # with every union checked, except a reviewer's "same" (a person Dukcapil registered
    # twice is one person: human decisions are constraints every rerun honours). The count
    # is logged, never the NIKs.
    bad = civil_conflict_clusters(labels, nik_arr, np.asarray(civil, dtype=bool))
    stats["civil_splits"] = 0
    if len(bad):
        members = np.flatnonzero(np.isin(labels, bad))
        groups = _Groups(members, nik_arr, np.asarray(civil, dtype=bool), cannot)
        in_bad = np.zeros(n, dtype=bool)
        in_bad[members] = True
        edge_sel = np.flatnonzero(in_bad[el] & in_bad[er] & (labels[el] == labels[er]))
        for k in edge_sel[np.argsort(-es[edge_sel], kind="stable")]:
            ra, rb = groups.find(int(el[k])), groups.find(int(er[k]))
            if ra != rb and (not np.isfinite(es[k]) or not groups.conflict(ra, rb)):
                groups.union(ra, rb)
        roots = np.array([groups.find(int(x)) for x in members], dtype=np.int64)
        before = len(bad)
        after = len(np.unique(roots))
        stats["civil_splits"] = after - before
        if after > before:
            logger.warning(
                "clustering: %d clusters held civil-registry records with different NIKs; "
                "split into %d",
                before,
                after,
            )
        labels[members] = int(labels.max()) + 1 + roots
    dense, _ = pd.factorize(labels, sort=True)
    return dense.astype(np.int64), stats


def civil_conflict_clusters(
    labels: np.ndarray, reliable_nik: np.ndarray, civil: np.ndarray
) -> np.ndarray:
    """Labels of clusters holding civil-registry records with two or more different
    reliable NIKs (Disdukcapil is the NIK reference: such a cluster is two people)."""
    sel = civil & (reliable_nik != "")
    if not sel.any():
        return np.empty(0, dtype=np.int64)
    pairs = pd.DataFrame({"c": labels[sel], "n": reliable_nik[sel]}).drop_duplicates()
    counts = pairs["c"].value_counts()
    return np.sort(counts[counts > 1].index.to_numpy(dtype=np.int64))
