"""Stable person ids across reruns: unchanged, attach, merge -> redirect, split."""

from __future__ import annotations

import itertools

from linkage.stable_ids import assign_stable_ids


def _factory():
    counter = itertools.count(1)
    return lambda: f"NEW{next(counter)}"


def test_no_change_no_id_change() -> None:
    prev = {1: "P1", 2: "P1", 3: "P2"}
    res = assign_stable_ids({1: 0, 2: 0, 3: 1}, prev, _factory())
    assert res.assignment == prev
    assert res.redirects == {}
    assert res.events == []


def test_labels_are_arbitrary_between_runs() -> None:
    prev = {1: "P1", 2: "P1", 3: "P2"}
    res = assign_stable_ids({1: 9, 2: 9, 3: 4}, prev, _factory())
    assert res.assignment == prev


def test_new_record_attaches_and_new_person_is_created() -> None:
    prev = {1: "P1", 2: "P2"}
    res = assign_stable_ids({1: 0, 2: 1, 3: 0, 4: 2}, prev, _factory())
    assert res.assignment[3] == "P1"
    assert res.assignment[4] == "NEW1"
    assert [e["kind"] for e in res.events] == ["create"]
    assert res.counts["new_records"] == 2


def test_merge_redirects_absorbed_to_larger() -> None:
    prev = {1: "P1", 2: "P2", 3: "P2"}
    res = assign_stable_ids({1: 0, 2: 0, 3: 0}, prev, _factory())
    assert set(res.assignment.values()) == {"P2"}
    assert res.redirects == {"P1": "P2"}
    assert res.events == [{"kind": "merge", "survivor": "P2", "absorbed": ["P1"]}]


def test_merge_tie_keeps_oldest() -> None:
    prev = {1: "P9", 2: "P1"}
    res = assign_stable_ids({1: 0, 2: 0}, prev, _factory(), id_age={"P9": 1, "P1": 2})
    assert res.redirects == {"P1": "P9"}
    res = assign_stable_ids({1: 0, 2: 0}, prev, _factory())
    assert res.redirects == {"P9": "P1"}  # no ages: smallest id


def test_split_larger_part_keeps_id() -> None:
    prev = {1: "P1", 2: "P1", 3: "P1"}
    res = assign_stable_ids({1: 5, 2: 6, 3: 6}, prev, _factory())
    assert res.assignment[2] == res.assignment[3] == "P1"
    assert res.assignment[1] == "NEW1"
    assert res.events == [{"kind": "split", "source": "P1", "new": "NEW1", "records": 1}]


def test_withdrawn_records_orphan_their_id() -> None:
    res = assign_stable_ids({1: 0}, {1: "P1", 2: "P2"}, _factory())
    assert {"kind": "orphaned", "id": "P2"} in res.events


def test_rerun_of_the_engine_keeps_every_id() -> None:
    from linkage.engine import link_records
    from tests.linkage.test_engine_constraints import _frame, _noise

    df = _frame(_noise(30))
    first = link_records(df).clusters
    ids = assign_stable_ids(first, {}, _factory()).assignment
    again = link_records(df.sample(frac=1.0, random_state=3)).clusters  # other row order
    res = assign_stable_ids(again, ids, _factory())
    assert res.assignment == ids
    assert res.events == []
