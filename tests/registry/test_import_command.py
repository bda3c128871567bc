"""`manage.py import_records` itself, on generated city files of real size (a file of 5,000
rows or more used to crash on its progress bar: 'Command' object has no attribute
'verbosity'), in-process and as a real process, as the README tells a walidata to run it."""

from __future__ import annotations

import csv
import io
import os
import time

import pytest
from django.core.management import call_command

from registry.models import ImportBatch, SourceRecord
from registry.services.submit import unlinked_records
from tests.faults.processes import manage


@pytest.fixture(scope="module")
def city_6000(tmp_path_factory):
    out = tmp_path_factory.mktemp("city6000")
    call_command("generate_city", persons=6000, seed=5, out=str(out), stdout=io.StringIO())
    return out


def _manifest(out):
    with (out / "agencies.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _data_rows(path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1


@pytest.mark.django_db(transaction=True)
def test_call_command_on_a_file_of_more_than_5000_rows(city_6000):
    path = city_6000 / "disdukcapil.csv"
    rows = _data_rows(path)
    assert rows >= 5000
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_records", str(path), "--agency", "disdukcapil", "--create-agency",
        "--agency-kind", "civil_registry", "--skip-invalid", stdout=out, stderr=err,
    )  # fmt: skip
    batch = ImportBatch.objects.get()
    assert batch.rows_total == rows
    assert SourceRecord.objects.count() == batch.rows_new == rows - batch.rows_invalid
    assert "linking pending" in out.getvalue()  # queued for the worker, said so
    assert "validating" in err.getvalue()  # the progress bar ran (verbosity 1)


@pytest.mark.django_db(transaction=True)
def test_import_records_process_on_every_file_then_link(city_6000):
    expected = 0
    manifest = _manifest(city_6000)
    for agency in manifest:
        if agency is manifest[-1]:
            # the last file arrives after a link: `link` must place its records too
            linked = manage("link")
            assert linked.returncode == 0, linked.stderr
            assert unlinked_records() == []
        done = manage(
            "import_records", str(city_6000 / agency["file"]), "--agency", agency["code"],
            "--create-agency", "--agency-kind", agency["kind"], "--skip-invalid",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"{agency['file']}: " in done.stdout
        expected += _data_rows(city_6000 / agency["file"])
    invalid = sum(b.rows_invalid for b in ImportBatch.objects.all())
    assert SourceRecord.objects.count() == expected - invalid
    # `link` (not --full) places every stored, unlinked record
    linked = manage("link")
    assert linked.returncode == 0, linked.stderr
    assert unlinked_records() == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_import_records_on_every_file_of_a_200000_person_city(tmp_path):
    """The README's walidata path at real size: every file of a 200,000-person city through
    `manage.py import_records` as a process (about a minute of import on this box). Set
    SATUDATA_SKIP_BIG_CITY=1 to leave it out of a quick local run."""
    if os.environ.get("SATUDATA_SKIP_BIG_CITY"):
        pytest.skip("SATUDATA_SKIP_BIG_CITY is set")
    out = tmp_path / "city"
    generated = manage("generate_city", "--persons", "200000", "--seed", "7", "--out", str(out))
    assert generated.returncode == 0, generated.stderr
    expected, started = 0, time.perf_counter()
    for agency in _manifest(out):
        done = manage(
            "import_records", str(out / agency["file"]), "--agency", agency["code"],
            "--create-agency", "--agency-kind", agency["kind"], "--skip-invalid",
            timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        expected += _data_rows(out / agency["file"])
    seconds = time.perf_counter() - started
    invalid = sum(b.rows_invalid for b in ImportBatch.objects.all())
    stored = SourceRecord.objects.count()
    assert expected > 550_000
    assert stored == expected - invalid
    print(f"import_records, 200,000-person city: {stored:,} records in {seconds:.1f} s")
