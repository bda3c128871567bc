from datetime import date, datetime

import pytest

from linkage.normalize.dates import parse_date, swap_day_month

TODAY = date(2026, 3, 1)


def parse(raw):
    return parse_date(raw, field="birth_date", today=TODAY)


@pytest.mark.parametrize(
    "raw",
    [
        "1975-06-17",
        "17-06-1975",
        "17/06/1975",
        "17.06.1975",
        "17/6/1975",
        " 17/06/1975 ",
        "1975-06-17 00:00:00",
        "19750617",
        "17 Juni 1975",
        "17-Jun-1975",
        date(1975, 6, 17),
        datetime(1975, 6, 17, 0, 0),
        27562,
        27562.0,
        "27562",
    ],
)
def test_accepted_formats(raw):
    parsed = parse(raw)
    assert parsed.value == date(1975, 6, 17)
    assert parsed.error == ""
    assert parsed.flags == ()


@pytest.mark.parametrize("raw", [None, "", "  ", "-", float("nan")])
def test_empty(raw):
    assert parse(raw) == parse_date(None, field="birth_date", today=TODAY)
    parsed = parse(raw)
    assert parsed.value is None
    assert parsed.flags == ("birth_date:missing",)
    assert parsed.error == ""


def test_impossible_date():
    parsed = parse("31/02/1990")
    assert parsed.value is None
    assert parsed.error == "not a date: '31/02/1990'"


def test_garbage_and_two_digit_years():
    assert parse("kemarin").error == "not a date: 'kemarin'"
    assert parse("17/06/75").error == "two-digit year: '17/06/75'"


def test_future_date():
    assert parse("2026-03-02").error == "date in the future"
    assert parse("2026-03-01").error == ""


def test_excel_serial_range():
    assert parse(10).error  # 1900-01-10 is before the Lotus leap-year bug
    assert parse(1e9).error
    assert parse("1850-01-01").error.startswith("date before 1900")


def test_swap_candidate():
    parsed = parse("04/11/2015")
    assert parsed.value == date(2015, 11, 4)
    assert parsed.flags == ("birth_date:swap_candidate",)
    assert parse("11/11/2015").flags == ()
    assert parse("13/11/2015").flags == ()
    assert parse_date("2020-01-02", field="death_date", today=TODAY).flags == (
        "death_date:swap_candidate",
    )


def test_swap_day_month():
    assert swap_day_month(date(2015, 11, 4)) == date(2015, 4, 11)
    assert swap_day_month(date(2015, 11, 13)) is None
    assert swap_day_month(date(2015, 5, 5)) is None


def test_default_today_is_used():
    assert parse_date("2999-01-01", field="birth_date").error == "date in the future"


def test_year_only_is_not_an_excel_serial():
    assert parse("1975").error == "year only: '1975'"
    assert parse(1975).error == "year only: 1975"
    assert parse(1975.0).value is None
