"""Why each visible record belongs to a person: which identifying fields agree with the
person's golden values (computed from the caller's visible records only)."""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz

from linkage.normalize.names import normalize_name
from registry.selectors import PersonProfile

COMPARED = ("nik", "kk_number", "birth_date", "sex", "kelurahan_code", "full_name")


def link_explanation(profile: PersonProfile) -> list[dict[str, Any]]:
    golden = profile.golden
    golden_name = normalize_name(golden.get("full_name") or "").key
    out = []
    for record in profile.records:
        agrees, differs = [], []
        for name in COMPARED:
            mine, best = record.fields.get(name), golden.get(name)
            if mine in (None, "") or best in (None, ""):
                continue
            if name == "full_name":
                mine, best = normalize_name(mine).key, golden_name
            (agrees if mine == best else differs).append(name)
        name_key = normalize_name(record.fields.get("full_name") or "").key
        similarity = (
            round(fuzz.token_sort_ratio(name_key, golden_name) / 100, 4)
            if name_key and golden_name
            else None
        )
        out.append(
            {
                "agency_code": record.agency_code,
                "source_record_id": record.source_record_id,
                "agrees_on": agrees,
                "differs_on": differs,
                "name_similarity": similarity,
                "flags": list(record.flags),
            }
        )
    return out
