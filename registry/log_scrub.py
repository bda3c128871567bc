"""Database error text scrubbed before it is logged or shown.

PostgreSQL's messages quote the values they refuse: `CONTEXT: COPY registry_sourcerecord,
line 1, column nik: "3671..."`, `DETAIL: Key (nik)=(3671...) already exists`, `invalid input
syntax for type bigint: "..."`. Validation keeps such values from reaching the database
(registry.services.imports), and this filter is the second line: every handler of the
application's logging runs it (config/settings.py LOGGING), so a NIK or a name inside an
exception never lands in a log file.
"""

from __future__ import annotations

import logging
import re

_CONTEXT_RE = re.compile(r"^(\s*(?:CONTEXT|DETAIL|HINT|LINE \d+):).*$", re.MULTILINE)
_QUOTED_RE = re.compile(r"(:\s*)\"(?:[^\"\\]|\\.)*\"|(:\s*)'(?:[^'\\]|\\.)*'")
_KEY_VALUE_RE = re.compile(r"\)=\((?:[^)]*)\)")
_LONG_DIGITS_RE = re.compile(r"(?<!\d)\d{10,20}(?!\d)")
REDACTED = "[redacted]"


def scrub(text: str) -> str:
    """The text without the values a database error quotes, or a run of 10+ digits."""
    text = _CONTEXT_RE.sub(r"\1 " + REDACTED, text)
    text = _QUOTED_RE.sub(lambda m: (m.group(1) or m.group(2)) + REDACTED, text)
    text = _KEY_VALUE_RE.sub(")=(" + REDACTED + ")", text)
    return _LONG_DIGITS_RE.sub(REDACTED, text)


class ScrubFilter(logging.Filter):
    """Scrubs a record's message and its exception text in place (it never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logged as written
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True
