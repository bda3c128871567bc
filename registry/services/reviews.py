"""Clerical review of uncertain pairs, and manual merge / unmerge of persons.

A reviewer's decision is stored against the agencies' own record ids (LinkDecision), so every
later `link --full` honours it as a must-link or cannot-link constraint; it is applied at once
by merging or splitting the persons concerned. Each write locks the persons it touches
(select_for_update) and is audited in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.actions import Action
from registry.access.reads import NotFound, Purpose, audit_denial, audit_read, require_purpose
from registry.access.viewer import Viewer
from registry.linking import refresh_persons
from registry.models import (
    LinkDecision,
    Person,
    PersonLinkEvent,
    RecordLink,
    ReviewTask,
    SourceRecord,
    new_public_id,
)
from registry.roles import Role

REVIEW_ROLES = frozenset({Role.WALIDATA})
SIDE_BY_SIDE = (
    ("full_name", "name"),
    ("nik", "nik"),
    ("birth_date", "birth_date"),
    ("sex", "sex"),
    ("kk_number", "location"),
    ("address", "location"),
    ("kelurahan_code", "location"),
)


@dataclass
class ReviewTaskRow:
    id: int
    left_id: int
    right_id: int
    left_label: str
    right_label: str
    score: float
    left_name: str = ""
    right_name: str = ""
    left_kelurahan: str = ""  # region codes; the page shows their names
    right_kelurahan: str = ""
    same_person: bool = False  # both records already linked to one person


@dataclass
class ReviewQueuePage:
    rows: list[ReviewTaskRow]
    total: int  # open tasks matching the filters, not only this page's


@dataclass(frozen=True)
class ReviewFilters:
    agency: str = ""  # agency code of either record
    score_min: float | None = None
    score_max: float | None = None  # exclusive

    def apply(self, tasks):
        if self.agency:
            tasks = tasks.filter(
                Q(record_a__agency__code=self.agency) | Q(record_b__agency__code=self.agency)
            )
        if self.score_min is not None:
            tasks = tasks.filter(probability__gte=self.score_min)
        if self.score_max is not None:
            tasks = tasks.filter(probability__lt=self.score_max)
        return tasks


@dataclass
class ReviewTaskView:
    id: int
    score: float
    status: str
    fields: list[dict[str, Any]] = field(default_factory=list)
    persons: tuple[str, str] = ("", "")


def _require_reviewer(viewer: Viewer, purpose, *, action: str, object_id: str = "") -> Purpose:
    purpose = require_purpose(viewer, purpose, action=action, object_type="review_task")
    if viewer.role not in REVIEW_ROLES:
        audit_denial(
            viewer, reason="role", action=action, object_type="review_task", object_id=object_id
        )
        raise NotFound(object_id)
    return purpose


def review_queue_for_user(*, viewer: Viewer, purpose, limit: int = 100) -> list[ReviewTaskRow]:
    return review_queue_page(viewer=viewer, purpose=purpose, limit=limit).rows


def _open_tasks(filters: ReviewFilters):
    return filters.apply(ReviewTask.objects.filter(status=ReviewTask.Status.OPEN))


def review_queue_page(
    *,
    viewer: Viewer,
    purpose,
    limit: int = 50,
    offset: int = 0,
    filters: ReviewFilters | None = None,
) -> ReviewQueuePage:
    """One page of open tasks (highest score first) with names and kelurahan of both records;
    the persons behind the shown records are named in the audit event."""
    purpose = _require_reviewer(viewer, purpose, action=Action.REVIEW_QUEUE)
    filters = filters or ReviewFilters()
    matching = _open_tasks(filters)
    total = matching.count()
    tasks = list(
        matching.select_related("record_a__agency", "record_b__agency").order_by(
            "-probability", "id"
        )[offset : offset + limit]
    )
    record_ids = [r for t in tasks for r in (t.record_a_id, t.record_b_id)]
    person_of = dict(
        RecordLink.objects.filter(record_id__in=record_ids).values_list("record_id", "person_id")
    )
    public_ids = dict(
        Person.objects.filter(pk__in=set(person_of.values())).values_list("pk", "public_id")
    )
    rows = []
    for t in tasks:
        a, b = person_of.get(t.record_a_id), person_of.get(t.record_b_id)
        rows.append(
            ReviewTaskRow(
                id=t.pk,
                left_id=t.record_a_id,
                right_id=t.record_b_id,
                left_label=f"{t.record_a.agency.code}:{t.record_a.source_record_id}",
                right_label=f"{t.record_b.agency.code}:{t.record_b.source_record_id}",
                score=t.probability,
                left_name=t.record_a.full_name,
                right_name=t.record_b.full_name,
                left_kelurahan=t.record_a.kelurahan_code,
                right_kelurahan=t.record_b.kelurahan_code,
                same_person=a is not None and a == b,
            )
        )
    audit_read(
        viewer, action=Action.REVIEW_QUEUE, object_type="review_task", purpose=purpose,
        persons=sorted(set(public_ids.values())),
        detail={"tasks": len(rows), "total": total, "offset": offset,
                "filters": {k: v for k, v in vars(filters).items() if v not in ("", None)}},
    )  # fmt: skip
    return ReviewQueuePage(rows=rows, total=total)


def review_next_task_id(*, viewer: Viewer, filters: ReviewFilters | None = None) -> int | None:
    """The first open task of the queue under the same filters (after a decision)."""
    if viewer.role not in REVIEW_ROLES:
        return None
    return (
        _open_tasks(filters or ReviewFilters())
        .order_by("-probability", "id")
        .values_list("id", flat=True)
        .first()
    )


def _task(task_id: int, *, lock: bool = False) -> ReviewTask:
    queryset = ReviewTask.objects.select_related("record_a__agency", "record_b__agency")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    task = queryset.filter(pk=task_id).first()
    if task is None:
        raise NotFound(str(task_id))
    return task


def _linked_persons(task: ReviewTask) -> tuple[int | None, int | None]:
    """The person pks of the task's two records (None: not linked), read now."""
    links = dict(
        RecordLink.objects.filter(record_id__in=[task.record_a_id, task.record_b_id])
        .values_list("record_id", "person_id")
    )  # fmt: skip
    return links.get(task.record_a_id), links.get(task.record_b_id)


def _person_ids(
    task: ReviewTask, linked: tuple[int | None, int | None] | None = None
) -> tuple[str, str]:
    """Public ids of the persons of the task's records (`linked`: their pks, read earlier)."""
    a, b = linked or _linked_persons(task)
    ids = dict(Person.objects.filter(pk__in=[a, b]).values_list("pk", "public_id"))
    return ids.get(a, ""), ids.get(b, "")


def review_task_get_for_user(*, viewer: Viewer, task_id: int, purpose) -> ReviewTaskView:
    purpose = _require_reviewer(viewer, purpose, action=Action.REVIEW_VIEW, object_id=str(task_id))
    task = _task(task_id)
    explained = {f["field"]: f for f in task.explanation.get("fields", [])}
    fields, weighed = [], set()
    for column, comparison in SIDE_BY_SIDE:
        left, right = getattr(task.record_a, column), getattr(task.record_b, column)
        info = explained.get(comparison, {})
        # The weight belongs to the comparison: shown once, on its first row.
        first = comparison not in weighed
        weighed.add(comparison)
        fields.append(
            {
                "name": column,
                "left": left,
                "right": right,
                "agree": left == right,
                "level": info.get("level", "") if first else "",
                "weight": info.get("weight", 0.0) if first else None,
            }
        )
    persons = _person_ids(task)
    audit_read(
        viewer, action=Action.REVIEW_VIEW, object_type="review_task", object_id=str(task.pk),
        persons=[p for p in persons if p], purpose=purpose,
    )  # fmt: skip
    return ReviewTaskView(task.pk, task.probability, task.status, fields, persons)


def review_decide(
    *, viewer: Viewer, task_id: int, decision: str, purpose, note: str = ""
) -> ReviewTask:
    """same -> the two persons merge; different -> record B leaves record A's person;
    skip -> the task leaves the queue. Decisions survive every later link run."""
    purpose = _require_reviewer(
        viewer, purpose, action=Action.REVIEW_DECIDE, object_id=str(task_id)
    )
    if decision not in ("same", "different", "skip"):
        raise ValueError(f"unknown decision {decision!r}")
    with transaction.atomic():
        task = _task(task_id, lock=True)
        a, b = linked = _linked_persons(task)
        if decision == "skip":
            task.status = ReviewTask.Status.SKIPPED
            task.save(update_fields=["status", "updated_at"])
        else:
            link_decision = _pin_records(task.record_a, task.record_b, decision, viewer.user, note)
            task.status, task.decision = ReviewTask.Status.DECIDED, link_decision
            task.save(update_fields=["status", "decision", "updated_at"])
            if decision == "same" and a and b and a != b:
                _merge(survivor_pk=a, absorbed_pk=b, actor=viewer.user, reason="review")
            elif decision == "different" and a and a == b:
                _split(person_pk=a, record_ids=[task.record_b_id], actor=viewer.user,
                       reason="review")  # fmt: skip
        audit_read(
            viewer, action=Action.REVIEW_DECIDE, object_type="review_task", object_id=str(task.pk),
            persons=[p for p in _person_ids(task, linked) if p], purpose=purpose,
            detail={"decision": decision},
        )  # fmt: skip
    return task


def _merge(*, survivor_pk: int, absorbed_pk: int, actor, reason: str) -> None:
    persons = {
        p.pk: p
        for p in Person.objects.select_for_update().filter(pk__in=[survivor_pk, absorbed_pk])
    }
    survivor, absorbed = persons[survivor_pk], persons[absorbed_pk]
    if absorbed.status == Person.Status.MERGED or survivor.status == Person.Status.MERGED:
        raise ValueError("only active persons can be merged")
    links = RecordLink.objects.filter(person=absorbed)
    record_ids = list(links.values_list("record_id", flat=True))
    links.update(person=survivor)
    absorbed.status, absorbed.merged_into = Person.Status.MERGED, survivor
    absorbed.save(update_fields=["status", "merged_into", "updated_at"])
    Person.objects.filter(merged_into=absorbed).update(merged_into=survivor)
    PersonLinkEvent.objects.create(
        kind=PersonLinkEvent.Kind.MERGE, person=survivor, other=absorbed, actor=actor,
        reason=reason, record_ids=record_ids[:1000],
    )  # fmt: skip
    refresh_persons([survivor.pk])


def _split(*, person_pk: int, record_ids: list[int], actor, reason: str) -> Person:
    person = Person.objects.select_for_update().get(pk=person_pk)
    now = timezone.now()
    part = Person.objects.create(public_id=new_public_id("P"), created_at=now)
    moved = RecordLink.objects.filter(person=person, record_id__in=record_ids)
    if not moved.exists():
        raise ValueError("the records are not linked to this person")
    moved.update(person=part)
    PersonLinkEvent.objects.create(
        kind=PersonLinkEvent.Kind.SPLIT, person=person, other=part, actor=actor, reason=reason,
        record_ids=record_ids[:1000],
    )  # fmt: skip
    refresh_persons([person.pk, part.pk])
    return part


def _walidata(actor) -> Viewer:
    from registry.selectors import viewer_for

    viewer = viewer_for(actor)
    if viewer.role != Role.WALIDATA:
        audit_denial(viewer, reason="role", action=Action.PERSON_MERGE, object_type="person")
        raise NotFound("")
    return viewer


def person_merge(*, actor, survivor: str, absorbed: str, reason: str) -> Person:
    """Manual merge by the walidata: `absorbed` redirects to `survivor` from now on, and a
    must-link decision keeps them together in every later link run."""
    viewer = _walidata(actor)
    with transaction.atomic():
        people = {p.public_id: p for p in Person.objects.filter(public_id__in=[survivor, absorbed])}
        if len(people) != 2:
            raise NotFound(f"{survivor} {absorbed}")
        _pin(people[survivor], people[absorbed], "same", actor, reason)
        _merge(survivor_pk=people[survivor].pk, absorbed_pk=people[absorbed].pk, actor=actor,
               reason=reason or "manual")  # fmt: skip
        audit_read(
            viewer, action=Action.PERSON_MERGE, object_type="person", object_id=survivor,
            persons=[survivor, absorbed], detail={"reason": reason},
        )  # fmt: skip
        return Person.objects.get(pk=people[survivor].pk)


def current_record_ids(public_id: str, keys: list[str]) -> list[int]:
    """Current record versions of a person named as 'agency:source_record_id' (what a person
    page shows), for person_unmerge."""
    wanted = {tuple(key.split(":", 1)) for key in keys if ":" in key}
    rows = SourceRecord.objects.filter(
        link__person__public_id=public_id, is_current=True
    ).values_list("id", "agency__code", "source_record_id")
    return [pk for pk, agency, source_id in rows if (agency, source_id) in wanted]


def person_unmerge(*, actor, public_id: str, record_ids: list[int], reason: str) -> Person:
    """Manual split by the walidata: the given records leave the person for a new one, and
    cannot-link decisions keep them apart in every later link run."""
    viewer = _walidata(actor)
    with transaction.atomic():
        person = Person.objects.filter(public_id=public_id, status=Person.Status.ACTIVE).first()
        if person is None:
            raise NotFound(public_id)
        staying = (
            SourceRecord.objects.filter(link__person=person, is_current=True)
            .exclude(id__in=record_ids)
            .first()
        )
        part = _split(person_pk=person.pk, record_ids=record_ids, actor=actor,
                      reason=reason or "manual")  # fmt: skip
        leaving = SourceRecord.objects.filter(id__in=record_ids).select_related("agency")
        if staying is not None:
            for record in leaving:
                _pin_records(staying, record, "different", actor, reason)
        audit_read(
            viewer, action=Action.PERSON_UNMERGE, object_type="person", object_id=public_id,
            persons=[public_id, part.public_id], detail={"records": len(record_ids)},
        )  # fmt: skip
        return part


def _pin(survivor: Person, absorbed: Person, decision: str, actor, reason: str) -> None:
    a = SourceRecord.objects.filter(link__person=survivor, is_current=True).first()
    b = SourceRecord.objects.filter(link__person=absorbed, is_current=True).first()
    if a is not None and b is not None:
        _pin_records(a, b, decision, actor, reason)


def _pin_records(
    a: SourceRecord, b: SourceRecord, decision: str, actor, reason: str
) -> LinkDecision:
    """Record a decision on a pair; the latest decision on a pair is the one that counts."""
    same_pair = Q(
        agency_a_id=a.agency_id, source_record_id_a=a.source_record_id,
        agency_b_id=b.agency_id, source_record_id_b=b.source_record_id,
    ) | Q(
        agency_a_id=b.agency_id, source_record_id_a=b.source_record_id,
        agency_b_id=a.agency_id, source_record_id_b=a.source_record_id,
    )  # fmt: skip
    LinkDecision.objects.filter(same_pair, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return LinkDecision.objects.create(
        agency_a_id=a.agency_id, source_record_id_a=a.source_record_id,
        agency_b_id=b.agency_id, source_record_id_b=b.source_record_id,
        decision=decision, decided_by=actor, reason=reason[:300],
    )  # fmt: skip
