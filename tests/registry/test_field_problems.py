"""Row errors vs field problems (issue 13 item 6) and values that cannot be stored (issue 14
items 6 and 11): a field problem lands the row with the field empty, the value kept in
`original` and a flag; a row error refuses the row; nothing unstorable reaches COPY."""

import logging

import pytest
from django.core.management import CommandError, call_command

from linkage.normalize.record import FIELD_PROBLEMS
from linkage.schema import SOURCE_ID_MAX_LENGTH, TEXT_MAX_LENGTH
from registry.ingest import flags
from registry.ingest.reading import read_file
from registry.models import AidReceipt, Dataset, ImportBatch, SourceRecord
from registry.services.imports import records_import
from tests.registry.conftest import FAMILY, HEADER, write_csv

pytestmark = pytest.mark.django_db

ROWS = 12_150
FUTURE_LINE = 1737


def city_row(i: int) -> list[str]:
    """A distinct, clean person row number i (reliable NIK, known kelurahan)."""
    day, month = 1 + i % 28, 1 + (i // 28) % 12
    row = dict(zip(HEADER, FAMILY[0], strict=True))
    row.update(
        source_record_id=f"DS-{i}",
        nik=f"367101{day:02d}{month:02d}80{i % 10000:04d}",
        kk_number="",
        full_name=f"Warga Nomor {i}",
        birth_date=f"1980-{month:02d}-{day:02d}",
        address=f"Jl. Contoh No. {i}",
    )
    return [row[h] for h in HEADER]


@pytest.fixture
def dataset():
    from registry.models import Agency

    agency = Agency.objects.create(code="dinsos", name="DINSOS", kind="social_affairs")
    return Dataset.objects.create(agency=agency, name="dtks", title="DTKS", producer="Dinsos")


def test_a_file_with_one_future_birth_date_lands_whole_with_one_flag(tmp_path, dataset):
    rows = [city_row(i) for i in range(ROWS)]
    future = rows[FUTURE_LINE - 2]  # line 1 is the header
    future[HEADER.index("birth_date")] = "2062-05-17"  # a year typo: 1962
    parsed = read_file(write_csv(tmp_path / "dtks.csv", rows))
    outcome = records_import(dataset=dataset, parsed=parsed, file_name="dtks.csv")
    batch = outcome.batch
    assert (batch.status, batch.rows_new, batch.rows_invalid) == ("imported", ROWS, 0)
    assert SourceRecord.objects.count() == ROWS
    assert batch.problem_counts == {"birth_date:future": 1}
    assert batch.problems == [
        {
            "line": FUTURE_LINE,
            "field": "birth_date",
            "code": "birth_date:future",
            "value": "2062-05-17",
            "source_record_id": future[0],
        }
    ]
    record = SourceRecord.objects.get(source_record_id=future[0])
    assert record.birth_date is None
    assert record.original["birth_date"] == "2062-05-17"
    assert "birth_date:future" in record.flags
    assert flags.line_text(batch.problems[0]) == "baris 1737: tanggal lahir di masa depan"


def test_strict_refuses_the_file_and_names_line_and_field(tmp_path, capsys):
    rows = [list(r) for r in FAMILY]
    rows[1][HEADER.index("sex")] = "X"
    path = write_csv(tmp_path / "capil.csv", rows)
    args = ["import_records", "--agency", "capil", "--create-agency", "--strict", str(path)]
    with pytest.raises(CommandError):
        call_command(*args)
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected" and SourceRecord.objects.count() == 0
    assert batch.errors == [
        {"line": 3, "field": "sex", "reason": "sex:unknown", "source_record_id": "CAP-2"}
    ]
    # without --strict the same file lands, the row flagged and its sex empty
    call_command(*[a for a in args if a != "--strict"])
    record = SourceRecord.objects.get(source_record_id="CAP-2")
    assert (record.sex, record.original["sex"], record.flags) == ("", "X", ["sex:unknown"])
    out = capsys.readouterr().out
    assert "line 3: unknown sex code" in out or "baris 3: kode jenis kelamin tidak dikenal" in out


@pytest.mark.parametrize(
    ("column", "value", "field", "stored"),
    [
        ("death_date", "1950-01-01", "death_date", None),  # before the 1974 birth
        ("relationship", "TETANGGA", "relationship", ""),
        ("welfare_decile", "11", "welfare_decile", None),
        ("birth_date", "31/02/1974", "birth_date", None),
    ],
)
def test_field_problems_land_with_the_field_empty(tmp_path, dataset, column, value, field, stored):
    rows = [list(r) for r in FAMILY]
    rows[0][HEADER.index(column)] = value
    parsed = read_file(write_csv(tmp_path / "f.csv", rows))
    batch = records_import(dataset=dataset, parsed=parsed).batch
    assert batch.status == "imported" and batch.rows_new == 3
    record = SourceRecord.objects.get(source_record_id="CAP-1")
    assert getattr(record, field) == stored
    assert record.original[column] == value
    (problem,) = batch.problems
    assert (problem["line"], problem["field"], problem["value"]) == (2, field, value)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("source_record_id", "X" * (SOURCE_ID_MAX_LENGTH + 1)),
        ("source_record_id", "CAP\x001"),
        ("full_name", "SITI\x00AMINAH"),
        ("full_name", "A" * 201),
        ("address", "Jl. " + "B" * 300),
        ("amount", str(2**63)),
        ("amount", "1" + "0" * 30),
    ],
)
def test_unstorable_values_are_row_errors_before_copy(tmp_path, dataset, column, value, caplog):
    rows = [list(r) for r in FAMILY]
    rows[0][HEADER.index(column)] = value
    if column == "amount":
        rows[0][HEADER.index("program")], rows[0][HEADER.index("period")] = "PKH", "2026-Q1"
    parsed = read_file(write_csv(tmp_path / "f.csv", rows))
    with caplog.at_level(logging.DEBUG):
        batch = records_import(dataset=dataset, parsed=parsed).batch
    assert batch.status == "rejected"
    assert [(e["line"], e["field"]) for e in batch.errors] == [(2, column)]
    assert SourceRecord.objects.count() == AidReceipt.objects.count() == 0
    assert "COPY" not in caplog.text and "3671013008740001" not in caplog.text


def test_a_seventeen_digit_nik_lands_flagged_not_in_a_copy_error(tmp_path, dataset):
    rows = [list(r) for r in FAMILY]
    rows[0][HEADER.index("nik")] = "36710130087400011"
    parsed = read_file(write_csv(tmp_path / "f.csv", rows))
    batch = records_import(dataset=dataset, parsed=parsed).batch
    assert batch.status == "imported"
    record = SourceRecord.objects.get(source_record_id="CAP-1")
    assert (record.nik, record.nik_reliable) == ("", False)
    assert "nik:bad_length" in record.flags
    assert batch.problem_counts == {"nik:bad_length": 1}


def test_every_field_problem_has_a_label_and_a_field():
    assert flags.CATALOGUE.keys() >= FIELD_PROBLEMS
    for code, info in flags.CATALOGUE.items():
        assert str(info.label) and info.field, code


def test_storage_limits_are_the_columns_own():
    assert SourceRecord._meta.get_field("source_record_id").max_length == SOURCE_ID_MAX_LENGTH
    for column, limit in TEXT_MAX_LENGTH.items():
        assert SourceRecord._meta.get_field(column).max_length == limit, column


def test_integers_beyond_64_bits_land_as_digits(dataset):
    from registry.ingest.reading import ParsedFile

    row = dict(zip(HEADER, FAMILY[0], strict=True))
    row.update(nik=10**30, kk_number=-(10**25), rt=10**20)
    row = {k: v for k, v in row.items() if v != ""}
    batch = records_import(dataset=dataset, parsed=ParsedFile(rows=[(0, row)])).batch
    assert batch.status == "rejected"  # an RT of 10**20 cannot be stored: a row error
    assert [(e["line"], e["field"]) for e in batch.errors] == [(0, "rt")]
    del row["rt"]
    batch = records_import(dataset=dataset, parsed=ParsedFile(rows=[(0, row)])).batch
    assert batch.status == "imported"
    record = SourceRecord.objects.get()
    assert record.original["nik"] == str(10**30) and record.nik == ""
    assert "nik:bad_length" in record.flags
