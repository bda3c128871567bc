"""Stable person ids across reruns: map new clusters onto existing persons by overlap.

Rules (the registry's promise to its users, whose bookmarks and aid files carry these ids):
- a cluster whose records all carry one old id keeps that id (no change -> no id change);
- new records in a cluster attach to the existing person;
- an old id whose records end up in several clusters stays with the cluster holding most of
  them (a split: the larger part keeps the id, the others get new ids, reported as splits);
- a cluster holding several old ids keeps the one contributing most records (tie: the
  oldest by ``id_age`` when given, else the smallest id); the others redirect to it (merges);
- a cluster with no old id gets a new id (a creation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class StableIdResult:
    assignment: dict[int, str]  # record_id -> public person id
    redirects: dict[str, str]  # absorbed id -> surviving id
    events: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def assign_stable_ids(
    clusters: Mapping[int, int] | pd.Series,
    previous: Mapping[int, str] | pd.Series,
    new_id: Callable[[], str],
    *,
    id_age: Mapping[str, int] | None = None,
) -> StableIdResult:
    """``clusters``: record_id -> cluster label of this run; ``previous``: record_id -> person
    id of the last run (records new since then are absent). ``new_id`` makes fresh ids.
    ``id_age``: smaller = older, used to break ties between merged ids."""
    cl = pd.Series(clusters, dtype="int64") if not isinstance(clusters, pd.Series) else clusters
    prev = pd.Series(previous, dtype=object) if not isinstance(previous, pd.Series) else previous
    df = pd.DataFrame({"label": cl.astype("int64")})
    df["old"] = prev.reindex(df.index)

    known = df.dropna(subset=["old"])
    overlap = known.groupby(["old", "label"]).size().rename("n").reset_index()
    age = overlap["old"].map(id_age) if id_age else None
    overlap["age"] = age.fillna(float("inf")) if age is not None else 0.0
    # each old id goes to the cluster with most of its records (tie: smallest label)
    home = overlap.sort_values(["old", "n", "label"], ascending=[True, False, True])
    home = home.drop_duplicates("old")
    # each cluster keeps the old id contributing most records (tie: oldest, then smallest id)
    home = home.sort_values(["label", "n", "age", "old"], ascending=[True, False, True, True])
    survivors = home.drop_duplicates("label")
    label_to_id: dict[int, str] = dict(
        zip(survivors["label"].astype(int), survivors["old"], strict=True)
    )

    events: list[dict[str, Any]] = []
    redirects: dict[str, str] = {}
    absorbed = home[~home.index.isin(survivors.index)]
    for label, group in absorbed.groupby("label"):
        survivor = label_to_id[int(label)]
        for old in group["old"]:
            redirects[str(old)] = survivor
        events.append({"kind": "merge", "survivor": survivor, "absorbed": sorted(group["old"])})

    # clusters without a surviving old id: splits (their records had an id) or creations
    split_from = overlap.sort_values(["label", "n", "old"], ascending=[True, False, True])
    split_from = split_from.drop_duplicates("label").set_index("label")["old"]
    sizes = df.groupby("label").size()
    unnamed = sizes[~sizes.index.isin(list(label_to_id))]
    sources = split_from.reindex(unnamed.index)
    for lab, size, source in zip(
        unnamed.index.tolist(), unnamed.tolist(), sources.tolist(), strict=True
    ):
        pid = new_id()
        label_to_id[lab] = pid
        if pd.notna(source):
            events.append({"kind": "split", "source": str(source), "new": pid, "records": size})
        else:
            events.append({"kind": "create", "id": pid, "records": size})

    assignment = dict(
        zip(df.index.astype("int64").tolist(), df["label"].map(label_to_id).tolist(), strict=True)
    )
    # old ids whose records all disappeared (withdrawn records) are reported, not reused
    gone = set(prev.dropna().unique()) - set(overlap["old"])
    for old in sorted(gone):
        events.append({"kind": "orphaned", "id": str(old)})

    attached = int(df["old"].isna().sum())
    counts = {
        "clusters": len(sizes),
        "kept": len(survivors),
        "merges": sum(e["kind"] == "merge" for e in events),
        "splits": sum(e["kind"] == "split" for e in events),
        "creations": sum(e["kind"] == "create" for e in events),
        "orphaned": len(gone),
        "new_records": attached,
    }
    return StableIdResult(assignment, redirects, events, counts)
