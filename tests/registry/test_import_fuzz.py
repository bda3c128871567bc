"""Fuzz pass of the importer service (issue 14, "Done means"): generated CSV/XLSX files
(random and real headers, encodings, delimiters, control characters, huge numbers, far cells;
tests/fuzz_files.py) read and imported: no exception but a whole-file FileFormatError that
says why; every refused row named by line and field; the peak memory printed. The web and API
passes are tests/web/test_upload_fuzz.py and tests/api/test_upload_fuzz.py; the long run is
bench/import_fuzz.py."""

from __future__ import annotations

import pytest
from hypothesis import given

from registry.ingest.reading import FileFormatError, read_upload
from registry.models import Agency, Dataset
from registry.services.imports import records_import
from tests.fuzz_files import FUZZ, agency_files, assert_named, print_peak  # noqa: F401


@pytest.mark.django_db
@pytest.mark.usefixtures("print_peak")
@FUZZ
@given(file=agency_files)
def test_importer_service(file):
    agency, _ = Agency.objects.get_or_create(code="fuzz", defaults={"name": "FUZZ"})
    dataset, _ = Dataset.objects.get_or_create(agency=agency, name="fuzz", defaults={"title": "F"})
    name, content = file
    try:
        parsed = read_upload(name, content)
    except FileFormatError as exc:
        assert str(exc)
        return
    for skip_invalid in (False, True):
        outcome = records_import(dataset=dataset, parsed=parsed, skip_invalid=skip_invalid)
        batch = outcome.batch
        assert batch.status in ("imported", "partial", "rejected")
        assert_named(batch.errors)
        for problem in batch.problems:
            assert problem["line"] and problem["field"] and problem["code"]
        if batch.status == "rejected":
            assert batch.errors
