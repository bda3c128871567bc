"""Nightly destruction of personal data past retention (procrastinate periodic task; any
worker picks it up: `python manage.py procrastinate worker`)."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="30 2 * * *", periodic_id="retention-purge")
@app.task(queue="maintenance", name="privacy.retention_purge", queueing_lock="retention-purge")
def retention_purge_task(timestamp: int) -> None:
    from registry.privacy.retention import retention_purge

    retention_purge(actor=None)
