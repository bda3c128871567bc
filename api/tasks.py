"""Background jobs on procrastinate (PostgreSQL LISTEN/NOTIFY + SKIP LOCKED): nothing beyond the
database, so the embedded set-up keeps working. Run a worker with
`python manage.py procrastinate worker --queues=api`."""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from registry.services.imports import ImportBusy

QUEUE = "api"


# Idempotent (a run after a worker died resumes the submission), so procrastinate may run it
# again: after the stalled-job recovery (registry.tasks.recover) and, when another import of
# the agency held its lock, a few seconds later.
@app.task(
    queue=QUEUE,
    name="api.process_submission",
    retry=RetryStrategy(max_attempts=10, linear_wait=5, retry_exceptions={ImportBusy}),
)
def process_submission(submission_id: int) -> None:
    from api.services.submissions import submission_run_job

    submission_run_job(submission_id)
