"""Map agency column headers onto the exchange format's canonical fields.

Indonesian and English headers map without configuration (record-format.md); anything else
comes from the mapping an operator gives once per agency (Agency.column_mapping). The
aliases themselves are defined once, in linkage.schema.
"""

from __future__ import annotations

from collections.abc import Mapping

from linkage.schema import (  # noqa: F401 - re-exported: the importer's names
    CANONICAL_FIELDS,
    HEADER_ALIASES,
    ROW_COUNTER,
    RT_RW,
    header_key,
    map_header,
)


def map_headers(
    headers: list[object], agency_mapping: Mapping[str, str] | None = None
) -> tuple[dict[int, str], list[str]]:
    """Column index -> canonical field, plus the headers left unmapped (ignored, reported)."""
    columns: dict[int, str] = {}
    unknown: list[str] = []
    for index, header in enumerate(headers):
        if header is None or str(header).strip() == "":
            continue
        field = map_header(header, agency_mapping)
        if field is None:
            unknown.append(str(header).strip())
        elif field not in columns.values():
            columns[index] = field
    return columns, unknown
