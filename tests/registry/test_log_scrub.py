"""Database error text is scrubbed before it is logged (issue 14 item 6)."""

import io
import logging

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction

from registry.ingest.copy import copy_writer
from registry.log_scrub import ScrubFilter, scrub

NIK = "36710130087400011"  # 17 digits: one more than the column holds


@pytest.mark.django_db
def test_a_copy_error_logs_no_nik_and_no_copy_context():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE scrub_probe (nik varchar(16), name text)")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ScrubFilter())
    logger = logging.getLogger("tests.scrub")
    logger.addHandler(handler)
    try:
        with (
            pytest.raises(psycopg.DataError) as caught,
            transaction.atomic(),
            copy_writer("scrub_probe", ["nik", "name"]) as write,
        ):
            write(f"{NIK},SITI AMINAH\n")
        assert NIK in str(caught.value)  # what PostgreSQL says...
        try:
            raise RuntimeError("import failed") from caught.value
        except RuntimeError:
            logger.exception("import failed for nik %s", NIK)
    finally:
        logger.removeHandler(handler)
    logged = stream.getvalue()
    assert "import failed" in logged and "StringDataRightTruncation" in logged
    assert NIK not in logged and NIK[:16] not in logged  # ...is not what the log keeps
    assert 'column nik: "' not in logged


def test_scrub_keeps_the_words_and_drops_the_values():
    text = (
        "value too long for type character varying(16)\n"
        'CONTEXT:  COPY registry_sourcerecord, line 1, column nik: "3671013008740001"\n'
        "DETAIL:  Key (nik)=(3671013008740001) already exists.\n"
        'invalid input syntax for type bigint: "SITI"'
    )
    scrubbed = scrub(text)
    assert "3671013008740001" not in scrubbed and "SITI" not in scrubbed
    assert "value too long for type character varying(16)" in scrubbed
    assert "CONTEXT: [redacted]" in scrubbed


def test_every_log_handler_scrubs():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "scrub" in handler.get("filters", []), name
