"""Fault tests of `manage.py import_records`: real processes on real PostgreSQL, killed at
several points. After each fault: no process of the import is left (its forked validation
workers die with it), no session is left active or idle in transaction, the agency's import
lock is free at once, the same file imports again completely, nothing is stored twice, and
`manage.py link` places every stored record."""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from registry.models import Agency, ImportBatch
from tests.faults.processes import (
    agency_lock_seconds,
    assert_clean_after,
    assert_stored_once,
    copy_running,
    descendants,
    kill9,
    manage,
    other_sessions,
    start,
    unlinked_current,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A 25,000-person city: its civil registry file (~25,000 rows) validates on worker
    processes, its social-affairs file (~10,000 rows) in the importing process."""
    out = tmp_path_factory.mktemp("faultcity")
    call_command("generate_city", persons=25000, seed=11, out=str(out), stdout=io.StringIO())
    return out


@pytest.fixture(autouse=True)
def started():
    """Processes a test started: killed at teardown whatever happened in the test."""
    procs = []
    yield procs
    for proc in procs:
        for child in descendants(proc.pid):
            child.kill()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def _rows(path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1


def _import(path, code, kind):
    return (
        "import_records", str(path), "--agency", code, "--create-agency",
        "--agency-kind", kind, "--skip-invalid",
    )  # fmt: skip


def _recovers(path, code, kind):
    """After the fault: lock free within a second, the same file lands whole, once, and
    `link` places every record."""
    assert agency_lock_seconds(code) < 1.0
    again = manage(*_import(path, code, kind))
    assert again.returncode == 0, again.stdout
    batch = ImportBatch.objects.filter(agency__code=code).exclude(status="rejected").get()
    assert_stored_once(code, _rows(path) - batch.rows_invalid)
    linked = manage("link")
    assert linked.returncode == 0, linked.stderr
    assert unlinked_current() == 0
    assert not other_sessions()


def _agency(code: str, kind: str) -> None:
    Agency.objects.create(code=code, name=code.upper(), kind=kind)


def test_kill9_during_parallel_validation_leaves_no_orphan_and_no_lock(city, started):
    path = city / "disdukcapil.csv"
    _agency("disdukcapil", "civil_registry")
    proc = start(*_import(path, "disdukcapil", "civil_registry"))
    started.append(proc)
    # the COPY is open while the workers validate (a child seen before it is not a worker:
    # a library may run a helper at start-up)
    wait_for(
        lambda: copy_running() and descendants(proc.pid), timeout=120, what="validation workers"
    )
    workers = kill9(proc)
    assert workers
    assert_clean_after(workers)
    assert ImportBatch.objects.count() == 0  # nothing half-written
    _recovers(path, "disdukcapil", "civil_registry")


def test_kill9_during_copy_of_a_serial_import(city, started):
    path = city / "dinsos.csv"
    _agency("dinsos", "social_affairs")
    proc = start(*_import(path, "dinsos", "social_affairs"))
    started.append(proc)
    wait_for(copy_running, timeout=120, what="the import's COPY")
    children = kill9(proc)
    assert_clean_after(children)
    assert ImportBatch.objects.count() == 0
    _recovers(path, "dinsos", "social_affairs")


def test_pg_terminate_backend_of_the_import_session(city, started):
    path = city / "disdukcapil.csv"
    _agency("disdukcapil", "civil_registry")
    proc = start(*_import(path, "disdukcapil", "civil_registry"))
    started.append(proc)
    wait_for(
        lambda: copy_running() and descendants(proc.pid), timeout=120, what="validation workers"
    )
    workers = descendants(proc.pid)
    (pid,) = [p for p, _state, query in other_sessions() if "COPY" in (query or "")]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "Traceback" in output or "terminat" in output.lower()
    assert_clean_after(workers)
    assert ImportBatch.objects.count() == 0
    _recovers(path, "disdukcapil", "civil_registry")


def test_a_held_agency_lock_fails_the_import_within_seconds_with_a_clear_message(city):
    _agency("dinsos", "social_affairs")
    agency = Agency.objects.get(code="dinsos")
    holder = _other_session()
    try:
        holder.execute("BEGIN")
        holder.execute("SELECT 1 FROM registry_agency WHERE id = %s FOR NO KEY UPDATE", [agency.pk])
        t0 = time.monotonic()
        with (
            override_settings(IMPORT_LOCK_TIMEOUT_MS=500),
            pytest.raises(CommandError, match="another import of this agency is running"),
        ):
            call_command(*_import(city / "dinsos.csv", "dinsos", "social_affairs"), verbosity=0)
        assert time.monotonic() - t0 < 10
    finally:
        holder.close()
    assert ImportBatch.objects.count() == 0


def _other_session():
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
        password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True,
    )  # fmt: skip
