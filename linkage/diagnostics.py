"""Cluster diagnostics that need no truth file: the largest clusters, and clusters holding
records whose hard identifiers contradict each other (two civil-registry records with
different NIKs; reliable NIKs that are not typos of one another). Such a cluster is almost
surely two people merged (twins, a father and his same-named son), so a run prints them.

A cluster whose two civil-registry NIKs a reviewer's "same" decision joins is no error but a
person Dukcapil registered twice (docs/decisions/0005-reviewer-same-vs-civil-split.md): it is
listed apart, as a confirmed double civil registration, for the civil registry to resolve.

Only counts and ids (cluster labels, record ids) come out: never a name or a NIK.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkage.clustering import niks_compatible
from linkage.engine import prepare_records


@dataclass
class ClusterDiagnostics:
    clusters: int = 0
    largest: list[tuple[int, int]] = field(default_factory=list)  # (label, records)
    # (label, record ids) of clusters with two civil-registry records of different NIKs
    civil_conflicts: list[tuple[int, list[int]]] = field(default_factory=list)
    civil_conflict_count: int = 0
    # (label, record ids) of clusters whose reliable NIKs are not one typo from one of them
    nik_conflicts: list[tuple[int, list[int]]] = field(default_factory=list)
    nik_conflict_count: int = 0
    # (label, record ids) of clusters with two civil-registry NIKs that a reviewer's "same"
    # decision holds together: one person registered twice by the civil registry
    confirmed_double_registrations: list[tuple[int, list[int]]] = field(default_factory=list)
    confirmed_double_registration_count: int = 0

    def lines(self, label: str = "cluster") -> list[str]:
        sizes = ", ".join(f"{label} {c}: {n} records" for c, n in self.largest)
        out = [f"largest {label}s: {sizes or 'none'}"]
        out.append(
            f"{label}s with two civil-registry NIKs: {self.civil_conflict_count}"
            + "".join(f"\n  {label} {c}: records {_ids(r)}" for c, r in self.civil_conflicts)
        )
        out.append(
            f'{label}s confirmed as double civil registrations (a reviewer\'s "same"): '
            f"{self.confirmed_double_registration_count}"
            + "".join(
                f"\n  {label} {c}: records {_ids(r)}"
                for c, r in self.confirmed_double_registrations
            )
        )
        out.append(
            f"{label}s with conflicting reliable NIKs: {self.nik_conflict_count}"
            + "".join(f"\n  {label} {c}: records {_ids(r)}" for c, r in self.nik_conflicts)
        )
        return out


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)


def cluster_diagnostics(
    records: pd.DataFrame,
    labels: np.ndarray | pd.Series,
    *,
    top: int = 5,
    listed: int = 10,
    same_decisions: Iterable[tuple[int, int]] = (),
) -> ClusterDiagnostics:
    """``records``: record_id plus, where known, nik, nik_reliable, agency_priority (0 = civil
    registry); ``labels``: the cluster (person) of each row, aligned with ``records``. Rows
    without a label (NaN / negative) are left out. ``top`` largest clusters are listed, and
    up to ``listed`` clusters of each conflict kind (all are counted). ``same_decisions``:
    record id pairs a reviewer decided are one person; a cluster with two civil-registry
    NIKs that holds such a pair of records with different NIKs is a confirmed double civil
    registration, not a civil conflict."""
    records = prepare_records(records)  # the NIKs as the engine saw them
    lab = pd.to_numeric(pd.Series(np.asarray(labels)), errors="coerce").to_numpy()
    keep = ~np.isnan(lab) & (lab >= 0)
    lab = lab[keep].astype(np.int64)
    rid = records["record_id"].to_numpy()[keep]
    out = ClusterDiagnostics()
    if len(lab) == 0:
        return out
    sizes = pd.Series(lab).value_counts(sort=True)
    out.clusters = len(sizes)
    out.largest = [(int(c), int(n)) for c, n in sizes.head(top).items()]

    def column(name: str, default: object) -> np.ndarray:
        if name in records.columns:
            return records[name].to_numpy()[keep]
        return np.full(len(lab), default, dtype=object)

    nik = pd.Series(column("nik", "")).fillna("").astype(str).to_numpy()
    reliable = pd.Series(column("nik_reliable", False)).fillna(False).astype(bool).to_numpy()
    has = reliable & (np.char.str_len(nik.astype(str)) == 16)
    civil = pd.to_numeric(pd.Series(column("agency_priority", 50)), errors="coerce").to_numpy() == 0

    frame = pd.DataFrame({"c": lab, "n": nik, "r": rid})
    civil_multi = _multi_nik_clusters(frame[has & civil])
    confirmed = _confirmed_by_reviewers(civil_multi, same_decisions, rid, lab, nik, has)
    civil_multi = [c for c in civil_multi if c not in confirmed]
    out.civil_conflict_count = len(civil_multi)
    out.civil_conflicts = _with_records(frame, civil_multi[:listed])
    out.confirmed_double_registration_count = len(confirmed)
    out.confirmed_double_registrations = _with_records(frame, sorted(confirmed)[:listed])

    candidates = _multi_nik_clusters(frame[has])
    sub = frame[has & np.isin(lab, candidates)]
    nik_bad = [
        int(c) for c, niks in sub.groupby("c")["n"] if not niks_compatible(set(niks.tolist()))
    ]
    out.nik_conflict_count = len(nik_bad)
    out.nik_conflicts = _with_records(frame, nik_bad[:listed])
    return out


def _confirmed_by_reviewers(
    clusters: list[int],
    same_decisions: Iterable[tuple[int, int]],
    rid: np.ndarray,
    lab: np.ndarray,
    nik: np.ndarray,
    has: np.ndarray,
) -> set[int]:
    """Those of ``clusters`` in which a reviewer's "same" joins two records of different
    reliable NIKs."""
    if not clusters:
        return set()
    where = {int(r): k for k, r in enumerate(rid.tolist())}
    wanted = set(clusters)
    out = set()
    for a, b in same_decisions:
        ka, kb = where.get(int(a)), where.get(int(b))
        if ka is None or kb is None or lab[ka] != lab[kb] or int(lab[ka]) not in wanted:
            continue
        if has[ka] and has[kb] and nik[ka] != nik[kb]:
            out.add(int(lab[ka]))
    return out


def _multi_nik_clusters(frame: pd.DataFrame) -> list[int]:
    distinct = frame[["c", "n"]].drop_duplicates()
    counts = distinct["c"].value_counts()
    return sorted(int(c) for c in counts[counts > 1].index)


def _with_records(frame: pd.DataFrame, clusters: list[int]) -> list[tuple[int, list[int]]]:
    if not clusters:
        return []
    sub = frame[frame["c"].isin(clusters)]
    members = sub.groupby("c")["r"].apply(lambda s: sorted(int(x) for x in s))
    return [(c, members[c]) for c in clusters]
