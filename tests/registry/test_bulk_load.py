"""bulk_load: a city's first files in one transaction, the indexes built once at the end, each
file still its own batch that lands whole or not at all."""

from pathlib import Path

import pytest
from django.db import connection

from audit.models import AuditEvent
from registry.ingest.reading import read_file
from registry.models import Agency, AidReceipt, Dataset, ImportBatch, SourceRecord
from registry.services import imports
from registry.services.bulk_load import bulk_load, data_lines
from tests.registry.conftest import FAMILY, HEADER, indexes_and_constraints, write_csv

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "dinsos-penerima-bansos-2026.xlsx"
TABLES = (SourceRecord._meta.db_table, AidReceipt._meta.db_table)


def _dataset(code: str, kind: str) -> Dataset:
    agency = Agency.objects.create(code=code, name=code.upper(), kind=kind)
    return Dataset.objects.create(agency=agency, name=f"{code}-data", title=code, producer=code)


def _index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return {name for (name,) in cursor.fetchall()}


def _import(dataset: Dataset, path: Path, **kwargs) -> imports.ImportOutcome:
    return imports.records_import(dataset=dataset, parsed=read_file(path), **kwargs)


def test_files_land_together_and_the_indexes_are_built_once(tmp_path, per_file_rebuilds):
    before = [indexes_and_constraints(table) for table in TABLES]
    bad = [list(row) for row in FAMILY]
    bad[0][0] = "BAD-1"
    bad[0][HEADER.index("amount")] = "banyak"  # a row error (a sex "X" is only a flag)
    capil, dinsos = _dataset("capil", "civil_registry"), _dataset("dinsos", "social_affairs")
    files = [write_csv(tmp_path / "capil.csv", FAMILY), write_csv(tmp_path / "bad.csv", bad)]
    with bulk_load(data_lines(files) + 180) as rebuilt:  # the spreadsheet's 180 rows
        inside = _index_names(TABLES[0])
        first = _import(capil, files[0])
        rejected = _import(capil, files[1])
        receipts = _import(dinsos, SAMPLE)
        # each import reads its own batch back while the indexes are away
        assert len(first.new_record_ids) == 3 and len(receipts.new_record_ids) == 180
    assert rebuilt
    # only the batch key's index (and the constraints' own) stayed through the load
    assert any(name.endswith("batch_id_76af00d4") for name in inside)
    assert not {"record_nik_idx", "record_kk_idx", "rec_name_dob"} & inside
    assert not any(per_file_rebuilds)  # no file rebuilt anything of its own
    assert [indexes_and_constraints(table) for table in TABLES] == before
    assert rejected.batch.status == ImportBatch.Status.REJECTED
    assert SourceRecord.objects.filter(is_current=True).count() == 3 + 180
    assert not SourceRecord.objects.filter(source_record_id="BAD-1").exists()
    assert AidReceipt.objects.count() == 180
    outcomes = AuditEvent.objects.filter(action="records.import").values_list("outcome", flat=True)
    assert sorted(outcomes) == ["allowed", "allowed", "denied"]


def test_a_failed_load_lands_nothing_and_keeps_the_indexes(family_csv, per_file_rebuilds):
    before = [indexes_and_constraints(table) for table in TABLES]
    capil = _dataset("capil", "civil_registry")
    with pytest.raises(RuntimeError), bulk_load(10):
        _import(capil, family_csv)
        raise RuntimeError("the load stops half way")
    assert [indexes_and_constraints(table) for table in TABLES] == before
    assert not SourceRecord.objects.exists()
    assert not ImportBatch.objects.exists()


def test_a_small_load_into_a_large_table_keeps_its_indexes(
    family_csv, per_file_rebuilds, monkeypatch
):
    monkeypatch.setattr("registry.bulk_write.REBUILD_SHARE", 0.5)
    capil = _dataset("capil", "civil_registry")
    _import(capil, family_csv)
    rows = [[f"CAP-{n}", *row[1:]] for n, row in enumerate(FAMILY * 4, start=10)]
    path = write_csv(family_csv.parent / "more.csv", rows[:1])
    with bulk_load(data_lines([path]) - 1) as rebuilt:  # 1 data row against 3 stored
        assert "record_nik_idx" in _index_names(TABLES[0])
        _import(capil, path)
    assert not rebuilt
    assert SourceRecord.objects.count() == 4


def test_data_lines_counts_text_lines_only(tmp_path, family_csv):
    assert data_lines([family_csv]) == 1 + len(FAMILY)
    assert data_lines([family_csv, family_csv, SAMPLE]) == 2 * (1 + len(FAMILY))
