"""The importer's long fuzz run: many generated agency files, up to the upload limits, read
and validated (dry run) or imported; prints how they ended and the process's peak memory.

    DATABASE_URL=postgresql://.../scratch_db .venv/bin/python -m bench.import_fuzz \
        [--examples 500] [--max-rows 5000] [--import] [--seed 1]

The unit-sized pass is in the test suite (tests/*/test_*fuzz.py, tests/fuzz_files.py); this
one adds large files (rows up to --max-rows, near UPLOAD_MAX_BYTES) and, every tenth file, a
spreadsheet bomb (a far cell, a zip bomb): each must end as a ParsedFile or a FileFormatError,
never another exception, with peak memory bounded. --import stores the files under a scratch
agency "fuzz" of the database (never run it against a real registry).
"""

from __future__ import annotations

import argparse
import collections
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def vm_hwm_mib() -> float:
    """Peak resident memory of this process (kernel's VmHWM), MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--max-rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--import", dest="do_import", action="store_true")
    args = parser.parse_args()
    django.setup()

    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st

    from registry.ingest.reading import FileFormatError, FileTooLarge, read_upload
    from registry.services.imports import validate_rows
    from tests.fuzz_files import csv_files, xlsx_files
    from tests.registry.test_read_limits import workbook, zip_bomb

    bombs = st.sampled_from(
        [
            ("corner.xlsx", workbook({"A1": "ID", "XFD1048576": "x"})),
            ("bomb.xlsx", zip_bomb(64 * 1024 * 1024)),
            ("wide.csv", ("," * 1_000_000 + "\n").encode()),
        ]
    )
    # hypothesis draws short lists; large files come from a drawn file's data lines repeated
    large = st.builds(_scaled, csv_files(max_rows=30), st.integers(1, args.max_rows))
    files = st.one_of(
        csv_files(max_rows=args.max_rows), xlsx_files(max_rows=args.max_rows // 10), large, bombs
    )
    outcome: collections.Counter[str] = collections.Counter()
    rows_read = 0
    dataset = _scratch_dataset() if args.do_import else None
    from linkage.normalize.regions import RegionMatcher

    regions = RegionMatcher.for_regency("36.71")
    started = time.perf_counter()

    @seed(args.seed)
    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(file=files)
    def run(file):
        nonlocal rows_read
        name, content = file
        try:
            parsed = read_upload(name, content)
        except FileTooLarge:
            outcome["refused 413"] += 1
            return
        except FileFormatError:
            outcome["refused 422"] += 1
            return
        rows_read += len(parsed.rows)
        if dataset is None:
            validation = validate_rows(parsed.rows, regions=regions)
            outcome["read, rows refused" if validation.errors else "read, all rows valid"] += 1
            return
        from registry.services.imports import records_import

        batch = records_import(dataset=dataset, parsed=parsed, skip_invalid=True).batch
        outcome[f"import {batch.status}"] += 1

    run()
    seconds = time.perf_counter() - started
    print(f"examples {sum(outcome.values())}, rows read {rows_read:,}, {seconds:.1f} s")  # noqa: T201
    for key, count in sorted(outcome.items()):
        print(f"  {key}: {count}")  # noqa: T201
    print(f"peak RSS (VmHWM) {vm_hwm_mib():.0f} MiB")  # noqa: T201


def _scaled(file: tuple[str, bytes], rows: int) -> tuple[str, bytes]:
    """The file with its data lines repeated up to about `rows` lines."""
    name, content = file
    head, newline, body = content.partition(b"\n")
    if not body:
        return name, content
    lines = max(1, body.count(b"\n"))
    return name, head + newline + body * max(1, rows // lines)


def _scratch_dataset():
    from registry.models import Agency, Dataset

    agency, _ = Agency.objects.get_or_create(code="fuzz", defaults={"name": "FUZZ"})
    dataset, _ = Dataset.objects.get_or_create(agency=agency, name="fuzz", defaults={"title": "F"})
    return dataset


if __name__ == "__main__":
    main()
