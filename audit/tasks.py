"""Scheduled audit work on procrastinate: the chain head is exported outside the database
every AUDIT_HEAD_EXPORT_MINUTES by any running worker (`manage.py procrastinate worker`)."""

from __future__ import annotations

import logging

from django.conf import settings
from procrastinate.contrib.django import app

from audit.coalesce import refusal_tallies_flush
from audit.head import head_export

logger = logging.getLogger(__name__)

QUEUE = "audit"


# queueing_lock: a worker that was down does not pile up one export per missed period.
@app.periodic(cron=f"*/{settings.AUDIT_HEAD_EXPORT_MINUTES} * * * *")
@app.task(queue=QUEUE, name="audit.export_head", queueing_lock="audit.export_head")
def export_head(timestamp: int) -> None:
    line = head_export()
    logger.info("audit head exported id=%s count=%s", line["id"], line["count"])


@app.periodic(cron="* * * * *")
@app.task(queue=QUEUE, name="audit.flush_refusals", queueing_lock="audit.flush_refusals")
def flush_refusals(timestamp: int) -> None:
    """Every minute: the anonymous refusals counted in finished minutes become events."""
    written = refusal_tallies_flush()
    if written:
        logger.info("coalesced refusals written=%s", written)
