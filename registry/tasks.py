"""Background jobs of the registry on procrastinate (same queue and worker as the API's).

- link_pending: link every current record version that has no person (queued whenever
  linking after an import did not run or failed; retried until it succeeds).
- recover (every minute): jobs left `doing` by a worker that died (no heartbeat for
  STALLED_AFTER_SECONDS) go back to the queue, and unlinked records get a link queued.
"""

from __future__ import annotations

import logging

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)

QUEUE = "api"  # the worker of docker-compose and the README listens on it
# procrastinate's worker heartbeat is every 10 s; its own default for "stalled" is 30 s.
STALLED_AFTER_SECONDS = 30
# Above this many unlinked records one engine run places them all (link --full=False);
# below, the incremental linker places them through its indexed probes.
INCREMENTAL_MAX_RECORDS = 20_000


@app.task(
    queue=QUEUE,
    name="registry.link_pending",
    queueing_lock="registry.link_pending",
    retry=RetryStrategy(max_attempts=20, exponential_wait=2),
)
def link_pending() -> int:
    return link_unlinked()


def link_unlinked(*, actor=None) -> int:
    """Place every unlinked current record version; the number placed."""
    from registry.linking import link, link_new_records
    from registry.services.submit import unlinked_records

    ids = unlinked_records()
    if not ids:
        return 0
    logger.info("linking %s unlinked records", len(ids))
    if len(ids) > INCREMENTAL_MAX_RECORDS:
        link(full=False, actor=actor)
    else:
        link_new_records(ids, actor=actor)
    return len(ids)


@app.periodic(cron="* * * * *", periodic_id="recover")
@app.task(queue=QUEUE, name="registry.recover", queueing_lock="registry.recover", pass_context=True)
async def recover(context, timestamp: int) -> None:
    await retry_stalled_jobs(context.app)
    from asgiref.sync import sync_to_async

    await sync_to_async(_queue_link_if_unlinked, thread_sensitive=False)()


async def retry_stalled_jobs(job_app, *, seconds_since_heartbeat: float = STALLED_AFTER_SECONDS):
    """Put the jobs of dead workers (no heartbeat for that long) back in the queue. The jobs
    are idempotent (api.services.submissions.submission_run_job resumes a submission whose
    runner is gone), so running one again finishes the work. Returns the retried job ids."""
    stalled = await job_app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=seconds_since_heartbeat
    )
    retried = []
    for job in stalled:
        logger.warning("retrying stalled job %s (%s)", job.id, job.task_name)
        await job_app.job_manager.retry_job(job)
        retried.append(job.id)
    return retried


def _queue_link_if_unlinked() -> None:
    from registry.models import SourceRecord
    from registry.services.submit import link_queue

    if SourceRecord.objects.filter(is_current=True, link__isnull=True).exists():
        link_queue()
