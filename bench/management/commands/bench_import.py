"""python manage.py bench_import --persons 200000: import throughput of a generated city.

Prints records/s for the whole import path (read + validate/normalise + COPY + aid receipts)
and, measured in the same run on the same files as baselines, the time PostgreSQL alone needs
to COPY the raw CSV text and the time to only read the files. Everything it writes is rolled
back (after the deferred foreign-key checks a commit would run), so it can run against any
database without leaving data behind.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from registry.ingest.copy import copy_in
from registry.ingest.reading import read_file
from registry.models import AccessLevel, Agency, Dataset
from registry.services.imports import records_import

TARGET = 20_000
RAW_COPY = "COPY bench_raw (line) FROM STDIN WITH (FORMAT text, DELIMITER E'\\x01')"


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Benchmark: import a generated city and print records/s against baselines."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=200000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--dir", default="")

    def handle(self, *args, **opts):
        city = Path(opts["dir"] or f"var/bench-city-{opts['persons']}")
        if not (city / "agencies.csv").exists():
            call_command("generate_city", persons=opts["persons"], seed=opts["seed"], out=str(city))
        with (city / "agencies.csv").open(encoding="utf-8") as handle:
            manifest = list(csv.DictReader(handle))
        files = [(row, city / row["file"]) for row in manifest]

        started = time.perf_counter()
        parsed = {path: read_file(path) for _, path in files}
        read_seconds = time.perf_counter() - started
        records = sum(len(p.rows) for p in parsed.values())

        raw_copy_seconds = self._raw_copy_seconds([path for _, path in files])
        import_seconds = self._import_seconds(files)
        command_seconds = self._command_seconds(files)

        def rate(seconds: float) -> str:
            return f"{records / seconds:>10,.0f} records/s  ({seconds:6.1f} s)"

        self.stdout.write(f"city: {opts['persons']:,} persons, {records:,} records in {city}")
        self.stdout.write(f"  full import (read+validate+COPY) {rate(import_seconds)}")
        self.stdout.write(f"  manage.py import_records, each file {rate(command_seconds)}")
        self.stdout.write(f"  baseline: read files only         {rate(read_seconds)}")
        self.stdout.write(f"  baseline: raw COPY of CSV text    {rate(raw_copy_seconds)}")
        verdict = "met" if records / import_seconds >= TARGET else "NOT met"
        self.stdout.write(
            f"  import time / raw COPY time = {import_seconds / raw_copy_seconds:.1f}x; "
            f"target >= {TARGET:,} records/s: {verdict}"
        )

    def _raw_copy_seconds(self, paths: list[Path]) -> float:
        """What PostgreSQL alone needs: COPY the file text into an unindexed text table."""
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("CREATE TEMP TABLE bench_raw (line text)")
                    started = time.perf_counter()
                    for path in paths:
                        with path.open(encoding="utf-8-sig") as handle:
                            copy_in(cursor, RAW_COPY, handle)
                    seconds = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            return seconds

    def _import_seconds(self, files) -> float:
        try:
            with transaction.atomic():
                started = time.perf_counter()
                for row, path in files:
                    agency = Agency.objects.create(
                        code=f"bench-{row['code']}", name=row["name"], kind=row["kind"]
                    )
                    dataset = Dataset.objects.create(
                        agency=agency,
                        name=row["dataset_name"],
                        title=row["dataset_title"],
                        producer=agency.name,
                        access_level=AccessLevel.CLOSED,
                    )
                    outcome = records_import(
                        dataset=dataset, parsed=read_file(path), file_name=path.name,
                        skip_invalid=True,
                    )  # fmt: skip
                    self.stdout.write(
                        f"  {path.name}: {outcome.batch.rows_new:,} stored, "
                        f"{outcome.batch.rows_invalid:,} invalid"
                    )
                with connection.cursor() as cursor:
                    # The deferred foreign-key checks a commit would run, run and timed here
                    # (the rollback below would otherwise skip them).
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            return seconds

    def _command_seconds(self, files) -> float:
        """The walidata's path: `manage.py import_records` on every file (in this process,
        in a transaction rolled back like the others; its queued link is rolled back too)."""
        try:
            with transaction.atomic():
                started = time.perf_counter()
                for row, path in files:
                    call_command(
                        "import_records", str(path), "--agency", f"benchcmd-{row['code']}",
                        "--create-agency", "--agency-kind", row["kind"], "--skip-invalid",
                        stdout=self.stdout._out, stderr=self.stderr._out,
                    )  # fmt: skip
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            return seconds
