"""What linking did with one import batch, as counts for its batch page: records placed in a
person who already had records from elsewhere, records that became new persons, records still
unlinked, and the uncertain pairs sent to the review queue. Counts only (no person shown), read
as the links stand now: a later batch may join a person this batch created."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from registry.models import RecordLink, ReviewTask, SourceRecord


@dataclass(frozen=True)
class BatchLinking:
    records: int
    joined: int  # placed in a person who also has records of other batches
    new_persons: int  # persons whose records all come from this batch
    unlinked: int
    review_open: int
    review_total: int


def batch_linking(batch) -> BatchLinking:
    records = SourceRecord.objects.filter(batch=batch).order_by()
    links = RecordLink.objects.filter(record__batch=batch).order_by()
    elsewhere = RecordLink.objects.filter(person=OuterRef("person")).exclude(record__batch=batch)
    linked = links.annotate(shared=Exists(elsewhere))
    joined = linked.filter(shared=True).count()
    new_persons = linked.filter(shared=False).values("person").distinct().count()
    n_records = records.count()
    n_linked = links.count()
    tasks = ReviewTask.objects.filter(Q(record_a__batch=batch) | Q(record_b__batch=batch))
    return BatchLinking(
        records=n_records,
        joined=joined,
        new_persons=new_persons,
        unlinked=n_records - n_linked,
        review_open=tasks.filter(status=ReviewTask.Status.OPEN).count(),
        review_total=tasks.count(),
    )
