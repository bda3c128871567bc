"""One rule for every spreadsheet cell the registry writes (CSV and XLSX exports).

A cell starting with = + - @ tab or carriage return is a formula in Excel and LibreOffice
(CSV/formula injection, OWASP "CSV Injection"): such a text cell is written with a leading
single quote, which the spreadsheet shows as text. Numbers stay numbers (a negative amount is
not text and is never evaluated as a formula).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """The value as a spreadsheet must receive it: text that would start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer whose every cell passes through spreadsheet_safe (the only CSV writer the
    exports use)."""

    def __init__(self, stream: TextIO, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([spreadsheet_safe(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: TextIO, **kwargs: Any) -> SafeCsvWriter:
    return SafeCsvWriter(stream, **kwargs)
