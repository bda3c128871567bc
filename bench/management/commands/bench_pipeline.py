"""python manage.py bench_pipeline --persons 200000: the whole path of a record, measured.

Generates a city (or reuses it), imports every agency file, runs a full link, scores the
links against the ground truth, then submits single records one at a time (import + link on
arrival) and prints p50/p95 latency. Run it against an empty database: it keeps its data so
the profile-read and API benchmarks can use the loaded city afterwards.
"""

from __future__ import annotations

import csv
import gc
import random
import statistics
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from bench.memory import StepPeaks, peak_rss_mib
from registry.citygen.variants import random_kinds, row_variant
from registry.ingest.reading import ParsedFile, read_file
from registry.linking import link, link_new_records
from registry.linking.records import person_public_ids
from registry.memory import release_free_memory
from registry.models import AccessLevel, Agency, Dataset, SourceRecord
from registry.services.bulk_load import bulk_load, data_lines
from registry.services.imports import records_import


class Command(BaseCommand):
    help = "Benchmark import, full link, F1 and single-record submit-and-link latency."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=200000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--singles", type=int, default=200)
        parser.add_argument(
            "--import-only",
            action="store_true",
            help="stop after the import (keep the database as a template for link experiments: "
            "CREATE DATABASE x TEMPLATE it, then manage.py link --full against x)",
        )
        parser.add_argument(
            "--singles-only",
            action="store_true",
            help="only the single-record latency, on a city this command loaded before",
        )

    def handle(self, *args, **opts):
        city = Path(f"var/bench-city-{opts['persons']}")
        if opts["singles_only"]:
            datasets = {d.agency.code: d for d in Dataset.objects.select_related("agency")}
            self._singles(city, datasets, opts["singles"])
            return
        if SourceRecord.objects.exists():
            raise CommandError("run against an empty database (set DATABASE_URL to a fresh one)")
        if not (city / "agencies.csv").exists():
            call_command("generate_city", persons=opts["persons"], seed=opts["seed"], out=str(city))
        with (city / "agencies.csv").open(encoding="utf-8") as handle:
            manifest = list(csv.DictReader(handle))

        started = time.perf_counter()
        records = 0
        datasets = {}
        # a city's first load: one transaction, the record indexes built once at the end
        with bulk_load(data_lines(city / row["file"] for row in manifest)):
            for row in manifest:
                agency = Agency.objects.create(code=row["code"], name=row["name"], kind=row["kind"])
                dataset = Dataset.objects.create(
                    agency=agency, name=row["dataset_name"], title=row["dataset_title"],
                    producer=agency.name, access_level=AccessLevel.CLOSED,
                )  # fmt: skip
                datasets[row["code"]] = dataset
                parsed = read_file(city / row["file"])
                records += len(parsed.rows)
                records_import(
                    dataset=dataset, parsed=parsed, file_name=row["file"], skip_invalid=True
                )
                del parsed  # before the next file is parsed
        import_seconds = time.perf_counter() - started
        self.stdout.write(
            f"import: {records:,} records in {import_seconds:.1f} s = "
            f"{records / import_seconds:,.0f} records/s"
        )

        import_peak = peak_rss_mib()
        if opts["import_only"]:
            self.stdout.write(f"import peak RSS {import_peak:,.0f} MiB")
            return
        # the import's freed memory goes back to the kernel: it must not count against the link
        gc.collect()
        release_free_memory()
        started = time.perf_counter()
        steps = StepPeaks()  # restarts the peak counter at the start and after every step
        summary = link(full=True, on_step=steps)
        link_seconds = time.perf_counter() - started
        link_peak = max(steps.peaks.values(), default=peak_rss_mib())
        self.stdout.write(
            f"link --full: {summary.records:,} records in {link_seconds:.1f} s "
            f"({summary.records / link_seconds:,.0f} records/s), peak RSS {link_peak:,.0f} "
            f"MiB (import: {import_peak:,.0f} MiB), "
            f"{summary.engine.get('candidate_pairs', 0):,} pairs "
            f"compared, phases {', '.join(f'{k} {v:.1f}s' for k, v in summary.seconds.items())}; "
            f"peak RSS per phase (MiB) "
            f"{', '.join(f'{k} {v:,.0f}' for k, v in steps.peaks.items())}"
        )
        call_command("evaluate_links", str(city / "truth.csv"))
        self._singles(city, datasets, opts["singles"])

    def _singles(self, city: Path, datasets: dict, count: int) -> None:
        """Known people arriving one by one, as an API submission would: each a variant of a
        stored Dinsos row (NIK or KK dropped, a name typo, a birth year one off, day and
        month swapped), which should join the person the full link gave that row."""
        parsed = read_file(city / "dinsos.csv")
        rng = random.Random(1)
        sample = rng.sample(parsed.rows, min(count, len(parsed.rows)))
        expected = person_public_ids(
            datasets["dinsos"].agency, [row["source_record_id"] for _, row in sample]
        )
        latencies, linking, joined = [], [], 0
        for index, (line, row) in enumerate(sample):
            variant = row_variant(row, random_kinds(rng), rng)
            record = dict(variant, source_record_id=f"BENCH-{time.time_ns()}-{index}")
            started = time.perf_counter()
            outcome = records_import(
                dataset=datasets["dinsos"], parsed=ParsedFile(rows=[(line, record)]),
                channel="api",
            )  # fmt: skip
            imported = time.perf_counter()
            placed = link_new_records(outcome.new_record_ids)
            done = time.perf_counter()
            latencies.append((done - started) * 1000)
            linking.append((done - imported) * 1000)
            joined += placed.get(outcome.new_record_ids[0]) == expected.get(row["source_record_id"])
        self.stdout.write(
            f"single record submit+link ({len(latencies)} records): {_figures(latencies)}; "
            f"of which linking (link_new_records): {_figures(linking)}; joined the person of "
            f"the row they vary: {joined}/{len(sample)} ({joined / max(1, len(sample)):.1%})"
        )


def _figures(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms"
