"""Submission throughput and single-record submit-and-link latency through the HTTP API.

Runs against a throwaway database on the configured PostgreSQL (the embedded one by default):
migrates it, serves the project with gunicorn the way docker-compose.yml does (sync workers,
DEBUG off), submits batches through POST /api/datasets/{id}/submissions, then drops the
database. Each batch is validated, stored and linked before its 201 answer.

    .venv/bin/python bench/api_bench.py --batches 20 --clients 2 --singles 50

Figures printed: the first batch on the empty registry (it runs the first full link: no
saved model yet) apart; then batches one at a time from one client; then --clients agencies
submitting at once (the web workers overlap validation and storage while one of them links:
linking itself is serialised by an advisory lock); then single-record latency (p50/p95).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import config.throwaway_env  # noqa: E402, F401 - per-run keys, debug off

os.environ.setdefault("SATUDATA_TEST_DB", "api_bench")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")


def person_record(i: int) -> dict:
    """A plausible, distinct city resident: citygen names, random kelurahan and birth date,
    a NIK built the Dukcapil way (region + birth date, +40 for women + a small sequence)."""
    import random

    from linkage.normalize.regions import RegionMatcher
    from registry.citygen.names import make_name, pick_group

    rnd = random.Random(i)
    kelurahan = rnd.choice(_kelurahan_codes(RegionMatcher))
    female = rnd.random() < 0.5
    year = rnd.randint(1940, 2024)
    month, day = rnd.randint(1, 12), rnd.randint(1, 28)
    region = kelurahan[:8].replace(".", "")
    nik_day = day + 40 if female else day
    return {
        "source_record_id": f"B-{i}",
        "nik": f"{region}{nik_day:02d}{month:02d}{year % 100:02d}{rnd.randint(1, 9):04d}",
        "kk_number": f"{region}{rnd.randint(1, 28):02d}{month:02d}{year % 100:02d}{i % 9999:04d}",
        "full_name": make_name(rnd, pick_group(rnd), female, year, "", ""),
        "sex": "P" if female else "L",
        "birth_place": "Tangerang",
        "birth_date": f"{year}-{month:02d}-{day:02d}",
        "address": f"Jl. Melati No. {rnd.randint(1, 200)}",
        "rt": str(rnd.randint(1, 12)),
        "rw": str(rnd.randint(1, 8)),
        "kelurahan": kelurahan,
        "program": "PKH" if i % 3 == 0 else "",
        "period": "2026-Q1" if i % 3 == 0 else "",
    }


_KELURAHAN: list[str] = []


def _kelurahan_codes(matcher_cls) -> list[str]:
    if not _KELURAHAN:
        matcher = matcher_cls.for_regency("36.71")
        _KELURAHAN.extend(code for code, _n, level, _k, _p in matcher.regions() if level == 4)
    return _KELURAHAN


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=20, help="batches per phase")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=2, help="agencies submitting at once")
    parser.add_argument("--singles", type=int, default=50, help="single-record submissions")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from api.services.tokens import token_create
    from registry.models import AccessLevel, Agency, AgencyKind, Dataset

    original_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = None
    try:
        targets = []
        for k in range(max(1, args.clients)):
            agency = Agency.objects.create(
                code=f"opd{k}", name=f"OPD {k}", kind=AgencyKind.SOCIAL_AFFAIRS
            )
            dataset = Dataset.objects.create(
                agency=agency, name="bansos", title="Bansos", producer=agency.name,
                access_level=AccessLevel.CLOSED,
            )  # fmt: skip
            secret = token_create(
                actor=None, agency=agency, name="bench", rate_limit_per_minute=10**6
            ).secret
            targets.append((f"/api/datasets/{dataset.pk}/submissions", secret))
        connection.close()  # the server's workers take over the database
        server, base = _serve(connection.settings_dict, workers=max(2, args.clients))
        ids = itertools.count()
        size = args.batch_size

        def bodies(n: int) -> list[bytes]:
            return [
                json.dumps({"records": [person_record(next(ids)) for _ in range(size)]}).encode()
                for _ in range(n)
            ]

        warm = _submit_all(base, targets[:1], bodies(1))
        print(f"first batch on the empty registry (runs the first full link): {warm[2][0]:.2f} s")
        total, seconds, per_batch = _submit_all(base, targets[:1], bodies(args.batches))
        print(
            f"one client: {total:,} records in {args.batches} batches of {size:,} in "
            f"{seconds:.2f} s = {total / seconds:,.0f} records/s (batch p50 "
            f"{statistics.median(per_batch):.3f} s, max {max(per_batch):.3f} s)"
        )
        if args.clients > 1:
            total, seconds, per_batch = _submit_all(base, targets, bodies(args.batches))
            print(
                f"{args.clients} clients at once: {total:,} records in {args.batches} batches in "
                f"{seconds:.2f} s = {total / seconds:,.0f} records/s (batch p50 "
                f"{statistics.median(per_batch):.3f} s, max {max(per_batch):.3f} s)"
            )
        latencies = _singles(base, targets[0], args.singles, ids)
        print(
            f"single-record submit-and-link latency over {args.singles} requests: "
            f"p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        connection.creation.destroy_test_db(original_name, verbosity=0)
        print(f"(dropped {test_name})")


def _database_url(db: dict) -> str:
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{user}{password}@{host}{port}/{db['NAME']}"


def _serve(db: dict, *, workers: int):
    """gunicorn on a free port against the bench database; returns (process, base url)."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(db),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(32),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "600",
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parent.parent)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/api/openapi.json", timeout=5).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            raise SystemExit("gunicorn did not start")
        time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not answer")


def _submit_all(base: str, targets, bodies: list[bytes]) -> tuple[int, float, list[float]]:
    """Submit the bodies, the targets (one client each) taking turns from a shared queue;
    returns (records stored, wall seconds, seconds per batch)."""
    import httpx

    queue = list(enumerate(bodies))
    lock = threading.Lock()
    done: list[tuple[int, float]] = []

    def client(target) -> None:
        path, secret = target
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        with httpx.Client(base_url=base, timeout=600) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    b, body = queue.pop(0)
                t0 = time.perf_counter()
                response = http.post(
                    path, content=body, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}
                )
                elapsed = time.perf_counter() - t0
                if response.status_code != 201:
                    raise SystemExit(f"batch {b}: {response.status_code} {response.text[:300]}")
                answer = response.json()
                assert answer["linking"] == "done", answer["linking"]
                with lock:
                    done.append((answer["counts"]["new"], elapsed))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if len(done) != len(bodies):
        raise SystemExit("a client failed")
    return sum(n for n, _ in done), seconds, [s for _, s in done]


def _singles(base: str, target, count: int, ids) -> list[float]:
    import httpx

    path, secret = target
    headers = {"Authorization": f"Bearer {secret}"}
    latencies = []
    with httpx.Client(base_url=base, timeout=600) as http:
        for _ in range(count):
            record = person_record(next(ids))
            t0 = time.perf_counter()
            response = http.post(
                path,
                json={"records": [record]},
                headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
            )
            latencies.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 201, response.text[:300]
            assert response.json()["records"][0]["person_id"], "not linked"
    return latencies


if __name__ == "__main__":
    main()
