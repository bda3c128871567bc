"""link(): every current record version through the engine, with stable person ids."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.db import connection, transaction

from audit.actions import Action
from audit.services import audit_record
from linkage.diagnostics import cluster_diagnostics
from linkage.engine import explain_pair_row, link_records
from linkage.scoring import FSModel
from linkage.stable_ids import assign_stable_ids
from registry.linking.profiles import (
    create_persons_with_golden,
    golden_values_frame,
    write_golden,
    write_households,
    write_links,
)
from registry.linking.records import LinkSummary, load_records, review_decisions
from registry.memory import release_free_memory
from registry.models import (
    Household,
    LinkModel,
    Membership,
    Person,
    PersonLinkEvent,
    RecordLink,
    ReviewTask,
    SourceRecord,
    new_public_id,
)

logger = logging.getLogger(__name__)


def link(
    *, full: bool = False, actor=None, on_step: Callable[[str], None] | None = None
) -> LinkSummary:
    """Link every current record version to a person; `full` may also merge or split the
    persons earlier runs made (otherwise only unlinked records are placed). `on_step(name)`
    is called at the end of every step (a benchmark measures memory there)."""
    summary = LinkSummary()
    started = time.perf_counter()
    lap = _StepTimes(summary, on_step)
    with transaction.atomic():
        # One linking run at a time; imports and reads go on.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registry.link'))")
        records = load_records()
        release_free_memory()  # the parser's buffers: ~1 GB at 5.6 M records
        summary.records = len(records)
        lap("load")
        if records.empty:
            return summary
        saved = None if full else LinkModel.objects.first()
        # The whole frame, not records[ENGINE_COLUMNS]: selecting columns copies them, and
        # the engine reads only the columns of its contract (ENGINE_COLUMNS).
        decisions = review_decisions()
        result = link_records(
            records,
            decisions=decisions,
            model=FSModel.from_dict(saved.parameters) if saved else None,
        )
        labels = result.clusters.reindex(records["record_id"].to_numpy()).to_numpy()
        summary.engine = result.stats | {"blocking": result.blocking}
        lap("engine")
        if saved is None:
            LinkModel.objects.create(parameters=result.model.to_dict(), stats=result.stats)
        summary.review_tasks = write_review_tasks(result)
        del result  # its scored pairs are millions of rows in a city's first link
        lap("review_tasks")
        person_of, golden, created = _assign_persons(
            records, labels, full=full, summary=summary, actor=actor, lap=lap
        )
        records["person_id"] = person_of
        lap("person_map")
        summary.diagnostics = cluster_diagnostics(
            records, person_of, same_decisions=[(a, b) for a, b, d in decisions if d == "same"]
        )
        lap("diagnostics")
        write_links(records, summary)
        lap("links")
        write_golden(golden[~golden["person_id"].isin(created)])
        lap("golden_write")
        write_households(records, golden, summary)
        lap("households")
        audit_record(
            actor=actor,
            action=Action.PERSONS_LINK,
            object_type="registry",
            detail={
                "full": full,
                "records": summary.records,
                "persons_created": summary.persons_created,
                "persons_merged": summary.persons_merged,
                "persons_split": summary.persons_split,
                "records_relinked": summary.records_relinked,
            },
        )
        lap("audit")
    # Deferred foreign-key checks run at commit.
    lap("commit")
    if summary.records_relinked >= ANALYZE_MIN_RELINKED:
        # The planner still sees the links as missing until autovacuum gets there: the
        # first incremental links after a city's first link took seconds instead of ms.
        # (SourceRecord too: a city's first link comes right after its import.) Small
        # tables too: statistics of an emptied table made the pool query of an 8,000-record
        # city run for minutes (nested loops over scans); ANALYZE of such tables is ms.
        with connection.cursor() as cursor:
            for model in (SourceRecord, RecordLink, Person, Household, Membership):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        lap("analyze")
    summary.seconds["total"] = time.perf_counter() - started
    logger.info(
        "link done: records=%s created=%s merged=%s split=%s relinked=%s seconds=%s",
        summary.records, summary.persons_created, summary.persons_merged,
        summary.persons_split, summary.records_relinked,
        {k: round(v, 1) for k, v in summary.seconds.items()},
    )  # fmt: skip
    return summary


class _StepTimes:
    """Per-step wall-clock seconds into LinkSummary.seconds (logged at the end of a run)."""

    def __init__(self, summary: LinkSummary, on_step: Callable[[str], None] | None):
        self.seconds = summary.seconds
        self.on_step = on_step
        self.last = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = self.seconds.get(step, 0.0) + now - self.last
        if self.on_step is not None:
            self.on_step(step)
        self.last = now


MAX_REVIEW_TASKS = 10_000
# A link that moved at least this many records refreshes the planner's statistics.
ANALYZE_MIN_RELINKED = 1_000


def write_review_tasks(result, involving: list[int] | None = None) -> int:
    """Uncertain pairs become open review tasks (once per pair; decided pairs stay decided);
    with `involving`, only pairs with one of those records (an incremental link's new ones:
    pairs among the records already placed were the full link's to judge)."""
    review = result.review
    if involving is not None:
        review = review[review["left_id"].isin(involving) | review["right_id"].isin(involving)]
    review = review.head(MAX_REVIEW_TASKS)
    if review.empty:
        return 0
    tasks = []
    for row in review.itertuples(index=False):
        a, b = sorted((int(row.left_id), int(row.right_id)))
        # A dict reads like the Series explain_pair_row expects, without building one per row.
        explanation = explain_pair_row(result.model, row._asdict())
        tasks.append(
            ReviewTask(
                record_a_id=a,
                record_b_id=b,
                probability=float(row.probability),
                explanation=json.loads(json.dumps(explanation, default=float)),
            )
        )
    created = ReviewTask.objects.bulk_create(tasks, ignore_conflicts=True, batch_size=2000)
    return len(created)


def _assign_persons(
    records, labels, *, full: bool, summary: LinkSummary, actor, lap=None
) -> tuple[np.ndarray, pd.DataFrame, list[int]]:
    """Person pk per record, golden values per person and the pks of the persons created
    (already carrying theirs), with ids kept stable by
    linkage.stable_ids (merge: the absorbed id redirects to the survivor; split: the larger
    part keeps the id). Without `full`, persons made earlier are never merged or split: only
    records without a person are placed."""
    known = records["person_id"].dropna().astype("int64")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, public_id FROM {Person._meta.db_table} WHERE id = ANY(%s)",  # noqa: S608
            [known.unique().tolist()],
        )
        public_of = dict(cursor.fetchall())
    pk_of = {public: pk for pk, public in public_of.items()}
    previous = pd.Series(
        known.map(public_of).to_numpy(dtype=object),
        index=records.loc[known.index, "record_id"].to_numpy(dtype="int64"),
    )
    result = assign_stable_ids(
        pd.Series(labels, index=records["record_id"].to_numpy()),
        previous,
        lambda: new_public_id("P"),
        id_age=pk_of,
    )
    lap and lap("stable_ids")
    assignment = result.assignment
    if not full:
        assignment.update(previous.to_dict())
        result.redirects.clear()
        result.events = [e for e in result.events if e["kind"] == "create"]
    # Golden values per public id before any person is created, so that new persons are
    # written once, with their values (codes stand in for the pks they do not have yet).
    codes, public_ids = pd.factorize(records["record_id"].map(assignment))
    golden = golden_values_frame(records, person_ids=codes)
    golden_public = public_ids[golden["person_id"].to_numpy()]
    lap and lap("golden_values")
    fresh = ~pd.Index(golden_public).isin(list(pk_of))
    created = create_persons_with_golden(golden[fresh].assign(public_id=golden_public[fresh]))
    pk_of.update(created)
    lap and lap("create_persons")
    _record_identity_changes(result, pk_of, assignment, actor)
    lap and lap("identity_history")
    summary.persons_created = sum(e["kind"] == "create" for e in result.events)
    summary.persons_merged = len(result.redirects)
    summary.persons_split = sum(e["kind"] == "split" for e in result.events)
    pks = np.array([pk_of[public] for public in public_ids], dtype=np.int64)
    golden["person_id"] = pks[golden["person_id"].to_numpy()]
    # In pk order, as golden_values_frame gives it (a household takes its first member's address).
    golden = golden.sort_values("person_id", kind="stable", ignore_index=True)
    return pks[codes], golden, list(created.values())


def _record_identity_changes(result, pk_of: dict[str, int], assignment, actor) -> None:
    """Merges become redirects (earlier redirects follow the chain); merges and splits are
    kept as PersonLinkEvent history."""
    splits = [e for e in result.events if e["kind"] == "split"]
    if not result.redirects and not splits:
        return  # a city's first link: only creations, recorded on the persons themselves
    records_of: dict[str, list[int]] = {}
    for record_id, public in assignment.items():
        records_of.setdefault(public, []).append(record_id)
    history = []
    absorbed_pks = [pk_of[absorbed] for absorbed in result.redirects]
    survivor_pks = [pk_of[survivor] for survivor in result.redirects.values()]
    if absorbed_pks:
        # A survivor is never absorbed in the same run, so the two statements commute.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {Person._meta.db_table} p SET status = %s, merged_into_id = u.survivor
                    FROM unnest(%s::bigint[], %s::bigint[]) AS u(absorbed, survivor)
                    WHERE p.id = u.absorbed""",  # noqa: S608
                [Person.Status.MERGED, absorbed_pks, survivor_pks],
            )
            cursor.execute(  # earlier redirects to an absorbed person follow the chain
                f"""UPDATE {Person._meta.db_table} p SET merged_into_id = u.survivor
                    FROM unnest(%s::bigint[], %s::bigint[]) AS u(absorbed, survivor)
                    WHERE p.merged_into_id = u.absorbed""",  # noqa: S608
                [absorbed_pks, survivor_pks],
            )
    for absorbed, survivor in result.redirects.items():
        history.append(
            PersonLinkEvent(
                kind=PersonLinkEvent.Kind.MERGE,
                person_id=pk_of[survivor],
                other_id=pk_of[absorbed],
                actor=actor,
                reason="link",
                record_ids=records_of.get(survivor, [])[:1000],
            )  # fmt: skip
        )
    for event in splits:
        history.append(
            PersonLinkEvent(
                kind=PersonLinkEvent.Kind.SPLIT,
                person_id=pk_of[event["source"]],
                other_id=pk_of[event["new"]],
                actor=actor,
                reason="link",
                record_ids=records_of.get(event["new"], [])[:1000],
            )  # fmt: skip
        )
    PersonLinkEvent.objects.bulk_create(history)
