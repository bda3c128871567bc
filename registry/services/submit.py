"""records_submit: the one way records arrive (CLI file, web upload, API batch or job).

Import (registry.services.imports.records_import: validated whole, one transaction), then
link what the import stored, now or through the queue. Stored but unlinked is never a silent
state: when linking fails after the import committed, a link job is queued (retried by the
worker) and the outcome says "pending" until every record of the batch has its person.

Linking takes the batch's new versions and also any current version of the submitted rows
that has no person yet: a retry after a crash between import and link finds its rows
"unchanged" and must still place them (it answered `person_id: null` before).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from linkage.schema import source_id as source_id_of
from registry.ingest.reading import ParsedFile
from registry.models import Dataset, DatasetKind, ImportBatch, RecordLink, SourceRecord
from registry.services.imports import ImportOutcome, records_import

logger = logging.getLogger(__name__)

LINK_NOW = "now"
LINK_QUEUE = "queue"

# linking state of a submission, as the API and the pages report it
LINKING_DONE = "done"
LINKING_PENDING = "pending"
LINKING_NOT_RUN = "not_run"


@dataclass
class SubmitOutcome:
    import_outcome: ImportOutcome | None
    batch: ImportBatch
    linking: str
    person_of: dict[int, str] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    invalid_lines: set[int] = field(default_factory=set)

    @property
    def rejected(self) -> bool:
        return self.batch.status == ImportBatch.Status.REJECTED


def records_submit(
    *,
    actor,
    dataset: Dataset,
    parsed: ParsedFile,
    channel: str,
    file_name: str = "",
    file_sha256: str = "",
    skip_invalid: bool = False,
    strict: bool = False,
    link: str = LINK_NOW,
    regions=None,
    progress: Callable[[int], None] | None = None,
    stored_batch: ImportBatch | None = None,
    on_stored: Callable[[ImportBatch], None] | None = None,
) -> SubmitOutcome:
    """Import `parsed` into `dataset`, then link the stored rows (LINK_NOW) or queue their
    link (LINK_QUEUE: a city-sized file is linked by the worker or `manage.py link`).

    `on_stored(batch)` runs inside the import's transaction, so whatever it records (a
    submission's batch) commits with the rows or not at all. `stored_batch`: the batch an
    earlier, interrupted attempt of the same submission committed; the import is not run
    again, only the linking."""
    if stored_batch is not None:
        outcome = None
        batch = stored_batch
        errors = list(batch.errors)
    else:
        with transaction.atomic():
            outcome = records_import(
                dataset=dataset,
                parsed=parsed,
                actor=actor,
                file_name=file_name,
                file_sha256=file_sha256,
                channel=channel,
                skip_invalid=skip_invalid,
                strict=strict,
                regions=regions,
                progress=progress,
            )
            if on_stored is not None:
                on_stored(outcome.batch)
        batch, errors = outcome.batch, outcome.validation.errors
    invalid_lines = {int(e["line"]) for e in errors}
    result = SubmitOutcome(outcome, batch, LINKING_NOT_RUN, {}, errors, invalid_lines)
    if result.rejected:
        return result
    if dataset.kind == DatasetKind.DTSEN:
        # decile facts are keyed by KK: nothing to place on persons
        result.linking = LINKING_DONE
        return result
    if link == LINK_QUEUE:
        # A file of a city's size: no id lists, one question (anything of the agency left
        # without a person?), and the worker's link places them all.
        if SourceRecord.objects.filter(
            agency_id=batch.agency_id, is_current=True, link__isnull=True
        ).exists():
            link_queue()
            result.linking = LINKING_PENDING
        else:
            result.linking = LINKING_DONE
        return result
    to_link = records_to_link(batch, parsed)
    if to_link:
        result.person_of, result.linking = link_or_queue(to_link, actor=actor)
    else:
        result.linking = LINKING_DONE
    return result


def records_to_link(batch: ImportBatch, parsed: ParsedFile) -> list[int]:
    """The batch's stored versions and the current versions of the submitted rows that have
    no person yet (stored by an earlier attempt whose linking never ran)."""
    ids = list(SourceRecord.objects.filter(batch=batch).order_by("id").values_list("id", flat=True))
    source_ids = sorted({source_id_of(record) for _, record in parsed.rows} - {""})
    if source_ids:
        ids += list(
            SourceRecord.objects.filter(
                agency_id=batch.agency_id,
                is_current=True,
                source_record_id__in=source_ids,
                link__isnull=True,
            )
            .exclude(batch=batch)
            .order_by("id")
            .values_list("id", flat=True)
        )
    return ids


def link_or_queue(record_ids: list[int], *, actor) -> tuple[dict[int, str], str]:
    """Link the records now; if that fails (the import has committed), queue the link for
    the worker and report it pending."""
    from registry.linking import link_new_records

    try:
        person_of = dict(link_new_records(record_ids, actor=actor))
    except Exception:
        logger.exception("linking of %s stored records failed; link queued", len(record_ids))
        link_queue()
        return {}, LINKING_PENDING
    return person_of, LINKING_DONE


def link_queue() -> None:
    """Queue one link of every unlinked current record (registry.tasks.link_pending); a link
    already waiting in the queue covers this one too."""
    from procrastinate.exceptions import AlreadyEnqueued

    from registry.tasks import link_pending

    try:
        with transaction.atomic():  # a savepoint: the queueing lock's refusal aborts no caller
            link_pending.defer()
    except AlreadyEnqueued:
        pass
    except Exception:
        # The queue itself is unreachable: the periodic sweep (registry.tasks.recover) and
        # `manage.py link` still find every unlinked record.
        logger.exception("could not queue the link")


def unlinked_records(*, batch: ImportBatch | None = None) -> list[int]:
    """Current record versions without a person (of one batch, or all)."""
    records = SourceRecord.objects.filter(is_current=True, link__isnull=True)
    if batch is not None:
        records = records.filter(batch=batch)
    return list(records.order_by("id").values_list("id", flat=True))


def batch_linking_state(batch: ImportBatch) -> str:
    """ "done" when every current version the batch stored has its person, else "pending"
    (what the pages and the API say about a stored batch)."""
    if batch.status == ImportBatch.Status.REJECTED:
        return LINKING_NOT_RUN
    pending = SourceRecord.objects.filter(batch=batch, is_current=True, link__isnull=True).exists()
    return LINKING_PENDING if pending else LINKING_DONE


def persons_of(record_ids: list[int]) -> dict[int, str]:
    return dict(
        RecordLink.objects.filter(record_id__in=record_ids).values_list(
            "record_id", "person__public_id"
        )
    )
