"""Bounds checked before a file is read, so that a small file cannot take a worker's memory.

A spreadsheet reader builds a dense grid of the used range: one cell at A1 and one at
XFD1048576 in a 1.5 KB XLSX is 17 billion cells. A zip bomb of 2.5 MB inflates to a GB of
XML. So, before any reader runs:
- the file's size (web and API alike: UPLOAD_MAX_BYTES);
- for XLSX/ODS: the zip's declared uncompressed size and each member's compression ratio,
  then the worksheets' declared dimension and, by a streaming scan (expat, no tree kept), the
  real extent of their cells: rows x columns within IMPORT_MAX_ROWS x IMPORT_MAX_COLUMNS;
- for CSV: rows and columns counted while they are read.
Every refusal is a FileTooLarge (413) or a FileFormatError (422) whose text says what was
too big, in the user's language.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pyexpat import ParserCreate
from pyexpat import error as ExpatError  # noqa: N812 - the module's own name
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext

from registry.ingest.errors import FileFormatError, FileTooLarge

SCAN_CHUNK = 1 << 16
_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")
_CELL_REF_RE = re.compile(r"^([A-Z]{1,3})(\d+)$")
# A member this small is never a bomb, whatever its ratio (tiny XML compresses well).
RATIO_MIN_BYTES = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int | None
    max_rows: int | None
    max_columns: int
    max_uncompressed_bytes: int
    max_ratio: int
    # rows x columns of a spreadsheet's grid (a reader allocates every cell of it)
    max_cells: int | None = None


def upload_limits() -> ReadLimits:
    """Web and API uploads: every bound (settings, from the environment)."""
    return ReadLimits(
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        max_columns=settings.IMPORT_MAX_COLUMNS,
        max_uncompressed_bytes=settings.XLSX_MAX_UNCOMPRESSED_BYTES,
        max_ratio=settings.XLSX_MAX_COMPRESSION_RATIO,
        max_cells=settings.IMPORT_MAX_CELLS,
    )


def file_limits() -> ReadLimits:
    """A walidata's command-line import: any number of rows and bytes (a city's file), but
    the same columns and spreadsheet structure bounds (a malformed file kills a CLI too)."""
    return ReadLimits(
        max_bytes=None,
        max_rows=None,
        max_columns=settings.IMPORT_MAX_COLUMNS,
        max_uncompressed_bytes=settings.XLSX_MAX_UNCOMPRESSED_BYTES,
        max_ratio=settings.XLSX_MAX_COMPRESSION_RATIO,
    )


def check_size(size: int, limits: ReadLimits) -> None:
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise FileTooLarge(
            gettext("the file is %(size)s MB; at most %(max)s MB can be uploaded")
            % {"size": _mb(size), "max": _mb(limits.max_bytes)}
        )


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.2f}".rstrip("0").rstrip(".")


# --- CSV ----------------------------------------------------------------------------------


def capped_rows(rows: Iterable[list[str]], limits: ReadLimits) -> Iterator[list[str]]:
    """The CSV's rows, refused as soon as one has too many columns or there are too many."""
    max_rows, max_columns = limits.max_rows, limits.max_columns
    for line, cells in enumerate(rows, start=1):
        if len(cells) > max_columns:
            raise FileFormatError(
                gettext("line %(line)s has %(count)s columns; at most %(max)s are read")
                % {"line": line, "count": len(cells), "max": max_columns}
            )
        if max_rows is not None and line > max_rows + HEADER_ALLOWANCE:
            raise _too_many_rows(max_rows)
        yield cells


# title rows above the header and the header itself
HEADER_ALLOWANCE = 31


def _too_many_rows(max_rows: int) -> FileTooLarge:
    return FileTooLarge(
        gettext("the file has more than %(max)s rows; split it into several files")
        % {"max": max_rows}
    )


# --- spreadsheets (XLSX, ODS: zip archives of XML) ----------------------------------------


def check_workbook(source: str | BinaryIO, limits: ReadLimits) -> None:
    """Refuse a workbook whose zip or sheets exceed the limits, before a reader opens it."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileFormatError(gettext("the file is not a valid XLSX workbook")) from None
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > limits.max_uncompressed_bytes:
            raise FileTooLarge(
                gettext("the workbook unpacks to %(size)s MB; at most %(max)s MB are read")
                % {"size": _mb(total), "max": _mb(limits.max_uncompressed_bytes)}
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_MIN_BYTES and ratio > limits.max_ratio:
                raise FileTooLarge(
                    gettext("the workbook is compressed %(ratio)s times (a zip bomb?)")
                    % {"ratio": int(ratio)}
                )
        for member in members:
            name = member.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _check_sheet(archive, member, limits, ods=False)
            elif name == "content.xml":
                _check_sheet(archive, member, limits, ods=True)


def _check_sheet(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits, *, ods: bool) -> None:
    with archive.open(member) as stream:
        head = stream.read(SCAN_CHUNK)
        if not ods:
            _check_dimension(head, limits)
        extent = _SheetExtent(limits, ods=ods)
        try:
            extent.feed(head)
            while chunk := stream.read(SCAN_CHUNK):
                extent.feed(chunk)
            extent.feed(b"", final=True)
        except ExpatError:
            raise FileFormatError(gettext("a worksheet of the workbook is not valid XML")) from None
        except (zipfile.BadZipFile, EOFError, OSError):
            raise FileFormatError(gettext("the file is not a valid XLSX workbook")) from None


def _check_dimension(head: bytes, limits: ReadLimits) -> None:
    """The used range the sheet declares (<dimension ref="A1:XFD1048576"/>)."""
    match = _DIMENSION_RE.search(head)
    if not match:
        return
    last_col, last_row = match[3] or match[1], match[4] or match[2]
    rows = int(last_row) if last_row else 1
    columns = column_number(last_col.decode()) if last_col else 1
    _check_extent(rows, columns, limits)


def _check_extent(rows: int, columns: int, limits: ReadLimits) -> None:
    if limits.max_cells is not None and rows * columns > limits.max_cells:
        raise FileTooLarge(
            gettext("the worksheet spans %(rows)s rows by %(columns)s columns; too large to read")
            % {"rows": rows, "columns": columns}
        )
    if columns > limits.max_columns:
        raise FileFormatError(
            gettext("the worksheet uses %(count)s columns; at most %(max)s are read")
            % {"count": columns, "max": limits.max_columns}
        )
    if limits.max_rows is not None and rows > limits.max_rows + HEADER_ALLOWANCE:
        raise _too_many_rows(limits.max_rows)


def column_number(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    number = 0
    for char in letters:
        number = number * 26 + (ord(char) - 64)
    return number


class _SheetExtent:
    """The last row and column holding a cell, by a streaming parse of the sheet's XML: XLSX
    <row r=..>/<c r=..> (positions implied when r is absent), ODS table rows and cells with
    their number-*-repeated counts. No DOCTYPE is allowed (no entity expansion)."""

    def __init__(self, limits: ReadLimits, *, ods: bool) -> None:
        self.limits = limits
        self.row = 0
        self.column = 0
        self.widest = 1
        self.parser = ParserCreate()
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.StartElementHandler = self._ods_start if ods else self._xlsx_start
        self.parser.buffer_text = True

    def feed(self, data: bytes, final: bool = False) -> None:
        self.parser.Parse(data, final)

    def _doctype(self, *args) -> None:
        raise FileFormatError(gettext("a worksheet of the workbook is not valid XML"))

    def _xlsx_start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            r = attrs.get("r")
            self.row = int(r) if r and r.isdigit() else self.row + 1
            self.column = 0
            _check_extent(self.row, self.widest, self.limits)
        elif local == "c":
            ref = _CELL_REF_RE.match(attrs.get("r", ""))
            if ref:
                self.column = column_number(ref[1])
                self.row = max(self.row, int(ref[2]))
            else:
                self.column += 1
            if self.column > self.widest:
                self.widest = self.column
            _check_extent(self.row, self.widest, self.limits)

    def _ods_start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "table:table-row":
            self.row += int(attrs.get("table:number-rows-repeated", "1") or 1)
            self.column = 0
        elif name in ("table:table-cell", "table:covered-table-cell"):
            repeat = int(attrs.get("table:number-columns-repeated", "1") or 1)
            self.column += repeat
            if "office:value-type" in attrs:  # a cell with content: part of the grid
                self.widest = max(self.widest, self.column)
                _check_extent(self.row, self.widest, self.limits)
        elif name == "table:table":
            self.row = self.column = 0
            self.widest = 1
