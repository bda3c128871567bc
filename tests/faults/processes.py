"""Real processes against the test database: `manage.py` commands started as a walidata or a
worker would start them, killed, and the state they leave behind read from PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import psutil
from django.conf import settings
from django.db import connection

from registry.models import Agency, RecordLink, SourceRecord

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def cli_env(**extra: str) -> dict[str, str]:
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    url = f"postgresql://{user}{password}@{host}{port}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1", **extra}


def manage(*argv: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, MANAGE, *argv],
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(*argv: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, MANAGE, *argv],
        env=cli_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(predicate: Callable[[], object], *, timeout: float, what: str, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def kill9(proc: subprocess.Popen) -> list[psutil.Process]:
    """kill -9 the process (not its children); returns the children it had."""
    children = descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    if proc.stdout:
        proc.stdout.close()
    return children


def other_sessions() -> list[tuple]:
    """Sessions of the test database other than this test's own that are not idle:
    (pid, state, query) — an import left active or idle in transaction shows here."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT pid, state, left(query, 60) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND backend_type = 'client backend' AND state <> 'idle'"""
        )
        return cursor.fetchall()


def copy_running() -> bool:
    return any(
        "COPY" in (query or "") and state == "active" for _, state, query in other_sessions()
    )


def assert_clean_after(children: list[psutil.Process], *, timeout: float = 10) -> None:
    """No process of the killed one left, no session active or idle in transaction."""
    wait_for(
        lambda: not any(alive(c) for c in children),
        timeout=timeout,
        what=f"children {[c.pid for c in children]} to end",
    )
    wait_for(lambda: not other_sessions(), timeout=timeout, what="import sessions to end")


def agency_lock_seconds(code: str) -> float:
    """How long taking the agency's import lock takes now (fails after 1 s)."""
    agency = Agency.objects.get(code=code)
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            cursor.execute("SET LOCAL lock_timeout = 1000")
            cursor.execute(
                "SELECT 1 FROM registry_agency WHERE id = %s FOR NO KEY UPDATE", [agency.pk]
            )
        finally:
            cursor.execute("ROLLBACK")
    return time.monotonic() - started


def assert_stored_once(code: str, expected_current: int) -> None:
    """Every row of the file is stored exactly once: one current version per source id."""
    records = SourceRecord.objects.filter(agency__code=code)
    assert records.filter(is_current=True).count() == expected_current
    assert records.count() == expected_current  # no second version of an unchanged row
    assert records.values("source_record_id").distinct().count() == expected_current


def unlinked_current() -> int:
    return (
        SourceRecord.objects.filter(is_current=True)
        .exclude(pk__in=RecordLink.objects.values("record_id"))
        .count()
    )
