"""Hypothesis strategies for agency files as they could arrive: random and real headers,
encodings, delimiters, cell contents (control characters, NUL, digits, dates, huge numbers),
CSV and XLSX. Used by the importer's fuzz tests and by bench/import_fuzz.py (the long run)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import resource

import openpyxl
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from linkage.schema import CANONICAL_FIELDS, HEADER_ALIASES

REAL_HEADERS = sorted({*CANONICAL_FIELDS, *(a for names in HEADER_ALIASES.values() for a in names)})
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "utf-32")

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
digits = st.text("0123456789 .'-E+", min_size=1, max_size=24)
dates = st.sampled_from(
    ["2062-05-17", "31/02/1990", "17/06/1975", "1975-06-17", "01-02-75", "0", "99999", "1875-1-1"]
)
cell_text = st.one_of(text, digits, dates, st.sampled_from(["L", "P", "X", "ISTRI", "PKH", ""]))


@st.composite
def headers(draw, max_columns: int = 25) -> list[str]:
    real = st.sampled_from(REAL_HEADERS)
    chosen = draw(st.lists(st.one_of(real, real, text), min_size=1, max_size=max_columns))
    if draw(st.booleans()):  # most agency files do have an id and a name
        chosen[:0] = ["ID", "NAMA"]
    return chosen


@st.composite
def csv_files(draw, max_rows: int = 60) -> tuple[str, bytes]:
    header = draw(headers())
    rows = draw(
        st.lists(
            st.lists(cell_text, min_size=0, max_size=len(header) + 3), min_size=0, max_size=max_rows
        )
    )
    delimiter = draw(st.sampled_from([",", ";"]))
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
    )
    title_rows = draw(st.integers(0, 3))
    for _ in range(title_rows):
        writer.writerow([draw(text)])
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(ENCODINGS))
    content = buffer.getvalue().encode(encoding, errors="replace")
    if draw(st.integers(0, 20)) == 0:  # now and then a truncated or spliced file
        content = content[: draw(st.integers(0, len(content)))]
    return "fuzz.csv", content


xlsx_value = st.one_of(
    cell_text.map(lambda s: ILLEGAL_CHARACTERS_RE.sub("", s)),
    st.integers(-(10**20), 10**20).map(float),
    st.integers(0, 10**17),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.none(),
)


@st.composite
def xlsx_files(draw, max_rows: int = 40) -> tuple[str, bytes]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([ILLEGAL_CHARACTERS_RE.sub("", h) for h in draw(headers(max_columns=15))])
    for _ in range(draw(st.integers(0, max_rows))):
        ws.append(draw(st.lists(xlsx_value, max_size=18)))
    if draw(st.integers(0, 10)) == 0:  # a stray cell far away
        ws.cell(row=draw(st.integers(1, 1_048_576)), column=draw(st.integers(1, 16_384)), value=1)
    out = io.BytesIO()
    wb.save(out)
    return "fuzz.xlsx", out.getvalue()


agency_files = st.one_of(csv_files(), csv_files(), xlsx_files())


FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,  # no example files written into the work tree
    derandomize=True,  # the same examples on every run: a failure is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture
def print_peak():
    yield
    print(f"\npeak RSS of the test process: {peak_rss_mib():.0f} MiB")  # noqa: T201


def assert_named(errors: list[dict]) -> None:
    for error in errors:
        position = error.get("line", error.get("index"))
        assert isinstance(position, int) and position >= 0, error
        assert error.get("field"), error
        assert error.get("reason") or error.get("message"), error
