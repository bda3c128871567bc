from datetime import date, datetime

import pytest

from linkage.normalize.address import normalize_address, parse_rt_rw
from linkage.normalize.household_fields import (
    normalize_program,
    normalize_relationship,
    parse_amount,
    parse_decile,
    parse_period,
)
from linkage.normalize.sex import normalize_sex


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("L", "L"), ("l", "L"), ("LAKI-LAKI", "L"), ("Laki Laki", "L"), ("LK", "L"),
        ("M", "L"), ("MALE", "L"), ("1", "L"), (1, "L"), (1.0, "L"),
        ("P", "P"), ("PEREMPUAN", "P"), ("PR", "P"), ("F", "P"), ("FEMALE", "P"),
        ("2", "P"), (2, "P"), ("", ""), (None, ""), ("  ", ""),
    ],
)  # fmt: skip
def test_sex(raw, code):
    assert normalize_sex(raw) == (code, "")


def test_unknown_sex():
    assert normalize_sex("X") == ("", "unknown sex value 'X'")
    assert normalize_sex(3) == ("", "unknown sex value '3'")


@pytest.mark.parametrize(
    "raw",
    [
        "Jl. Ki Samaun No. 174",
        "JLN KI SAMAUN NO 174",
        "Jalan Ki Samaun No. 174",
        "JL Ki Samaun No.174",
        "Jln. Ki  Samaun Nomor 174",
        "Jl. Ki Samaun No. 174 RT 013/RW 002",
    ],
)
def test_address_variants_share_key_and_number(raw):
    parts = normalize_address(raw)
    assert parts.key == "jl ki samaun"
    assert parts.house_number == "174"


def test_address_display_and_gang():
    parts = normalize_address("Gg. Mawar  No. 12A")
    assert parts.display == "GG. MAWAR NO. 12A"
    assert parts.key == "gg mawar"
    assert parts.house_number == "12A"
    assert normalize_address("Gang Mawar no 12a").key == "gg mawar"
    assert normalize_address("Jl. KH Hasyim Ashari").house_number == ""
    assert normalize_address(None).key == ""


@pytest.mark.parametrize(
    ("rt", "rw", "expected"),
    [
        ("3", "5", (3, 5, "")),
        ("003", "005", (3, 5, "")),
        (3.0, 5.0, (3, 5, "")),
        (3, 5, (3, 5, "")),
        ("003/005", "", (3, 5, "")),
        ("003/005", None, (3, 5, "")),
        ("3/5", "5", (3, 5, "")),
        ("RT 03 / RW 05", None, (3, 5, "")),
        ("", "", (None, None, "")),
        (None, None, (None, None, "")),
    ],
)
def test_rt_rw(rt, rw, expected):
    assert parse_rt_rw(rt, rw) == expected


@pytest.mark.parametrize(
    ("rt", "rw"), [("0", "5"), ("abc", "5"), ("3", "x"), ("000/005", ""), ("003/005", "6")]
)
def test_rt_rw_errors(rt, rw):
    result = parse_rt_rw(rt, rw)
    assert result[:2] == (None, None)
    assert result[2]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("KEPALA KELUARGA", "KEPALA_KELUARGA"), ("Kepala Keluarga", "KEPALA_KELUARGA"),
        ("KK", "KEPALA_KELUARGA"), ("KEP. KELUARGA", "KEPALA_KELUARGA"),
        ("HEAD", "KEPALA_KELUARGA"), ("1", "KEPALA_KELUARGA"), (1.0, "KEPALA_KELUARGA"),
        ("SUAMI", "SUAMI"), ("HUSBAND", "SUAMI"), ("ISTRI", "ISTRI"), ("ISTERI", "ISTRI"),
        ("WIFE", "ISTRI"), ("ANAK", "ANAK"), ("ANAK KANDUNG", "ANAK"), ("CHILD", "ANAK"),
        ("MENANTU", "MENANTU"), ("CUCU", "CUCU"), ("ORANG TUA", "ORANG_TUA"),
        ("MERTUA", "MERTUA"), ("FAMILI LAIN", "FAMILI_LAIN"), ("PEMBANTU", "PEMBANTU"),
        ("LAINNYA", "LAINNYA"), ("", ""), (None, ""),
    ],
)  # fmt: skip
def test_relationship(raw, code):
    assert normalize_relationship(raw) == (code, "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(3, (3, "")), (3.0, (3, "")), ("3", (3, "")), ("10", (10, "")), ("Desil 4", (4, "")),
     ("", (None, "")), (None, (None, ""))],
)  # fmt: skip
def test_decile(raw, expected):
    assert parse_decile(raw) == expected


@pytest.mark.parametrize("raw", [0, 11, 3.5, "x", "0"])
def test_decile_errors(raw):
    value, error = parse_decile(raw)
    assert value is None and error


@pytest.mark.parametrize(
    "raw",
    ["300000", 300000, 300000.0, "Rp300.000", "Rp 300.000,00", "300,000", "300.000",
     "IDR 300,000.00", "300000,00"],
)  # fmt: skip
def test_amount(raw):
    assert parse_amount(raw) == (300000, "")


def test_amount_small_and_errors():
    assert parse_amount("42.000") == (42000, "")
    assert parse_amount(None) == (None, "")
    assert parse_amount("") == (None, "")
    assert parse_amount("abc")[1] == "bad amount 'abc'"
    assert parse_amount(-5)[0] is None
    assert parse_amount("300000,50")[0] is None


@pytest.mark.parametrize(
    ("raw", "period"),
    [
        ("2026-Q1", "2026-Q1"), ("Q1 2026", "2026-Q1"), ("q1-2026", "2026-Q1"),
        ("TW1 2026", "2026-Q1"), ("TW I 2026", "2026-Q1"), ("Triwulan 1 2026", "2026-Q1"),
        ("Triwulan III 2026", "2026-Q3"), ("2026 Q4", "2026-Q4"),
        ("2026-03", "2026-03"), ("2026-3", "2026-03"), ("03/2026", "2026-03"),
        ("3/2026", "2026-03"), ("Maret 2026", "2026-03"), ("202603", "2026-03"),
        (datetime(2026, 3, 1), "2026-03"), (date(2026, 3, 15), "2026-03"),
        ("", ""), (None, ""),
    ],
)  # fmt: skip
def test_period(raw, period):
    assert parse_period(raw) == (period, "")


@pytest.mark.parametrize("raw", ["Q5 2026", "2026-13", "kemarin", "1999-Q1"])
def test_period_errors(raw):
    period, error = parse_period(raw)
    assert period == "" and error.startswith("not a period")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("PKH", "PKH"), ("pkh", "PKH"), ("BPNT", "BPNT"), ("SEMBAKO", "BPNT"),
        ("Program Sembako", "BPNT"), ("PBI-JK", "PBI-JK"), ("PBI JK", "PBI-JK"),
        ("PBIJK", "PBI-JK"), ("PBI", "PBI-JK"), ("BLT", "BLT"), ("KIP", "KIP"),
        ("PIP", "PIP"), ("BLT DD", "BLT-DD"), ("Bansos Beras", "BANSOS-BERAS"),
        ("", ""), (None, ""),
    ],
)  # fmt: skip
def test_program(raw, code):
    assert normalize_program(raw) == (code, "")


def test_period_from_excel_serial():
    assert parse_period(46082) == ("2026-03", "")
    assert parse_period(2026)[1] == "not a period: 2026"


def test_unknown_relationship_is_empty_with_a_reason():
    assert normalize_relationship("TETANGGA") == ("", "unknown relationship value 'TETANGGA'")
