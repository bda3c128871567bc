from datetime import date
from decimal import Decimal

import pytest

from linkage.normalize.identifiers import (
    check_kk,
    check_nik,
    clean_identifier,
    decode_nik_date,
    round_like_excel,
)

TODAY = date(2026, 3, 1)


@pytest.mark.parametrize(
    "raw",
    [
        "3671121706750001",
        " 3671 1217 0675 0001 ",
        "3671.1217.0675.0001",
        "'3671121706750001",
        "3671-1217-0675-0001",
        3671121706750001,
        Decimal("3671121706750001"),
    ],
)
def test_clean_identifier_accepts_typed_variants(raw):
    cleaned = clean_identifier(raw, field="nik")
    assert cleaned.value == "3671121706750001"
    assert cleaned.flags == ()
    assert cleaned.original == str(raw)


def test_float_is_excel_damaged_but_keeps_digits():
    cleaned = clean_identifier(3671014905150000.0, field="nik")
    assert cleaned.value == "3671014905150000"
    assert cleaned.flags == ("nik:excel_damaged",)


def test_int_and_float_of_equal_value_are_not_confused_by_the_cache():
    assert clean_identifier(3671014905150000, field="nik").flags == ()
    assert clean_identifier(3671014905150000.0, field="nik").flags == ("nik:excel_damaged",)


@pytest.mark.parametrize("raw", ["3.67101E+15", "3,67101E+15", "3.67101e15"])
def test_scientific_notation_keeps_only_surviving_digits(raw):
    cleaned = clean_identifier(raw, field="kk")
    assert cleaned.value == "367101"
    assert cleaned.flags == ("kk:excel_damaged",)


def test_float_text_from_a_pipeline_is_damaged():
    cleaned = clean_identifier("3671014905150000.0", field="nik")
    assert cleaned.value == "3671014905150000"
    assert "nik:excel_damaged" in cleaned.flags


def test_decimal_with_lost_precision_is_damaged():
    assert clean_identifier(Decimal("3.67101E+15"), field="nik").flags == ("nik:excel_damaged",)


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "0000000000000000", float("nan"), "NULL"])
def test_missing(raw):
    assert clean_identifier(raw, field="nik") == clean_identifier(raw, field="nik")
    cleaned = clean_identifier(raw, field="nik")
    assert cleaned.value == ""
    assert cleaned.flags == ("nik:missing",)


def test_bad_length_and_non_digit():
    assert clean_identifier("367112170675001", field="nik").flags == ("nik:bad_length",)
    assert clean_identifier("367112170675001", field="nik").value == "367112170675001"
    non_digit = clean_identifier("36711217O6750001", field="nik")
    assert non_digit.value == ""
    assert non_digit.flags == ("nik:non_digit",)


def test_round_like_excel_rounds_to_15_significant_digits():
    assert round_like_excel("3671014905150001") == "3671014905150000"
    assert round_like_excel("3671100410200049") == "3671100410200050"


def test_decode_nik_date_women_day_plus_40_and_century():
    assert decode_nik_date("3671125706970001", TODAY) == (date(1997, 6, 17), "P")
    assert decode_nik_date("3671121706750001", TODAY) == (date(1975, 6, 17), "L")
    assert decode_nik_date("3671080509240001", TODAY) == (date(2024, 9, 5), "L")
    # 2027 would be in the future, so 27 is 1927
    assert decode_nik_date("3671080509270001", TODAY) == (date(1927, 9, 5), "L")
    assert decode_nik_date("3671083509270001", TODAY) == (None, "")


def nik(raw):
    return clean_identifier(raw, field="nik")


def test_check_nik_reliable_and_decoded():
    check = check_nik(
        nik("3671125706970001"), birth_date=date(1997, 6, 17), sex="P", kk_number="", today=TODAY
    )
    assert check.reliable
    assert check.flags == ()
    assert check.province_code == "36"
    assert check.regency_code == "36.71"
    assert check.district_code == "36.71.12"
    assert check.birth_date == date(1997, 6, 17)
    assert check.sex == "P"


def test_date_and_sex_mismatch_are_flags_and_keep_reliability():
    check = check_nik(
        nik("3671125706970001"), birth_date=date(2007, 6, 17), sex="L", kk_number="", today=TODAY
    )
    assert check.reliable
    assert set(check.flags) == {"nik:date_mismatch", "nik:sex_mismatch"}


def test_excel_damaged_nik_is_never_reliable():
    check = check_nik(
        clean_identifier(3671050404780000.0, field="nik"),
        birth_date=date(1978, 4, 4),
        sex="L",
        kk_number="",
        today=TODAY,
    )
    assert not check.reliable
    assert "nik:excel_damaged" in check.flags
    assert check.birth_date == date(1978, 4, 4)


def test_invalid_province_is_flagged():
    check = check_nik(nik("9971011708450001"), birth_date=None, sex="", kk_number="", today=TODAY)
    assert not check.reliable
    assert check.flags == ("nik:invalid",)


def test_invalid_date_part_is_flagged():
    check = check_nik(nik("3671013513450001"), birth_date=None, sex="", kk_number="", today=TODAY)
    assert "nik:invalid" in check.flags
    assert not check.reliable


def test_missing_nik():
    check = check_nik(nik(""), birth_date=None, sex="", kk_number="", today=TODAY)
    assert check == check_nik(nik(None), birth_date=None, sex="", kk_number="", today=TODAY)
    assert check.flags == ("nik:missing",)
    assert not check.reliable


def test_kk_number_in_nik_field_equal_to_kk():
    check = check_nik(
        nik("3671072808060065"),
        birth_date=date(1983, 2, 11),
        sex="L",
        kk_number="3671072808060065",
        today=TODAY,
    )
    assert "nik:kk_in_nik" in check.flags
    assert not check.reliable


def test_kk_number_in_nik_field_when_excel_rounded_the_kk():
    # sample row DINSOS-0000121: NIK 3671100410200049, KK typed as a number
    check = check_nik(
        nik("3671100410200049"),
        birth_date=None,
        sex="L",
        kk_number="3671100410200050",
        today=TODAY,
    )
    assert "nik:kk_in_nik" in check.flags


def test_kk_number_in_nik_field_by_registration_date_pattern():
    # sample row DINSOS-0000175: a woman born 1996 whose "NIK" reads 03-06-2005, no +40
    check = check_nik(
        nik("3671120306050078"), birth_date=date(1996, 1, 30), sex="P", kk_number="", today=TODAY
    )
    assert "nik:kk_in_nik" in check.flags
    assert "nik:date_mismatch" not in check.flags
    assert not check.reliable


def test_small_date_difference_is_not_kk_in_nik():
    check = check_nik(
        nik("3671072002640001"), birth_date=date(1965, 2, 20), sex="L", kk_number="", today=TODAY
    )
    assert check.flags == ("nik:date_mismatch",)
    assert check.reliable


def test_check_kk():
    assert check_kk(clean_identifier("3671121007150002", field="kk")) == ("3671121007150002", ())
    assert check_kk(clean_identifier(3671121007150000.0, field="kk")) == (
        "3671121007150000",
        ("kk:excel_damaged",),
    )
    assert check_kk(clean_identifier("", field="kk")) == ("", ("kk:missing",))
    assert check_kk(clean_identifier("3671123207150002", field="kk"))[1] == ("kk:invalid",)
    assert check_kk(clean_identifier("9971121007150002", field="kk"))[1] == ("kk:invalid",)


def test_validity_agrees_with_stdnum():
    import random

    from stdnum.id import nik as stdnum_nik

    from linkage.normalize.identifiers import stdnum_nik_valid

    rng = random.Random(20260301)
    for i in range(20000):
        prefix = rng.choice(["3671", "3201", "3171", "1101", "9971", "0000"])
        if i % 2:
            prefix = f"{rng.randrange(10000):04d}"
        number = prefix + "".join(rng.choice("0123456789") for _ in range(12))
        assert stdnum_nik_valid(number) == stdnum_nik.is_valid(number), number


def test_nik_date_equal_to_swapped_birth_date_is_flagged():
    check = check_nik(
        nik("3671131104150001"), birth_date=date(2015, 11, 4), sex="L", kk_number="", today=TODAY
    )
    assert check.flags == ("nik:date_mismatch", "nik:date_day_month_swapped")
    assert check.reliable
