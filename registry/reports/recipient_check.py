"""Recipient-list verification: the one service behind the web page (a CSV/XLSX upload) and the
API (`POST /api/verifications`, JSON rows). Both only render its answer (issue 17 item 4).

Each row of a program's recipient list is matched to the linked registry and checked: matched
person and confidence, deceased, NIK invalid or different from the civil registry's, listed
twice, other programs received, a welfare decile outside the program's target group.

Matching (one scorer): candidates come through the linkage engine's blocking keys (NIK, name
key + birth date, phonetic name + kelurahan), normalised by linkage.normalize exactly as at
import, and are scored with a documented weighted rapidfuzz score (linkage.engine's
Fellegi-Sunter model is fitted per link run and not persisted yet):

    0.40 NIK equal (0.25 if either side is unreliable, 0.15 one edit apart)
  + 0.35 x name similarity (rapidfuzz token_sort_ratio of the name keys)
  + 0.15 birth date equal (0.07 day/month swapped or same year and month)
  + 0.10 same kelurahan

A row matches its best person when the confidence is >= 0.6 and the names are >= 0.75 alike.

Not an oracle (issue 14 item 2):
- only verification roles (aid roles: walidata, agency operators and social analysts) may
  check a list; a planner, auditor or the public gets NotFound, audited as denied;
- every candidate, death date, civil-registry NIK, receipt and decile comes from the records
  the caller may read (`records_for`), nothing else;
- a NIK is used as evidence only for a caller who sees NIKs in full (never for a masked role),
  so an answer never confirms a NIK the caller could not already read for that person;
- a volume limit per user and day (RECIPIENT_CHECK_ROWS_PER_DAY), counted from the audit
  trail; a refusal is audited.
One audit event per check, with the persons matched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from audit.actions import Action
from audit.models import AuditEvent
from linkage.normalize.record import normalize_record
from linkage.normalize.regions import RegionMatcher
from registry.ingest.reading import FileFormatError, read_upload
from registry.models import AgencyKind, AidReceipt
from registry.reports.common import audit_report, period_start, records_for
from registry.reports.deciles import latest_by_kk
from registry.roles import AID_ROLES, MASKED_ROLES

MAX_ROWS = 20_000
DEFAULT_ROWS_PER_DAY = 20_000
MATCH_MIN_CONFIDENCE = 0.6
MATCH_MIN_NAME = 0.75
HIGH_DECILE = 6
METHOD = "rapidfuzz-weighted"
# Roles that may check a recipient list: those who handle aid (finances, UU KIP art. 17(h)).
VERIFY_ROLES = AID_ROLES
ACTIONS = (Action.REPORT_RECIPIENT_CHECK, Action.REPORT_RECIPIENT_CHECK_EXPORT)
CANDIDATES_MAX = 50_000
CANDIDATE_COLUMNS = (
    "id",
    "person_id",  # SourceRecordQuerySet.linked()'s annotation
    "link__person__public_id",
    "agency__kind",
    "agency__code",
    "nik",
    "nik_reliable",
    "name_key",
    "name_phonetic",
    "birth_date",
    "kelurahan_code",
    "death_date",
    "welfare_decile",
    "kk_number",
    "created_at",
)
FLAGS = (
    "no_match",
    "nik_invalid",
    "deceased",
    "nik_differs_from_civil_registry",
    "duplicate_in_list",
    "receives_other_programs",
    "high_welfare_decile",
)


class RecipientFileError(ValueError):
    pass


class NotAllowed(Exception):
    """The caller's role may not check recipient lists (answered as not found)."""


class VolumeLimitExceeded(Exception):
    def __init__(self, limit: int):
        super().__init__(f"more than {limit} rows checked today")
        self.limit = limit


@dataclass
class CheckedRow:
    index: int  # 0-based position in the list
    line: int | None  # spreadsheet line (uploads)
    row_id: str | None  # the caller's key (API)
    name: str
    nik: str
    person_public_id: str = ""
    confidence: float = 0.0
    matched_on: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    death_date: dt.date | None = None
    nik_digits_apart: int | None = None
    other_programs: list[str] = field(default_factory=list)
    duplicate_of: list[int] = field(default_factory=list)  # indexes of the other rows
    welfare_decile: int | None = None
    # "DTSEN 2026-Q3" (the latest readable DTSEN fact of the person's KK) or "estimate:<agency>"
    welfare_decile_source: str = ""


@dataclass
class CheckReport:
    file_name: str
    program: str
    period: str
    rows: list[CheckedRow]
    counts: dict[str, int]
    unreadable: list[dict]
    method: str = METHOD


def rows_per_day() -> int:
    return int(getattr(settings, "RECIPIENT_CHECK_ROWS_PER_DAY", DEFAULT_ROWS_PER_DAY))


def rows_checked_today(viewer) -> int:
    """Rows this user had checked since midnight (local), from the audit trail."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    total = AuditEvent.objects.filter(
        actor=viewer.user, action__in=ACTIONS, outcome="allowed", occurred_at__gte=start
    ).aggregate(n=Sum(Cast(KeyTextTransform("rows", "detail"), output_field=_int_field())))["n"]
    return int(total or 0)


def _int_field():
    from django.db.models import IntegerField

    return IntegerField()


# --- matching -------------------------------------------------------------------------------


def _normalise(index: int, row: dict[str, Any], regions: RegionMatcher) -> dict[str, Any]:
    record = {k: v for k, v in row.items() if k != "row_id" and v not in (None, "")}
    record["source_record_id"] = f"row-{index}"
    fields, errors = normalize_record(record, regions=regions)
    fields["_nik_given"] = bool(str(row.get("nik") or "").strip())
    fields["_nik_error"] = any(f == "nik" for f, _ in errors)
    fields["_unreadable"] = [f"{f}: {r}" for f, r in errors]
    return fields


def _date_score(a: dt.date | None, b: dt.date | None) -> float:
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


def _score(row: dict[str, Any], cand: dict[str, Any], use_nik: bool):
    matched = []
    score = 0.0
    nik, other = row.get("nik") or "", cand["nik"] or ""
    if use_nik and nik and other:
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


def _candidates(base, rows: list[dict[str, Any]], use_nik: bool) -> list[dict[str, Any]]:
    niks = {r["nik"] for r in rows if r.get("nik")} if use_nik else set()
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
    return list(base.filter(condition).values(*CANDIDATE_COLUMNS)[:CANDIDATES_MAX])


def _relevant(row: dict[str, Any], cand: dict[str, Any], use_nik: bool) -> bool:
    return bool(
        (use_nik and row.get("nik") and row["nik"] == cand["nik"])
        or (row.get("name_key") == cand["name_key"] and row.get("birth_date") == cand["birth_date"])
        or (
            row.get("name_phonetic") == cand["name_phonetic"]
            and row.get("kelurahan_code") == cand["kelurahan_code"]
        )
    )


def _digits_apart(a: str, b: str) -> int | None:
    if len(a) != len(b):
        return None
    return sum(x != y for x, y in zip(a, b, strict=True))


# --- the service ----------------------------------------------------------------------------


def recipients_check(
    viewer,
    *,
    rows: list[dict[str, Any]],
    lines: list[int] | None = None,
    program: str = "",
    period: str = "",
    purpose=None,
    file_name: str = "",
    file_sha256: str = "",
    export: bool = False,
    channel: str = "web",
) -> CheckReport:
    """Check a recipient list given as exchange-format rows (`row_id` optional). Raises
    NotAllowed (role) or VolumeLimitExceeded, both audited as denied."""
    program = (program or "").strip().upper()
    period = (period or "").strip()
    query = {
        "report": "recipient_check",
        "channel": channel,
        "file_name": file_name[:200],
        "program": program,
        "period": period,
        "export": export,
    }
    target = {
        "action": ACTIONS[1] if export else ACTIONS[0],
        "object_type": "recipient_list",
        "object_id": file_sha256,
        "query": query,
        "purpose": purpose,
    }
    if viewer.role not in VERIFY_ROLES:
        _deny(viewer, reason="role", rows=len(rows), **target)
        raise NotAllowed(viewer.role)
    limit = rows_per_day()
    if rows_checked_today(viewer) + len(rows) > limit:
        _deny(viewer, reason="volume_limit", rows=len(rows), **target)
        raise VolumeLimitExceeded(limit)

    # A masked role never gets a NIK confirmed (none is in VERIFY_ROLES today; the rule holds
    # should one be added).
    use_nik = viewer.role not in MASKED_ROLES
    regions = RegionMatcher.for_regency(settings.REGISTRY_REGENCY_CODE)
    normalised = [_normalise(i, r, regions) for i, r in enumerate(rows)]
    records = records_for(viewer)
    candidates = _candidates(records.linked(), normalised, use_nik)
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in candidates:
        by_person[c["person_id"]].append(c)

    checked: list[CheckedRow] = []
    person_of: dict[int, int] = {}
    unreadable = []
    for index, row in enumerate(normalised):
        if not row.get("name_key") and not row.get("nik"):
            unreadable.append({"index": index, "line": _line(lines, index),
                               "errors": row["_unreadable"]})  # fmt: skip
        best: tuple[float, float, list[str], int] | None = None
        for c in candidates:
            if not _relevant(row, c, use_nik):
                continue
            score, name, matched = _score(row, c, use_nik)
            if best is None or score > best[0]:
                best = (score, name, matched, c["person_id"])
        out = CheckedRow(
            index=index,
            line=_line(lines, index),
            row_id=rows[index].get("row_id"),
            name=row.get("full_name") or "",
            nik=row.get("nik") or "",
            confidence=best[0] if best else 0.0,
        )
        if best and best[0] >= MATCH_MIN_CONFIDENCE and best[1] >= MATCH_MIN_NAME:
            person_of[index] = best[3]
            out.matched_on = best[2]
            out.person_public_id = by_person[best[3]][0]["link__person__public_id"]
        checked.append(out)

    _flag(viewer, records, checked, normalised, person_of, by_person, program, period, use_nik)
    counts = {flag: sum(flag in r.flags for r in checked) for flag in FLAGS}
    counts["rows"] = len(checked)
    counts["matched"] = len(person_of)
    with transaction.atomic():
        audit_report(
            viewer,
            persons=[r.person_public_id for r in checked],
            detail={"rows": len(rows), "counts": counts, "unreadable": len(unreadable)},
            **target,
        )
    return CheckReport(
        file_name=file_name,
        program=program,
        period=period,
        rows=checked,
        counts=counts,
        unreadable=unreadable,
    )


def recipient_file_check(
    viewer, *, file_name: str, content: bytes, program="", period="", purpose=None, export=False
) -> CheckReport:
    """The web page's entry: a CSV/XLSX file read with the importer's reader, then checked."""
    try:
        parsed = read_upload(file_name, content)
    except (FileFormatError, ValueError) as exc:
        raise RecipientFileError(str(exc)) from exc
    if len(parsed.rows) > MAX_ROWS:
        raise RecipientFileError(f"more than {MAX_ROWS} rows")
    return recipients_check(
        viewer,
        rows=[dict(record) for _line, record in parsed.rows],
        lines=[line for line, _record in parsed.rows],
        program=program,
        period=period,
        purpose=purpose,
        file_name=file_name,
        file_sha256=hashlib.sha256(content).hexdigest(),
        export=export,
        channel="web",
    )


def _line(lines: list[int] | None, index: int) -> int | None:
    return lines[index] if lines is not None else None


def _deny(viewer, *, reason: str, rows: int, **target) -> None:
    with transaction.atomic():
        audit_report(viewer, outcome="denied", reason=reason, detail={"rows": rows}, **target)


def _flag(viewer, records, checked, normalised, person_of, by_person, program, period, use_nik):
    """Flags from the visible records only: the civil registry's NIK and death date count
    when the viewer may read that civil-registry record; receipts and deciles likewise."""
    person_ids = set(person_of.values())
    civil = list(
        records.filter(link__person__in=person_ids, agency__kind=AgencyKind.CIVIL_REGISTRY)
        .with_person()
        .values("person_id", "nik", "nik_reliable", "death_date")
    )
    deaths: dict[int, dt.date] = {}
    civil_niks: dict[int, set[str]] = defaultdict(set)
    for c in civil:
        if c["death_date"] and (
            c["person_id"] not in deaths or c["death_date"] < deaths[c["person_id"]]
        ):
            deaths[c["person_id"]] = c["death_date"]
        if c["nik_reliable"] and c["nik"]:
            civil_niks[c["person_id"]].add(c["nik"])
    other: dict[int, set[str]] = defaultdict(set)
    receipts = AidReceipt.objects.filter(
        person_id__in=person_ids, source_record_id__in=records.values("id")
    )
    if period:
        receipts = receipts.filter(period=period)
    if program:
        receipts = receipts.exclude(program=program)
    for pid, prog, per in receipts.values_list("person_id", "program", "period"):
        other[pid].add(f"{prog} {per}")
    rows_of: dict[int, list[int]] = defaultdict(list)
    for index, pid in person_of.items():
        rows_of[pid].append(index)
    nik_rows: dict[str, list[int]] = defaultdict(list)
    for row in checked:
        if row.nik and normalised[row.index].get("nik_reliable"):
            nik_rows[row.nik].append(row.index)
    start = period_start(period) if period else None
    # The latest readable DTSEN decile of the person's KK (their latest visible record that
    # carries one) comes first; the agencies' own estimates only where DTSEN says nothing.
    kk_of: dict[int, str] = {}
    for pid in person_ids:
        with_kk = [c for c in by_person[pid] if c.get("kk_number")]
        if with_kk:
            kk_of[pid] = max(with_kk, key=lambda c: (c["created_at"], c["id"]))["kk_number"]
    dtsen = latest_by_kk(viewer, kk_of.values())
    for row in checked:
        given = normalised[row.index]
        if given["_nik_given"] and (given["_nik_error"] or not given.get("nik_reliable")):
            row.flags.append("nik_invalid")
        twins = set(nik_rows.get(row.nik, ())) if row.nik else set()
        pid = person_of.get(row.index)
        if pid is None:
            row.flags.append("no_match")
        else:
            death = deaths.get(pid)
            if death and (start is None or start > death):
                row.flags.append("deceased")
                row.death_date = death
            reference = civil_niks.get(pid, set())
            if use_nik and reference and row.nik and row.nik not in reference:
                row.flags.append("nik_differs_from_civil_registry")
                row.nik_digits_apart = min(
                    (d for d in (_digits_apart(row.nik, n) for n in reference) if d is not None),
                    default=None,
                )
            twins |= set(rows_of[pid])
            if other.get(pid):
                row.flags.append("receives_other_programs")
                row.other_programs = sorted(other[pid])
            deciles = sorted(
                (c for c in by_person[pid] if c["welfare_decile"] is not None),
                key=lambda c: (c["created_at"], c["id"]),
                reverse=True,
            )
            fact = dtsen.get(kk_of.get(pid, ""))
            if fact is not None:
                row.welfare_decile = fact[0]
                row.welfare_decile_source = f"DTSEN {fact[1]}"
            elif deciles:
                row.welfare_decile = deciles[0]["welfare_decile"]
                row.welfare_decile_source = f"estimate:{deciles[0]['agency__code']}"
            if row.welfare_decile is not None and row.welfare_decile >= HIGH_DECILE:
                row.flags.append("high_welfare_decile")
        twins.discard(row.index)
        if twins:
            row.flags.append("duplicate_in_list")
            row.duplicate_of = sorted(twins)
