"""Golden values: the one rule for a person's best value of each field (issue 17 item 1).

Each field comes from the first record, in golden order, that has a value: the source's
priority first (the civil registry is the reference for identity, SOURCE_PRIORITY), then the
most recent record, then the highest version; an unreliable NIK or KK never wins.

`golden_by_person` applies it to a handful of records: incremental linking of a batch
(registry.linking.incremental) and a profile read from the viewer's visible records
(registry.selectors). `profiles._golden_values` applies the same order vectorised to a whole
city (one numpy lexsort on the same three keys; a Python loop over millions of records would
take minutes); tests/access/test_golden.py pins the three callers to each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from registry.linking.records import GOLDEN_FIELDS

# Fields whose value counts only from a record where it is reliable, and the row key saying so.
RELIABILITY = {"nik": "nik_reliable", "kk_number": "kk_reliable"}


def golden_order(row: Mapping[str, Any]) -> tuple:
    """Sort key within one person: priority ascending, newest first, highest version first."""
    created = row["created_at"]
    return (row["agency_priority"], -created.timestamp(), -row["version"])


def golden_by_person(
    rows: Iterable[Mapping[str, Any]], fields: Sequence[str] = GOLDEN_FIELDS
) -> dict[int, dict[str, Any]]:
    """{person_id: {field: value or None}} from rows holding person_id, agency_priority,
    created_at, version, nik_reliable, kk_reliable and the fields. Ties keep the input order."""
    ordered = sorted(rows, key=lambda r: (r["person_id"], *golden_order(r)))
    found: dict[int, dict[str, Any]] = {}
    for row in ordered:
        values = found.setdefault(row["person_id"], {})
        for name in fields:
            if name in values:
                continue
            value = row[name]
            if value is None or value == "":
                continue
            reliable = RELIABILITY.get(name)
            if reliable and not row[reliable]:
                continue
            values[name] = value
    return {pid: {name: values.get(name) for name in fields} for pid, values in found.items()}
