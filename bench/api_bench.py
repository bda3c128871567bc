"""Submission throughput and single-record submit-and-link latency through the HTTP API.

Runs against a throwaway database on the configured PostgreSQL (the embedded one by default):
migrates it, serves the project with Django's threaded live-server (the same WSGI stack as the
tests), submits batches through POST /api/datasets/{id}/submissions, then drops the database.

    SATUDATA_TEST_DB=api_bench .venv/bin/python bench/api_bench.py --batches 10 --singles 50
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
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
    parser.add_argument("--batches", type=int, default=10, help="batches of --batch-size")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--singles", type=int, default=50, help="single-record submissions")
    args = parser.parse_args()

    import django

    django.setup()
    import httpx
    from django.conf import settings
    from django.db import connection
    from django.test.testcases import LiveServerThread, _StaticFilesHandler

    from api.services.tokens import token_create
    from registry.models import AccessLevel, Agency, AgencyKind, Dataset

    settings.API_ASYNC_THRESHOLD = max(settings.__dict__.get("API_ASYNC_THRESHOLD", 0), 10**6)
    original_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = LiveServerThread("localhost", _StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    try:
        agency = Agency.objects.create(code="dinsos", name="Dinsos", kind=AgencyKind.SOCIAL_AFFAIRS)
        dataset = Dataset.objects.create(
            agency=agency, name="bansos", title="Bansos", producer="Dinsos",
            access_level=AccessLevel.CLOSED,
        )  # fmt: skip
        secret = token_create(
            actor=None, agency=agency, name="bench", rate_limit_per_minute=10**6
        ).secret
        url = f"http://{server.host}:{server.port}/api/datasets/{dataset.pk}/submissions"
        auth = {"Authorization": f"Bearer {secret}"}
        with httpx.Client(timeout=600) as client:
            total, started = 0, time.perf_counter()
            batch_seconds = []
            for b in range(args.batches):
                records = [person_record(b * args.batch_size + i) for i in range(args.batch_size)]
                t0 = time.perf_counter()
                response = client.post(
                    url,
                    json={"records": records},
                    headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
                )
                batch_seconds.append(time.perf_counter() - t0)
                if response.status_code != 201:
                    raise SystemExit(f"batch {b}: {response.status_code} {response.text[:300]}")
                body = response.json()
                assert body["linking"] == "done", body["linking"]
                total += body["counts"]["new"]
            elapsed = time.perf_counter() - started
            print(
                f"throughput: {total} records in {args.batches} batches of {args.batch_size} "
                f"in {elapsed:.2f}s = {total / elapsed:,.0f} records/s "
                f"(batch p50 {statistics.median(batch_seconds):.3f}s, "
                f"max {max(batch_seconds):.3f}s; validated, stored and linked)"
            )
            latencies = []
            base = args.batches * args.batch_size + 1_000_000
            for i in range(args.singles):
                t0 = time.perf_counter()
                response = client.post(
                    url,
                    json={"records": [person_record(base + i)]},
                    headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
                )
                latencies.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 201, response.text[:300]
                assert response.json()["records"][0]["person_id"], "not linked"
            print(
                f"single-record submit-and-link latency over {args.singles} requests: "
                f"p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms"
            )
    finally:
        server.terminate()
        connection.creation.destroy_test_db(original_name, verbosity=0)
        print(f"(dropped {test_name})")


if __name__ == "__main__":
    main()
