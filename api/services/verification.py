"""Verification of a recipient list against the registry.

NIKs in such lists are often wrong, so a row is never matched by NIK alone: candidates come
through the same indexed blocking keys the linkage engine uses (NIK, name key + birth date,
phonetic name + kelurahan), normalised by linkage.normalize exactly as at import, and are scored
with a documented weighted rapidfuzz score (linkage.engine.score_candidates needs a fitted
Fellegi-Sunter model, which the registry does not persist yet):

    0.40 NIK equal (0.25 if either side is unreliable, 0.15 one edit apart)
  + 0.35 x name similarity (rapidfuzz token_sort_ratio of the name keys)
  + 0.15 birth date equal (0.07 day/month swapped or same year and month)
  + 0.10 same kelurahan

A row matches its best person when the confidence is >= 0.6 and the names are >= 0.75 alike.
Only records the caller may read are candidates (registry.selectors.visible_records), and the
whole verification is audited as one read with its purpose.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Q
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from audit.services import audit_record
from linkage.normalize.record import normalize_record
from linkage.normalize.regions import RegionMatcher
from registry.models import AgencyKind, AidReceipt
from registry.roles import AID_ROLES, PERSON_ROLES
from registry.selectors import NotFound, Purpose, Viewer, audit_denial, visible_records

MATCH_MIN_CONFIDENCE = 0.6
MATCH_MIN_NAME = 0.75
HIGH_DECILE = 6
METHOD = "rapidfuzz-weighted"
CANDIDATE_COLUMNS = (
    "id",
    "person_id",  # SourceRecordQuerySet.linked()'s annotation
    "link__person__public_id",
    "agency__kind",
    "nik",
    "nik_reliable",
    "name_key",
    "name_phonetic",
    "birth_date",
    "kelurahan_code",
    "death_date",
    "welfare_decile",
    "created_at",
)


def _normalise(index: int, row: dict[str, Any], regions: RegionMatcher) -> dict[str, Any]:
    record = {k: v for k, v in row.items() if k != "row_id" and v is not None}
    record["source_record_id"] = f"row-{index}"
    fields, errors = normalize_record(record, regions=regions)
    fields["_nik_given"] = bool(str(row.get("nik") or "").strip())
    fields["_nik_error"] = any(f == "nik" for f, _ in errors)
    return fields


def _date_score(a: date | None, b: date | None) -> float:
    if a is None or b is None:
        return 0.0
    if a == b:
        return 0.15
    if (a.day, a.month, a.year) == (b.month, b.day, b.year) or (a.year, a.month) == (
        b.year,
        b.month,
    ):
        return 0.07
    return 0.0


def _score(row: dict[str, Any], cand: dict[str, Any]) -> tuple[float, float, list[str]]:
    matched = []
    score = 0.0
    nik, other = row.get("nik") or "", cand["nik"] or ""
    if nik and other:
        if nik == other:
            reliable = row.get("nik_reliable") and cand["nik_reliable"]
            score += 0.40 if reliable else 0.25
            matched.append("nik")
        elif len(nik) == len(other) and Levenshtein.distance(nik, other) == 1:
            score += 0.15
            matched.append("nik_one_edit")
    name = fuzz.token_sort_ratio(row.get("name_key") or "", cand["name_key"] or "") / 100
    score += 0.35 * name
    if name >= MATCH_MIN_NAME:
        matched.append("name")
    ds = _date_score(row.get("birth_date"), cand["birth_date"])
    score += ds
    if ds:
        matched.append("birth_date" if ds >= 0.15 else "birth_date_near")
    if row.get("kelurahan_code") and row.get("kelurahan_code") == cand["kelurahan_code"]:
        score += 0.10
        matched.append("kelurahan")
    return round(min(score, 1.0), 4), name, matched


def _candidates(base, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    niks = {r["nik"] for r in rows if r.get("nik")}
    name_dob = {
        (r["name_key"], r["birth_date"]) for r in rows if r.get("name_key") and r.get("birth_date")
    }
    phon_kel = {
        (r["name_phonetic"], r["kelurahan_code"])
        for r in rows
        if r.get("name_phonetic") and r.get("kelurahan_code")
    }
    condition = Q(pk__in=[])
    if niks:
        condition |= Q(nik__in=niks)
    if name_dob:
        condition |= Q(
            name_key__in={k for k, _ in name_dob}, birth_date__in={d for _, d in name_dob}
        )
    if phon_kel:
        condition |= Q(
            name_phonetic__in={p for p, _ in phon_kel}, kelurahan_code__in={k for _, k in phon_kel}
        )
    return list(base.filter(condition).values(*CANDIDATE_COLUMNS)[:50_000])


def _relevant(row: dict[str, Any], cand: dict[str, Any]) -> bool:
    return bool(
        (row.get("nik") and row["nik"] == cand["nik"])
        or (row.get("name_key") == cand["name_key"] and row.get("birth_date") == cand["birth_date"])
        or (
            row.get("name_phonetic") == cand["name_phonetic"]
            and row.get("kelurahan_code") == cand["kelurahan_code"]
        )
    )


def recipients_verify_for_user(
    *, viewer: Viewer, purpose: Purpose, rows: list[dict[str, Any]], program: str = ""
) -> dict[str, Any]:
    purpose = Purpose.parse(purpose.code, purpose.text)
    if viewer.role not in PERSON_ROLES:
        audit_denial(
            viewer, reason="role", action="persons.verify", object_type="person", purpose=purpose
        )
        raise NotFound("verification")
    regions = RegionMatcher.for_regency(settings.REGISTRY_REGENCY_CODE)
    normalised = [_normalise(i, r, regions) for i, r in enumerate(rows)]
    base = visible_records(viewer).linked()
    candidates = _candidates(base, normalised)
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in candidates:
        by_person[c["person_id"]].append(c)
    results = []
    for index, row in enumerate(normalised):
        best: tuple[float, float, list[str], int] | None = None
        for c in candidates:
            if not _relevant(row, c):
                continue
            score, name, matched = _score(row, c)
            if best is None or score > best[0]:
                best = (score, name, matched, c["person_id"])
        matched_person = None
        if best and best[0] >= MATCH_MIN_CONFIDENCE and best[1] >= MATCH_MIN_NAME:
            matched_person = best[3]
        results.append(
            {
                "index": index,
                "row_id": rows[index].get("row_id"),
                "_person": matched_person,
                "person_id": by_person[matched_person][0]["link__person__public_id"]
                if matched_person
                else None,
                "confidence": best[0] if best else 0.0,
                "matched_on": best[2] if best and matched_person else [],
                "flags": [],
                "duplicate_of": [],
                "other_programs": [],
                "welfare_decile": None,
                "_row": row,
            }
        )
    _flag(viewer, results, by_person, program.strip().upper())
    matched_ids = sorted({r["person_id"] for r in results if r["person_id"]})
    audit_record(
        actor=viewer.user,
        action="persons.verify",
        object_type="person",
        persons=matched_ids,
        purpose_code=purpose.code,
        purpose_text=purpose.text,
        agency_code=viewer.agency_code,
        role=viewer.role,
        ip=viewer.ip,
        user_agent=viewer.user_agent,
        detail={"rows": len(rows), "matched": len(matched_ids), "program": program},
    )
    for r in results:
        r.pop("_person")
        r.pop("_row")
    return {
        "rows": results,
        "matched": sum(1 for r in results if r["person_id"]),
        "flagged": sum(1 for r in results if r["flags"]),
        "method": METHOD,
    }


def _flag(viewer, results, by_person, program: str) -> None:
    rows_of: dict[int, list[int]] = defaultdict(list)
    for r in results:
        if r["_person"]:
            rows_of[r["_person"]].append(r["index"])
    receipts: dict[int, set[str]] = defaultdict(set)
    if viewer.role in AID_ROLES and rows_of:
        visible_ids = [c["id"] for pid in rows_of for c in by_person[pid]]
        for person_id, prog in AidReceipt.objects.filter(
            source_record_id__in=visible_ids
        ).values_list("person_id", "program"):
            if person_id is not None and prog and prog != program:
                receipts[person_id].add(prog)
    for r in results:
        row, flags = r["_row"], r["flags"]
        if row["_nik_given"] and (row["_nik_error"] or not row.get("nik_reliable")):
            flags.append("nik_invalid")
        pid = r["_person"]
        if pid is None:
            flags.append("no_match")
            continue
        records = by_person[pid]
        if any(c["death_date"] for c in records):
            flags.append("deceased")
        civil = {
            c["nik"]
            for c in records
            if c["agency__kind"] == AgencyKind.CIVIL_REGISTRY and c["nik_reliable"] and c["nik"]
        }
        if row.get("nik") and civil and row["nik"] not in civil:
            flags.append("nik_differs_from_civil_registry")
        others = [i for i in rows_of[pid] if i != r["index"]]
        if others:
            flags.append("duplicate_in_list")
            r["duplicate_of"] = others
        if receipts.get(pid):
            flags.append("receives_other_programs")
            r["other_programs"] = sorted(receipts[pid])
        deciles = sorted(
            (c for c in records if c["welfare_decile"] is not None),
            key=lambda c: c["created_at"],
            reverse=True,
        )
        if deciles:
            r["welfare_decile"] = deciles[0]["welfare_decile"]
            if r["welfare_decile"] >= HIGH_DECILE:
                flags.append("high_welfare_decile")
