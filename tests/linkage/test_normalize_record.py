from datetime import date, datetime
from pathlib import Path

import pytest

from linkage.normalize import FIELD_NAMES, RegionMatcher, normalize_record

TODAY = date(2026, 3, 1)
SAMPLE = Path("/work/shared/data/samples/dinsos-penerima-bansos-2026.xlsx")
HEADERS = {
    "ID": "source_record_id", "NIK": "nik", "NO KK": "kk_number", "NAMA LENGKAP": "full_name",
    "JENIS KELAMIN": "sex", "TEMPAT LAHIR": "birth_place", "TGL LAHIR": "birth_date",
    "ALAMAT": "address", "RT/RW": "rt", "KELURAHAN": "kelurahan", "KECAMATAN": "kecamatan",
    "SHDK": "relationship", "DESIL": "welfare_decile", "JENIS BANTUAN": "program",
    "PERIODE": "period", "NOMINAL": "amount",
}  # fmt: skip


@pytest.fixture(scope="module")
def regions():
    return RegionMatcher.for_regency("36.71")


def base_row(**changes):
    row = {
        "source_record_id": "DINSOS-0000001",
        "nik": "3671121706750001",
        "kk_number": "3671121007150002",
        "full_name": "Gilang Rohmah",
        "sex": "L",
        "birth_place": "Cirebon",
        "birth_date": "17/06/1975",
        "address": "Jl. Ki Samaun No. 174",
        "rt": "013/002",
        "kelurahan": "Pondok Bahar",
        "kecamatan": "Karang Tengah",
        "relationship": "KEPALA KELUARGA",
        "welfare_decile": 1.0,
        "program": "BLT",
        "period": "2026-Q3",
        "amount": 300000.0,
    }
    row.update(changes)
    return row


def test_clean_row(regions):
    fields, errors = normalize_record(base_row(), regions=regions, today=TODAY)
    assert errors == []
    assert tuple(fields) == FIELD_NAMES
    assert fields == {
        "nik": "3671121706750001",
        "nik_reliable": True,
        "kk_number": "3671121007150002",
        "full_name": "GILANG ROHMAH",
        "name_key": "gilang rohmah",
        "name_sorted": "gilang rohmah",
        "name_phonetic": "kln rm",
        "given_name_key": "gilang",
        "sex": "L",
        "birth_place": "CIREBON",
        "birth_date": date(1975, 6, 17),
        "address": "JL. KI SAMAUN NO. 174",
        "address_key": "jl ki samaun",
        "house_number": "174",
        "rt": 13,
        "rw": 2,
        "kelurahan_code": "36.71.12.1003",
        "kecamatan_code": "36.71.12",
        "relationship": "KEPALA_KELUARGA",
        "death_date": None,
        "welfare_decile": 1,
        "program": "BLT",
        "period": "2026-Q3",
        "amount": 300000,
        "flags": [],
    }


def test_minimal_row_has_every_key(regions):
    fields, errors = normalize_record(
        {"source_record_id": "X1", "full_name": "Siti"}, regions=regions, today=TODAY
    )
    assert tuple(fields) == FIELD_NAMES
    assert errors == []
    assert fields["nik"] == "" and fields["nik_reliable"] is False
    assert fields["birth_date"] is None and fields["rt"] is None and fields["amount"] is None
    assert fields["flags"] == [
        "birth_date:missing",
        "kelurahan:missing",
        "kk:missing",
        "nik:missing",
    ]


def test_damaged_identifiers_and_titles_are_flags_not_errors(regions):
    fields, errors = normalize_record(
        base_row(nik=3671121706750000.0, kk_number="3.67112E+15", full_name="Drs. Gilang, S.Pd"),
        regions=regions,
        today=TODAY,
    )
    assert errors == []
    assert fields["nik_reliable"] is False
    assert fields["full_name"] == "GILANG"
    assert fields["flags"] == [
        "kk:excel_damaged",
        "name:titles_removed",
        "nik:excel_damaged",
    ]


def test_nik_disagreeing_with_the_record_is_only_flagged(regions):
    fields, errors = normalize_record(
        base_row(sex="P", birth_date="1975-06-18"), regions=regions, today=TODAY
    )
    assert errors == []
    assert fields["nik_reliable"] is True
    assert {"nik:date_mismatch", "nik:sex_mismatch"} <= set(fields["flags"])


def test_flags_sorted_and_unique(regions):
    fields, _ = normalize_record(
        base_row(birth_date="04/11/2015", kelurahan="Jurumudi Baru", kecamatan="Cipondoh"),
        regions=regions,
        today=TODAY,
    )
    assert fields["flags"] == sorted(set(fields["flags"]))
    assert "birth_date:swap_candidate" in fields["flags"]
    assert "kelurahan:kecamatan_mismatch" in fields["flags"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"source_record_id": ""}, "source_record_id"),
        ({"source_record_id": None}, "source_record_id"),
        ({"source_record_id": "X" * 101}, "source_record_id"),
        ({"source_record_id": 1e150}, "source_record_id"),  # stored as 151 digits
        ({"full_name": "  ", "nik": "", "kk_number": ""}, "full_name"),
        ({"full_name": "A" * 201}, "full_name"),
        ({"address": "Jl. " + "B" * 300}, "address"),
        ({"birth_place": "C" * 101}, "birth_place"),
        ({"program": "P" * 31}, "program"),
        ({"amount": 2**63}, "amount"),
        ({"amount": "1" + "0" * 30}, "amount"),
        ({"amount": 1e30}, "amount"),
        ({"rt": "0"}, "rt"),
        ({"amount": "banyak"}, "amount"),
        ({"period": ""}, "period"),
        ({"period": "Q9 2026"}, "period"),
        ({"program": ""}, "program"),
    ],
)
def test_unreadable_rows(regions, changes, field):
    """Row errors: what makes a row unusable (no id, neither name nor identifier, a broken
    aid receipt) or unstorable (too long for its column, beyond bigint, a NUL)."""
    _, errors = normalize_record(base_row(**changes), regions=regions, today=TODAY)
    assert [f for f, _ in errors] == [field]
    assert all(reason for _, reason in errors)


@pytest.mark.parametrize(
    ("changes", "flag", "column", "empty"),
    [
        ({"birth_date": "31/02/1990"}, "birth_date:unreadable", "birth_date", None),
        ({"birth_date": "2030-01-01"}, "birth_date:future", "birth_date", None),
        ({"birth_date": "1875-01-01"}, "birth_date:too_old", "birth_date", None),
        ({"birth_date": "01-02-75"}, "birth_date:two_digit_year", "birth_date", None),
        ({"death_date": "kemarin"}, "death_date:unreadable", "death_date", None),
        ({"death_date": "1970-01-01"}, "death_date:before_birth", "death_date", None),
        ({"sex": "X"}, "sex:unknown", "sex", ""),
        ({"relationship": "TETANGGA"}, "relationship:unknown", "relationship", ""),
        ({"welfare_decile": 12}, "welfare_decile:invalid", "welfare_decile", None),
        ({"welfare_decile": "desil sebelas"}, "welfare_decile:invalid", "welfare_decile", None),
        ({"full_name": "  "}, "full_name:missing", "name_key", ""),
        ({"nik": "3" * 17}, "nik:bad_length", "nik", ""),
        ({"nik": 10**30}, "nik:bad_length", "nik", ""),
    ],
)
def test_field_problems_are_flags(regions, changes, flag, column, empty):
    """Field problems: the row stays readable, the normalised field is empty and a flag
    names the problem (the original value is kept by the importer)."""
    fields, errors = normalize_record(base_row(**changes), regions=regions, today=TODAY)
    assert errors == []
    assert flag in fields["flags"]
    assert fields[column] == empty


def test_no_aid_receipt_is_fine(regions):
    _, errors = normalize_record(
        base_row(program="", period="", amount=""), regions=regions, today=TODAY
    )
    assert errors == []


def test_death_date(regions):
    fields, errors = normalize_record(
        base_row(death_date=datetime(2025, 12, 24)), regions=regions, today=TODAY
    )
    assert errors == []
    assert fields["death_date"] == date(2025, 12, 24)
    assert not any(f.startswith("death_date:") for f in fields["flags"])


def test_unknown_region_is_a_flag(regions):
    fields, errors = normalize_record(
        base_row(kelurahan="Menteng", kecamatan="Menteng"), regions=regions, today=TODAY
    )
    assert errors == []
    assert {"kelurahan:unknown", "kecamatan:unknown"} <= set(fields["flags"])
    assert fields["kelurahan_code"] == ""


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample spreadsheet not available")
def test_every_sample_row_is_readable(regions):
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(SAMPLE)).get_sheet_by_name("PKH 2026").to_python()
    header = rows[3]
    data = [r for r in rows[4:] if str(r[1]).startswith("DINSOS-")]
    assert len(data) == 180
    by_id = {}
    for raw in data:
        row = {HEADERS[h]: v for h, v in zip(header, raw, strict=True) if h in HEADERS}
        fields, errors = normalize_record(row, regions=regions, today=TODAY)
        assert errors == [], (row["source_record_id"], errors)
        assert fields["kelurahan_code"], row
        by_id[row["source_record_id"]] = fields
    # the same person, typed three ways: NIK damaged by Excel in one of them
    assert by_id["DINSOS-0000005"]["name_key"] == by_id["DINSOS-0000007"]["name_key"]
    assert not by_id["DINSOS-0000006"]["nik_reliable"]
    # old and new spellings of one person
    assert by_id["DINSOS-0000008"]["name_key"] == by_id["DINSOS-0000010"]["name_key"]
    # KK number typed in the NIK column
    assert "nik:kk_in_nik" in by_id["DINSOS-0000121"]["flags"]
    assert "nik:kk_in_nik" in by_id["DINSOS-0000175"]["flags"]
    # same street written Jl. / Jalan / Jln. / JL
    keys = {by_id[f"DINSOS-000000{i}"]["address_key"] for i in range(1, 5)}
    assert keys == {"jl ki samaun"}


def test_unhashable_values_do_not_break_the_caches(regions):
    fields, errors = normalize_record(
        base_row(nik=["3671121706750001"], kelurahan={"name": "Cipadu"}), regions=regions
    )
    assert tuple(fields) == FIELD_NAMES
    assert "nik:non_digit" in fields["flags"]
    assert errors == []


def test_int_and_float_nik_are_told_apart_across_rows(regions):
    exact, _ = normalize_record(base_row(nik=3671121706750001), regions=regions, today=TODAY)
    damaged, _ = normalize_record(base_row(nik=3671121706750000.0), regions=regions, today=TODAY)
    as_int, _ = normalize_record(base_row(nik=3671121706750000), regions=regions, today=TODAY)
    assert exact["nik_reliable"] is True
    assert damaged["nik_reliable"] is False
    assert "nik:excel_damaged" not in as_int["flags"]


def test_nul_errors_name_the_fields():
    from linkage.normalize.record import nul_errors

    assert nul_errors(base_row(full_name="SITI\x00AMINAH", rt=3)) == [
        ("full_name", "contains a NUL character")
    ]
