"""Assembling views from visible records: golden values recomputed from them (the linker's
one rule), region names, record views with their versions."""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.db.models import Q

from registry.access.policy import (
    mask_number,
)
from registry.access.viewer import Viewer
from registry.linking import KK_UNRELIABLE_FLAGS, golden
from registry.models import (
    SOURCE_PRIORITY,
    Region,
    SourceRecord,
)
from registry.roles import (
    AID_ROLES,
)
from registry.selectors.views import (
    AID_FIELDS,
    GOLDEN_SHOWN,
    RECORD_FIELDS,
    RecordVersionView,
    RecordView,
)

logger = logging.getLogger(__name__)


_NULLABLE_GOLDEN = frozenset({"birth_date", "death_date", "rt", "rw"})


# --- assembling profiles ------------------------------------------------------------------


def visible_golden(records: list[SourceRecord]) -> dict[int, dict[str, Any]]:
    """Golden values per person from the given (visible, current) records, by the linker's
    one rule (registry.linking.golden): a field held only by an invisible record is not even
    hinted at."""
    rows = [
        {
            "person_id": r.person_id,
            "agency_priority": SOURCE_PRIORITY.get(r.agency.kind, 50),
            "created_at": r.created_at,
            "version": r.version,
            "nik_reliable": bool(r.nik_reliable),
            "kk_reliable": not (KK_UNRELIABLE_FLAGS & set(r.flags or ())),
            **{name: getattr(r, name) for name in GOLDEN_SHOWN},
        }
        for r in records
    ]
    result = golden.golden_by_person(rows, GOLDEN_SHOWN)
    for values in result.values():
        for name in GOLDEN_SHOWN:
            if values[name] is None and name not in _NULLABLE_GOLDEN:
                values[name] = ""
    return result


@functools.lru_cache(maxsize=1)
def _all_region_names() -> dict[str, str]:
    # Reference data loaded by migration (a city's ~120 kecamatan/kelurahan): read once.
    return dict(Region.objects.values_list("code", "name"))


def region_names(codes: set[str]) -> dict[str, str]:
    names = _all_region_names()
    if any(c and c not in names for c in codes):
        _all_region_names.cache_clear()  # regions were (re)loaded since: read them again
        names = _all_region_names()
    return {c: names[c] for c in codes if c in names}


def _record_fields(record: SourceRecord, viewer: Viewer) -> dict[str, Any]:
    fields = {f: getattr(record, f) for f in RECORD_FIELDS}
    if viewer.role not in AID_ROLES:
        for f in AID_FIELDS:
            fields.pop(f, None)
    if viewer.masked:
        fields["nik"] = mask_number(fields["nik"])
        fields["kk_number"] = mask_number(fields["kk_number"])
    return fields


def _record_original(record: SourceRecord, viewer: Viewer) -> dict[str, Any]:
    # Original values hold NIK/KK as sent; masked roles get none of them.
    return {} if viewer.masked else dict(record.original or {})


def record_views(
    viewer: Viewer, records: list[SourceRecord], readable: list[int]
) -> list[RecordView]:
    older: dict[tuple[int, str], list[RecordVersionView]] = {}
    # Version 1 everywhere (the common case) means no older versions: skip the query.
    if any(r.version > 1 for r in records):
        keys = Q()
        for r in records:
            keys |= Q(agency_id=r.agency_id, source_record_id=r.source_record_id)
        for old in SourceRecord.objects.filter(
            keys, is_current=False, dataset_id__in=readable
        ).order_by("-version"):
            older.setdefault((old.agency_id, old.source_record_id), []).append(
                RecordVersionView(
                    version=old.version,
                    created_at=old.created_at,
                    fields=_record_fields(old, viewer),
                    original=_record_original(old, viewer),
                    flags=list(old.flags or []),
                )
            )
    ordered = sorted(
        records,
        key=lambda r: (SOURCE_PRIORITY.get(r.agency.kind, 50), r.agency.code, r.source_record_id),
    )
    return [
        RecordView(
            agency_code=r.agency.code,
            agency_name=r.agency.name,
            dataset_name=r.dataset.name,
            dataset_title=r.dataset.title,
            access_level=r.dataset.access_level,
            source_record_id=r.source_record_id,
            version=r.version,
            created_at=r.created_at,
            fields=_record_fields(r, viewer),
            original=_record_original(r, viewer),
            flags=list(r.flags or []),
            older_versions=older.get((r.agency_id, r.source_record_id), []),
        )
        for r in ordered
    ]
