"""kill -9 of a gunicorn worker while it imports a confirmed web upload (a file below the
queued-job size imports in the request): the master starts a new worker, the killed
worker's session is gone (its transaction rolled back), the agency's lock is free at once,
and the same file uploaded again lands whole, once, linked."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.urls import reverse

from registry.models import AccessLevel, Agency, AgencyKind, Dataset, ImportBatch
from registry.roles import Role
from registry.services.accounts import account_create
from tests.api.conftest import session_client
from tests.faults.processes import (
    agency_lock_seconds,
    alive,
    assert_stored_once,
    cli_env,
    copy_running,
    descendants,
    other_sessions,
    unlinked_current,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "120",
        ],
        env=cli_env(WEB_UPLOAD_DIR=str(tmp_path / "uploads")),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            return httpx.get(f"{url}/", timeout=2).status_code < 500
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, timeout=60, what="gunicorn", step=0.2)
        yield proc, url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _upload_and_confirm(client: httpx.Client, dataset, content: bytes) -> httpx.Response:
    staged = client.post(
        reverse("upload"),
        data={"dataset": str(dataset.pk)},
        files={"file": ("penduduk.csv", content, "text/csv")},
    )
    assert staged.status_code == 302, staged.text[:500]
    token = staged.headers["location"].rstrip("/").split("/")[-2]
    return client.post(reverse("upload_confirm", args=[token]), data={"mode": "valid"})


def test_kill9_of_a_gunicorn_worker_during_a_web_import(server, tmp_path):
    proc, url = server
    out = tmp_path / "city"
    call_command("generate_city", persons=12000, seed=3, out=str(out), stdout=io.StringIO())
    content = (out / "disdukcapil.csv").read_bytes()
    agency = Agency.objects.create(code="capil", name="CAPIL", kind=AgencyKind.CIVIL_REGISTRY)
    dataset = Dataset.objects.create(
        agency=agency, name="penduduk", title="Penduduk", producer="CAPIL",
        access_level=AccessLevel.CLOSED,
    )  # fmt: skip
    operator = account_create(
        actor=None, username="op", password="Rahasia-Operator-2026", role=Role.OPERATOR,
        agency=agency,
    )  # fmt: skip
    client = session_client(url, operator)
    outcome: dict = {}

    def confirm():
        try:
            outcome["response"] = _upload_and_confirm(client, dataset, content)
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    request = threading.Thread(target=confirm)
    request.start()
    wait_for(copy_running, timeout=120, what="the web import's COPY")
    (worker,) = descendants(proc.pid)
    worker.kill()
    request.join(timeout=60)
    assert "error" in outcome or outcome["response"].status_code >= 500
    wait_for(lambda: not alive(worker), timeout=10, what="the killed worker to end")
    wait_for(lambda: not other_sessions(), timeout=10, what="its session to end")
    assert ImportBatch.objects.count() == 0  # rolled back whole
    assert agency_lock_seconds("capil") < 1.0
    # the master replaced its worker; the same file lands whole, once, linked
    wait_for(lambda: descendants(proc.pid), timeout=30, what="a new gunicorn worker")
    response = _upload_and_confirm(client, dataset, content)
    assert response.status_code == 302, response.text[:500]
    batch = ImportBatch.objects.get()
    assert_stored_once("capil", batch.rows_total - batch.rows_invalid)
    assert unlinked_current() == 0
    client.close()
