"""Read an agency file (CSV or XLSX) into rows keyed by canonical field.

Real agency spreadsheets have title rows above the header, a row counter column, blank rows
and a total row at the bottom; the header row is found by itself and everything skipped is
reported with its line number.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext

from registry.ingest import limits as bounds
from registry.ingest.errors import FileFormatError, FileTooLarge
from registry.ingest.headers import ROW_COUNTER, RT_RW, map_headers
from registry.memory import gc_paused

HEADER_SEARCH_ROWS = 30
# The columns that make a header row of a DTSEN extract (registry.services.dtsen).
DTSEN_HEADER = frozenset({"nik", "kk_number", "welfare_decile", "period"})
TOTAL_WORDS = ("JUMLAH", "TOTAL", "GRAND TOTAL")


__all__ = ["FileFormatError", "FileTooLarge", "ParsedFile", "read_file", "read_upload"]


@dataclass
class ParsedFile:
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    header_line: int = 0
    columns: list[str] = field(default_factory=list)


def read_file(
    path: str | Path,
    *,
    sheet: str | None = None,
    agency_mapping: Mapping[str, str] | None = None,
    limits: bounds.ReadLimits | None = None,
) -> ParsedFile:
    """A file on disk (the command-line import): bounds of limits.file_limits() unless given."""
    path = Path(path)
    limits = limits or bounds.file_limits()
    suffix = path.suffix.lower()
    bounds.check_size(path.stat().st_size, limits)
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        if suffix != ".xls":  # the old binary format is no zip; its reader sizes by content
            bounds.check_workbook(str(path), limits)
        return parse_table(_xlsx_rows(path, sheet), agency_mapping=agency_mapping)
    if suffix in {".csv", ".txt"}:
        return read_csv_bytes(path.read_bytes(), agency_mapping=agency_mapping, limits=limits)
    raise FileFormatError(f"{path.name}: unsupported file type {suffix!r} (use CSV or XLSX)")


def read_upload(
    name: str,
    content: bytes,
    *,
    agency_mapping: Mapping[str, str] | None = None,
    limits: bounds.ReadLimits | None = None,
) -> ParsedFile:
    """Same as read_file, for bytes received over HTTP: every bound of limits.upload_limits()
    is checked before a reader runs (FileTooLarge: 413, FileFormatError: 422)."""
    limits = limits or bounds.upload_limits()
    bounds.check_size(len(content), limits)
    if name.lower().endswith((".xlsx", ".xlsm", ".ods")):
        from python_calamine import CalamineWorkbook

        bounds.check_workbook(io.BytesIO(content), limits)
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
            rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as exc:  # the reader's own errors on a broken workbook
            raise FileFormatError(gettext("the workbook cannot be read")) from exc
        return parse_table(rows, agency_mapping=agency_mapping)
    return read_csv_bytes(content, agency_mapping=agency_mapping, limits=limits)


def _xlsx_rows(path: Path, sheet: str | None) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    if sheet is not None:
        if sheet not in workbook.sheet_names:
            raise FileFormatError(f"{path.name}: no sheet named {sheet!r}")
        worksheet = workbook.get_sheet_by_name(sheet)
    else:
        worksheet = workbook.get_sheet_by_index(0)
    # skip_empty_area=False keeps row numbers equal to the spreadsheet's own line numbers.
    return worksheet.to_python(skip_empty_area=False)


# Byte order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def decode_text(content: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16/32 with a BOM (Excel's
    "Unicode text" export), UTF-16 without one (told by its zero bytes), else Windows-1252
    (older office exports: better read than refused). A file that claims an encoding and
    breaks it is refused, saying which encoding and where."""
    for bom, encoding, name in _BOMS:
        if content.startswith(bom):
            return _decode(content[len(bom) :], encoding, name)
    head = content[:4096]
    if head.count(0) > len(head) // 4:  # text of mostly ASCII in two-byte units
        odd_zeros = head[1::2].count(0)
        encoding = "utf-16-le" if odd_zeros > head[0::2].count(0) else "utf-16-be"
        return _decode(content[: len(content) // 2 * 2], encoding, "UTF-16")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _decode(content: bytes, encoding: str, name: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            gettext("the file looks like %(encoding)s text but byte %(byte)s cannot be read")
            % {"encoding": name, "byte": exc.start}
        ) from None


def read_csv_bytes(
    content: bytes,
    *,
    agency_mapping: Mapping[str, str] | None = None,
    limits: bounds.ReadLimits | None = None,
) -> ParsedFile:
    limits = limits or bounds.file_limits()
    text = decode_text(content)
    if not text.strip():
        raise FileFormatError("the file is empty")
    # the header search rows only (splitting the whole text made a string of every line)
    sample = "".join(itertools.islice(io.StringIO(text), HEADER_SEARCH_ROWS))
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return parse_table(bounds.capped_rows(reader, limits), agency_mapping=agency_mapping)
    except csv.Error as exc:  # a field beyond csv.field_size_limit(), a stray NUL, ...
        raise FileFormatError(
            gettext("the CSV cannot be read near line %(line)s") % {"line": reader.line_num}
        ) from exc


def _is_blank(cells: list[object]) -> bool:
    try:
        return not "".join(cells).strip()  # type: ignore[arg-type]  # CSV rows: all text
    except TypeError:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _find_header(rows: list[list[object]], agency_mapping) -> int:
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns, _ = map_headers(list(cells), agency_mapping)
        fields = set(columns.values()) - {ROW_COUNTER}
        if len(fields) >= 3 and ({"full_name", "source_record_id"} & fields):
            return index
        if fields >= DTSEN_HEADER:  # a DTSEN extract: no names, no agency ids
            return index
    raise FileFormatError(
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows "
        "(expected columns such as ID/source_record_id, NIK, NAMA)"
    )


def parse_table(
    table: Iterable[list[object]], *, agency_mapping: Mapping[str, str] | None = None
) -> ParsedFile:
    with gc_paused():
        return _parse_rows(list(table), agency_mapping)


def _parse_rows(rows: list[list[object]], agency_mapping) -> ParsedFile:
    header_index = _find_header(rows, agency_mapping)
    columns, unknown = map_headers(rows[header_index], agency_mapping)
    parsed = ParsedFile(
        header_line=header_index + 1,
        unknown_headers=unknown,
        columns=_present_fields(columns.values()),
    )
    for index in range(header_index):
        if not _is_blank(rows[index]):
            parsed.skipped.append({"line": index + 1, "reason": "title row above the header"})
    plain = [(col, name) for col, name in columns.items() if name not in (ROW_COUNTER, RT_RW)]
    rt_rw = [col for col, name in columns.items() if name == RT_RW]
    width = max(columns, default=-1) + 1
    names = [name for _, name in plain]
    pick = _picker([col for col, _ in plain])
    for index in range(header_index + 1, len(rows)):
        cells = rows[index]
        if _is_blank(cells):
            continue
        if len(cells) >= width:
            try:  # CSV rows are all text: picked, stripped and zipped without Python loops
                record = dict(zip(names, map(str.strip, pick(cells)), strict=True))
            except TypeError:  # spreadsheet rows mix numbers and dates in
                record = {name: _cell(cells[col]) for col, name in plain}
        else:  # a short row: the missing trailing cells are absent, not empty
            record = {name: _cell(cells[col]) for col, name in plain if col < len(cells)}
        for col in rt_rw:
            if col < len(cells):
                record.setdefault("rt", _cell(cells[col]))
        if _is_total_row(record, cells):
            parsed.skipped.append({"line": index + 1, "reason": "total row"})
            continue
        parsed.rows.append((index + 1, record))
    return parsed


def _picker(cols: list[int]):
    """cells -> tuple of the cells at cols (itemgetter gives a bare value for one column)."""
    if len(cols) == 1:
        return lambda cells: (cells[cols[0]],)
    return operator.itemgetter(*cols)


def _cell(value: object) -> object:
    return value.strip() if value.__class__ is str else value  # type: ignore[union-attr]


def _present_fields(mapped: Iterable[str]) -> list[str]:
    present = set(mapped) - {ROW_COUNTER}
    if RT_RW in present:
        present = (present - {RT_RW}) | {"rt", "rw"}
    return sorted(present)


def _is_total_row(record: dict[str, object], cells: list[object]) -> bool:
    if record.get("source_record_id") not in (None, "") or record.get("nik") not in (None, ""):
        return False
    return any(isinstance(c, str) and c.strip().upper() in TOTAL_WORDS for c in cells)
