"""Golden values: the one rule for a person's best value of each field (issue 17 item 1).

Each field comes from the first record, in golden order, that has a value: the source's
priority first (the civil registry is the reference for identity, SOURCE_PRIORITY), then the
most recent record, then the highest version; an unreliable NIK or KK never wins.

Households (one per reliable golden KK) follow from it: `relationship_by_person` (a member's
relationship on the card, from the first record in golden order that states one),
`latest_decile_by_kk` (the welfare decile of the most recent record carrying one) and
`household_values` (a new household's address from the first member, by pk, holding each
field). Incremental linking applies these to its few persons; profiles.write_households
applies the same order vectorised; tests/registry/test_incremental_matches_full.py pins the
two paths to each other.

`golden_by_person` applies it to a handful of records: incremental linking of a batch
(registry.linking.incremental) and a profile read from the viewer's visible records
(registry.selectors). `profiles.golden_values_frame` applies the same order vectorised to a whole
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


def _in_golden_order(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(rows, key=lambda r: (r["person_id"], *golden_order(r)))


def relationship_by_person(rows: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """{person_id: relationship} from the first record, in golden order, that states one."""
    found: dict[int, str] = {}
    for row in _in_golden_order(rows):
        if row["relationship"]:
            found.setdefault(row["person_id"], row["relationship"])
    return found


def latest_decile_by_kk(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """{kk_number: welfare decile} from the most recent record carrying one (ties: golden
    order)."""
    latest: dict[str, tuple] = {}
    for row in _in_golden_order(rows):
        if row["welfare_decile"] is None:
            continue
        key = row["kk_number"]
        if key not in latest or row["created_at"] > latest[key][0]:
            latest[key] = (row["created_at"], row["welfare_decile"])
    return {key: decile for key, (_, decile) in latest.items()}


HOUSEHOLD_FIELDS = ("address", "rt", "rw", "kelurahan_code", "kecamatan_code")


def household_values(
    golden: Iterable[tuple[int, Mapping[str, Any]]], kks: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """{kk_number: {field: value or None}} for new households: each address field from the
    first of their members (by person pk) that has it."""
    found: dict[str, dict[str, Any]] = {kk: {} for kk in kks}
    for _, values in sorted(golden, key=lambda item: item[0]):
        fields = found.get(values["kk_number"])
        if fields is None:
            continue
        for name in HOUSEHOLD_FIELDS:
            if fields.get(name) is None and values[name] not in (None, ""):
                fields[name] = values[name]
    return {
        kk: {name: fields.get(name) for name in HOUSEHOLD_FIELDS} for kk, fields in found.items()
    }
