"""Background jobs on procrastinate (PostgreSQL LISTEN/NOTIFY + SKIP LOCKED): nothing beyond the
database, so the embedded set-up keeps working. Run a worker with
`python manage.py procrastinate worker --queues=api`."""

from __future__ import annotations

from procrastinate.contrib.django import app

QUEUE = "api"


@app.task(queue=QUEUE, name="api.process_submission")
def process_submission(submission_id: int) -> None:
    from api.services.submissions import submission_run_job

    submission_run_job(submission_id)
