"""link(): every current record version through the engine, with stable person ids."""

from __future__ import annotations

import json
import logging
import time

import numpy as np
import pandas as pd
from django.db import connection, transaction

from audit.services import audit_record
from linkage.engine import explain_pair_row, link_records
from linkage.scoring import FSModel
from linkage.stable_ids import assign_stable_ids
from registry.linking.profiles import (
    _create_persons,
    _golden_values,
    _write_golden,
    _write_households,
    _write_links,
)
from registry.linking.records import ENGINE_COLUMNS, LinkSummary, _decisions, load_records
from registry.models import (
    LinkModel,
    Person,
    PersonLinkEvent,
    ReviewTask,
    new_public_id,
)

logger = logging.getLogger(__name__)


def link(*, full: bool = False, actor=None) -> LinkSummary:
    """Link every current record version to a person; `full` may also merge or split the
    persons earlier runs made (otherwise only unlinked records are placed)."""
    summary = LinkSummary()
    started = time.perf_counter()
    with transaction.atomic():
        # One linking run at a time; imports and reads go on.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registry.link'))")
        records = load_records()
        summary.records = len(records)
        summary.seconds["load"] = time.perf_counter() - started
        if records.empty:
            return summary
        saved = None if full else LinkModel.objects.first()
        result = link_records(
            records[ENGINE_COLUMNS],
            decisions=_decisions(),
            model=FSModel.from_dict(saved.parameters) if saved else None,
        )
        labels = result.clusters.reindex(records["record_id"].to_numpy()).to_numpy()
        summary.engine = result.stats | {"blocking": result.blocking}
        summary.seconds["cluster"] = time.perf_counter() - started
        if saved is None:
            LinkModel.objects.create(parameters=result.model.to_dict(), stats=result.stats)
        summary.review_tasks = _write_review_tasks(result)
        person_of = _assign_persons(records, labels, full=full, summary=summary, actor=actor)
        records["person_id"] = person_of
        _write_links(records, summary)
        golden = _golden_values(records)
        _write_golden(golden)
        _write_households(records, golden, summary)
        summary.seconds["write"] = time.perf_counter() - started
        audit_record(
            actor=actor,
            action="persons.link",
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
    logger.info(
        "link done: records=%s created=%s merged=%s split=%s relinked=%s seconds=%s",
        summary.records, summary.persons_created, summary.persons_merged,
        summary.persons_split, summary.records_relinked,
        {k: round(v, 1) for k, v in summary.seconds.items()},
    )  # fmt: skip
    return summary


MAX_REVIEW_TASKS = 10_000


def _write_review_tasks(result) -> int:
    """Uncertain pairs become open review tasks (once per pair; decided pairs stay decided)."""
    review = result.review.head(MAX_REVIEW_TASKS)
    if review.empty:
        return 0
    tasks = []
    for row in review.itertuples(index=False):
        a, b = sorted((int(row.left_id), int(row.right_id)))
        explanation = explain_pair_row(result.model, pd.Series(row._asdict()))
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


def _assign_persons(records, labels, *, full: bool, summary: LinkSummary, actor) -> np.ndarray:
    """Person pk per record, with ids kept stable by linkage.stable_ids (merge: the absorbed id
    redirects to the survivor; split: the larger part keeps the id). Without `full`, persons
    made earlier are never merged or split: only records without a person are placed."""
    known = records["person_id"].dropna().astype("int64")
    public_of = dict(
        Person.objects.filter(pk__in=known.unique().tolist()).values_list("pk", "public_id")
    )
    pk_of = {public: pk for pk, public in public_of.items()}
    previous = dict(zip(records.loc[known.index, "record_id"].tolist(),
                        [public_of[int(p)] for p in known.tolist()], strict=True))  # fmt: skip
    result = assign_stable_ids(
        pd.Series(labels, index=records["record_id"].to_numpy()),
        previous,
        lambda: new_public_id("P"),
        id_age=pk_of,
    )
    assignment = result.assignment
    if not full:
        assignment.update(previous)
        result.redirects.clear()
        result.events = [e for e in result.events if e["kind"] == "create"]
    fresh = sorted(set(assignment.values()) - set(pk_of))
    pk_of.update(_create_persons(fresh))
    _record_identity_changes(result, pk_of, assignment, actor)
    summary.persons_created = sum(e["kind"] == "create" for e in result.events)
    summary.persons_merged = len(result.redirects)
    summary.persons_split = sum(e["kind"] == "split" for e in result.events)
    return np.array([pk_of[assignment[r]] for r in records["record_id"].tolist()], dtype=np.int64)


def _record_identity_changes(result, pk_of: dict[str, int], assignment, actor) -> None:
    """Merges become redirects (earlier redirects follow the chain); merges and splits are
    kept as PersonLinkEvent history."""
    records_of: dict[str, list[int]] = {}
    for record_id, public in assignment.items():
        records_of.setdefault(public, []).append(record_id)
    history = []
    for absorbed, survivor in result.redirects.items():
        Person.objects.filter(pk=pk_of[absorbed]).update(
            status=Person.Status.MERGED, merged_into_id=pk_of[survivor]
        )
        Person.objects.filter(merged_into_id=pk_of[absorbed]).update(merged_into_id=pk_of[survivor])
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
    for event in result.events:
        if event["kind"] == "split":
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
