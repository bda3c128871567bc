"""Import: header variants, date formats, NIK cleaning, all-or-nothing, re-import, versions."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from registry.models import AidReceipt, Dataset, ImportBatch, SourceRecord
from registry.services import imports
from tests.registry.conftest import FAMILY, HEADER, indexes_and_constraints, write_csv

pytestmark = pytest.mark.django_db

# A copy of shared/data/samples/dinsos-penerima-bansos-2026.xlsx, as the agency sent it.
SAMPLE = Path(__file__).parent / "data" / "dinsos-penerima-bansos-2026.xlsx"


def run_import(*files, agency="capil", extra=()):
    call_command(
        "import_records",
        "--agency",
        agency,
        "--create-agency",
        "--agency-kind",
        "civil_registry",
        *extra,
        *map(str, files),
        verbosity=0,
    )


def test_family_csv_lands_with_normalised_values_and_originals(family_csv):
    run_import(family_csv)
    record = SourceRecord.objects.get(source_record_id="CAP-2")
    assert record.is_current and record.version == 1
    assert record.birth_date == dt.date(1966, 2, 18)
    assert record.sex == "P"
    assert record.nik == "3671015802660001" and record.nik_reliable
    assert record.kelurahan_code == "36.71.01.1003" or record.kelurahan_code.startswith("36.71.01")
    assert record.original["full_name"] == "Fatimah"
    assert record.original["birth_date"] == "1966-02-18"
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_total, batch.rows_new) == ("imported", 3, 3)
    event = AuditEvent.objects.get(action="records.import")
    assert event.object_id == str(batch.pk) and event.outcome == "allowed"


INDONESIAN_HEADER_VARIANTS = [
    ("NIK", "nik"),
    ("NO KK", "kk_number"),
    ("NOMOR KK", "kk_number"),
    ("NO_KK", "kk_number"),
    ("NAMA", "full_name"),
    ("NAMA LENGKAP", "full_name"),
    ("JENIS KELAMIN", "sex"),
    ("JK", "sex"),
    ("TEMPAT LAHIR", "birth_place"),
    ("TANGGAL LAHIR", "birth_date"),
    ("TGL LAHIR", "birth_date"),
    ("ALAMAT", "address"),
    ("KELURAHAN", "kelurahan"),
    ("DESA", "kelurahan"),
    ("KECAMATAN", "kecamatan"),
    ("HUBUNGAN KELUARGA", "relationship"),
    ("SHDK", "relationship"),
    ("TANGGAL KEMATIAN", "death_date"),
    ("DESIL", "welfare_decile"),
    ("PROGRAM", "program"),
    ("JENIS BANTUAN", "program"),
    ("PERIODE", "period"),
    ("NOMINAL", "amount"),
]


@pytest.mark.parametrize(("indonesian", "field"), INDONESIAN_HEADER_VARIANTS)
def test_indonesian_headers_map_without_configuration(tmp_path, indonesian, field):
    header = [indonesian if h == field else h for h in HEADER]
    row = list(FAMILY[0])
    if field in {"death_date", "welfare_decile", "program", "period", "amount"}:
        values = {
            "death_date": "2025-01-02",
            "welfare_decile": "3",
            "program": "PKH",
            "period": "2026-Q1",
            "amount": "750000",
        }
        row[HEADER.index(field)] = values[field]
        if field in {"program", "period", "amount"}:
            for other in ("program", "period", "amount"):
                row[HEADER.index(other)] = values[other]
    run_import(write_csv(tmp_path / "f.csv", [row], header=header))
    record = SourceRecord.objects.get()
    original_key = field
    assert record.original[original_key] == row[HEADER.index(field)]


@pytest.mark.parametrize("written", ["1974-08-30", "30-08-1974", "30/08/1974", "27271", "27271.0"])
def test_birth_date_formats(tmp_path, written):
    row = list(FAMILY[0])
    row[HEADER.index("birth_date")] = written
    run_import(write_csv(tmp_path / "f.csv", [row]))
    assert SourceRecord.objects.get().birth_date == dt.date(1974, 8, 30)


def test_semicolon_bom_and_rt_rw_in_one_column(tmp_path):
    header = ["NO", "ID", "NIK", "NAMA LENGKAP", "JK", "TGL LAHIR", "ALAMAT", "RT/RW", "DESA",
              "KECAMATAN"]  # fmt: skip
    rows = [["1", "X-1", "3671013008740001", "INMAM", "LAKI-LAKI", "30/08/1974",
             "JL Ki Samaun No. 80", "011/012", "SUKARASA", "TANGERANG"]]  # fmt: skip
    run_import(write_csv(tmp_path / "f.csv", rows, header=header, delimiter=";", bom=True))
    record = SourceRecord.objects.get()
    assert (record.source_record_id, record.rt, record.rw, record.sex) == ("X-1", 11, 12, "L")


@pytest.mark.parametrize(
    ("written", "value", "reliable", "flag"),
    [
        ("3671 0130 0874 0001", "3671013008740001", True, None),
        ("3671.0130.0874.0001", "3671013008740001", True, None),
        ("'3671013008740001", "3671013008740001", True, None),
        ("3.67101E+15", None, False, "nik:excel_damaged"),
        ("3671013008740000.0", "3671013008740000", False, "nik:excel_damaged"),
        ("3671010310080006", "3671010310080006", False, "nik:kk_in_nik"),
        ("36710130087", None, False, "nik:bad_length"),
        ("", "", False, "nik:missing"),
    ],
)
def test_nik_cleaned_checked_and_flagged_never_dropped(tmp_path, written, value, reliable, flag):
    row = list(FAMILY[0])
    row[HEADER.index("nik")] = written
    run_import(write_csv(tmp_path / "f.csv", [row]))
    record = SourceRecord.objects.get()
    if value is not None:
        assert record.nik == value
    assert record.nik_reliable is reliable
    if flag:
        assert flag in record.flags
    assert record.original.get("nik", "") == written


def test_nik_whose_sex_and_date_disagree_is_flagged(tmp_path):
    row = list(FAMILY[1])  # a woman: NIK day 58 = 18 + 40
    row[HEADER.index("sex")] = "L"
    row[HEADER.index("birth_date")] = "1966-02-19"
    run_import(write_csv(tmp_path / "f.csv", [row]))
    flags = SourceRecord.objects.get().flags
    assert "nik:sex_mismatch" in flags and "nik:date_mismatch" in flags


def test_bad_rows_land_nothing_and_every_bad_row_is_named(tmp_path, capsys):
    rows = [list(r) for r in FAMILY]
    rows[0][HEADER.index("birth_date")] = "31/02/1974"
    rows[2][HEADER.index("full_name")] = ""
    rows[2][HEADER.index("nik")] = rows[2][HEADER.index("kk_number")] = ""  # no name, no id
    rows.append(list(FAMILY[1]))  # duplicate source_record_id CAP-2
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(CommandError):
        run_import(path, extra=["--strict"])  # strict: the impossible date is an error too
    assert SourceRecord.objects.count() == 0
    assert AidReceipt.objects.count() == 0
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    named = {(e["line"], e["field"]) for e in batch.errors}
    assert {(2, "birth_date"), (4, "full_name"), (5, "source_record_id")} <= named
    assert AuditEvent.objects.get(action="records.import").outcome == "denied"


def test_skip_invalid_imports_only_the_valid_rows(tmp_path):
    rows = [list(r) for r in FAMILY]
    rows[0][HEADER.index("source_record_id")] = ""
    run_import(write_csv(tmp_path / "bad.csv", rows), extra=["--skip-invalid"])
    assert set(SourceRecord.objects.values_list("source_record_id", flat=True)) == {
        "CAP-2",
        "CAP-3",
    }
    assert ImportBatch.objects.get().status == "partial"


@pytest.fixture(params=["probe", "scan"])
def current_versions_read(request, monkeypatch):
    """Both ways the importer reads the current versions: by the batch's ids, or whole."""
    if request.param == "scan":
        monkeypatch.setattr(imports, "PROBE_CURRENT_MAX_ROWS", 0)


def test_reimport_is_a_no_op(family_csv, current_versions_read):
    run_import(family_csv)
    call_command("link", verbosity=0)
    rows = SourceRecord.objects.order_by("id").values_list("id", "version", "link__person")
    before = list(rows)
    run_import(family_csv)
    call_command("link", verbosity=0)
    after = list(rows.all())
    assert before == after
    latest = ImportBatch.objects.order_by("-id").first()
    assert (latest.rows_unchanged, latest.rows_new, latest.rows_changed) == (3, 0, 0)


def test_changed_row_makes_a_new_version_and_keeps_the_old(
    tmp_path, family_csv, current_versions_read
):
    run_import(family_csv)
    rows = [list(r) for r in FAMILY]
    rows[1][HEADER.index("address")] = "Jl. Ki Samaun No. 81"
    run_import(write_csv(tmp_path / "v2.csv", rows))
    versions = SourceRecord.objects.filter(source_record_id="CAP-2").order_by("version")
    assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
    assert versions[0].original["address"] == "Jl. Ki Samaun No. 80"
    assert versions[1].house_number == "81"
    assert SourceRecord.objects.filter(is_current=True).count() == 3


def test_real_agency_spreadsheet_sample_reads_as_it_is():
    call_command(
        "import_records",
        "--agency",
        "dinsos",
        "--create-agency",
        "--agency-kind",
        "social_affairs",
        str(SAMPLE),
        verbosity=0,
    )
    batch = ImportBatch.objects.get()
    assert batch.status == "imported"
    assert batch.rows_total == 180
    assert {s["reason"] for s in batch.skipped} >= {"title row above the header", "total row"}
    assert AidReceipt.objects.count() == 180
    damaged = SourceRecord.objects.get(source_record_id="DINSOS-0000006")
    assert "nik:excel_damaged" in damaged.flags and not damaged.nik_reliable
    assert Dataset.objects.get().access_level == "closed"


def test_a_bulk_load_rebuilds_the_record_indexes_and_batch_key(per_file_rebuilds):
    tables = (SourceRecord._meta.db_table, AidReceipt._meta.db_table)
    before = [indexes_and_constraints(table) for table in tables]
    assert any("FOREIGN KEY (batch_id)" in definition for _, definition in before[0])
    run_import(SAMPLE, agency="dinsos")
    run_import(SAMPLE, agency="dinsos")  # re-sent: nothing new, so nothing is rebuilt
    # records then aid receipts of the first load, then of the second
    assert per_file_rebuilds == [True, True, False, False]
    assert [indexes_and_constraints(table) for table in tables] == before
    assert SourceRecord.objects.filter(is_current=True).count() == 180
    assert AidReceipt.objects.count() == 180
    assert ImportBatch.objects.order_by("id").last().rows_unchanged == 180


def test_a_rejected_bulk_load_keeps_the_indexes_and_lands_nothing(tmp_path, per_file_rebuilds):
    table = SourceRecord._meta.db_table
    before = indexes_and_constraints(table)
    rows = [list(r) for r in FAMILY]
    rows[1][HEADER.index("source_record_id")] = ""
    with pytest.raises(CommandError):
        run_import(write_csv(tmp_path / "bad.csv", rows))
    assert per_file_rebuilds == [True]
    assert indexes_and_constraints(table) == before
    assert SourceRecord.objects.count() == 0
    assert ImportBatch.objects.get().status == "rejected"


def test_characters_copy_must_escape_survive_exactly(tmp_path):
    """Backslashes, tabs, quotes, commas and line breaks inside cells reach the database as
    sent (original) and in their normalised form, and a re-import still changes nothing."""
    awkward_id = 'CAP\\7\t"x",1'
    row = list(FAMILY[0])
    row[0] = awkward_id
    row[3] = 'Inmam "Iman" Santoso\\'
    row[7] = "Jl. Ki Samaun No. 80\nBlok\tC\\2, belakang"
    path = write_csv(tmp_path / "awkward.csv", [row, FAMILY[1]])
    run_import(path)
    record = SourceRecord.objects.get(source_record_id=awkward_id)
    assert record.original["full_name"] == row[3]
    assert record.original["address"] == row[7]
    assert "\\" in record.address
    assert '"' in record.full_name
    run_import(path)
    latest = ImportBatch.objects.order_by("-id").first()
    assert (latest.rows_unchanged, latest.rows_new, latest.rows_changed) == (2, 0, 0)
