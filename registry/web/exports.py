"""HTTP side of the XLSX exports (the workbook itself is built in registry.reports.xlsx)."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpResponse
from django.utils import timezone

from registry.reports.xlsx import XLSX_CONTENT_TYPE, Sheet, workbook_bytes


def xlsx_response(stem: str, sheets: Sequence[Sheet]) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.xlsx"'
    # Personal data: never kept by shared caches or the browser's back/forward cache.
    response["Cache-Control"] = "no-store"
    return response


def table_cells(
    rows: Sequence[dict], columns: Sequence[tuple[str, object]], links=None, formats=None
):
    """Rows as lists of {"value", "url"} cells in column order, for the generic list table.

    `links` maps a column key to a function(value) -> url; `formats` a column key to a
    function(value) -> the text shown (periods and dates in the pages' one format; exports
    pass none and keep the stored values).
    """
    links = links or {}
    formats = formats or {}
    out = []
    for row in rows:
        cells = []
        for key, _label in columns:
            value = row.get(key)
            if isinstance(value, list | tuple):
                value = ", ".join(str(v) for v in value)
            url = links[key](value) if key in links and value else None
            number = isinstance(value, int) and not isinstance(value, bool)
            if key in formats and value not in (None, ""):
                value = formats[key](value)
            cells.append({"value": value, "url": url, "num": number})
        out.append(cells)
    return out
