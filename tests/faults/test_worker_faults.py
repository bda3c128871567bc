"""Fault tests of the procrastinate worker: a real `manage.py procrastinate worker` process
killed with -9 while it runs a submission job. The job is left `doing`; the stalled-job
recovery (registry.tasks.retry_stalled_jobs, run every minute by the periodic `recover`
task) puts it back, and the job, being idempotent, finishes the work: every record stored
once and linked, the payload cleared, the same idempotency key answering with the result."""

from __future__ import annotations

import asyncio

import pytest
from procrastinate.contrib.django import app

from api.models import Submission
from api.services.submissions import submission_claim, submission_enqueue, submission_out
from registry.ingest.reading import ParsedFile
from registry.models import ImportBatch, SourceRecord
from registry.selectors import Viewer
from registry.tasks import retry_stalled_jobs
from tests.api.conftest import owner, person_record, run_jobs  # noqa: F401 - fixtures
from tests.faults.processes import (
    agency_lock_seconds,
    assert_clean_after,
    copy_running,
    descendants,
    kill9,
    other_sessions,
    start,
    unlinked_current,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 24_000  # above the parallel-validation threshold: the job forks validation workers


def _queued_submission(owner):  # noqa: F811
    viewer = Viewer(user=None, role="operator", agency=owner.agency)
    records = [person_record(i, prefix="W") for i in range(ROWS)]
    submission, replay = submission_claim(
        viewer=viewer, dataset=owner.dataset, token=None, key="worker-key",
        digest="d" * 64, kind="json", records_total=ROWS,
    )  # fmt: skip
    assert not replay
    submission_enqueue(submission, parsed=ParsedFile(rows=list(enumerate(records))))
    return submission


def _job_status(submission_id: int) -> list[str]:
    from procrastinate.contrib.django.models import ProcrastinateJob

    return list(
        ProcrastinateJob.objects.filter(
            task_name="api.process_submission", args__submission_id=submission_id
        ).values_list("status", flat=True)
    )


def _recover() -> list[int]:
    async def run():
        worker_app = app.with_connector(app.connector.get_worker_connector())
        async with worker_app.open_async():
            # the dead worker sent its last heartbeat moments ago: no live worker runs now,
            # so every worker counts as stalled
            return await retry_stalled_jobs(worker_app, seconds_since_heartbeat=0)

    return asyncio.run(run())


def _finishes(submission, owner):  # noqa: F811
    run_jobs()  # a new worker (in this process) takes the retried job
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUCCEEDED, submission.result
    assert submission.payload is None
    out = submission_out(submission)
    assert out["counts"]["total"] == ROWS
    assert out["linking"] == "done"
    assert all(r["linking"] == "done" for r in out["records"])
    current = SourceRecord.objects.filter(agency=owner.agency, is_current=True)
    assert current.count() == SourceRecord.objects.filter(agency=owner.agency).count() == ROWS
    assert unlinked_current() == 0
    assert ImportBatch.objects.exclude(status="rejected").count() == 1  # stored once
    assert _job_status(submission.pk) == ["succeeded"]
    # the same idempotency key: the first answer again (202 and the job to poll), no new work
    viewer = Viewer(user=None, role="operator", agency=owner.agency)
    again, replay = submission_claim(
        viewer=viewer, dataset=owner.dataset, token=None, key="worker-key",
        digest="d" * 64, kind="json", records_total=ROWS,
    )  # fmt: skip
    assert replay and again.pk == submission.pk


@pytest.mark.parametrize("moment", ["validation", "linking"])
def test_kill9_of_the_worker_mid_job_is_recovered(owner, moment):  # noqa: F811
    submission = _queued_submission(owner)
    worker = start("procrastinate", "worker", "--queues=api", "--concurrency=1")
    try:
        if moment == "validation":
            wait_for(
                lambda: copy_running() and descendants(worker.pid),
                timeout=120,
                what="validation workers",
            )
        else:  # the import has committed (the submission knows its batch); linking runs
            wait_for(
                lambda: Submission.objects.filter(pk=submission.pk, batch__isnull=False).exists(),
                timeout=180,
                what="the import to commit",
                step=0.05,
            )
        children = kill9(worker)
    finally:
        for child in descendants(worker.pid):
            child.kill()
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert_clean_after(children)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RUNNING
    assert _job_status(submission.pk) == ["doing"]
    assert agency_lock_seconds(owner.agency.code) < 1.0
    assert _recover()
    _finishes(submission, owner)
    assert not other_sessions()
