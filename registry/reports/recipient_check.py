"""Recipient-list verification: a program's recipient list (CSV/XLSX) checked row by row
against the linked registry — matched person and confidence, deceased, NIK invalid or
different from the civil registry's, listed twice, other programs received.

Matching reads only records the viewer may see; death dates and the civil registry's NIK are
used as evidence but never shown (only "deceased on", "NIK differs by n digits"). One audit
event per check, with the file's hash and the persons matched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Min
from rapidfuzz import fuzz

from linkage.normalize.record import normalize_record
from linkage.normalize.regions import RegionMatcher
from registry.ingest.reading import FileFormatError, read_upload
from registry.models import AgencyKind, AidReceipt, Person, SourceRecord
from registry.reports.common import audit_report, period_start, records_for

MAX_ROWS = 20_000
NAME_AGREES = 85  # token_sort_ratio on normalised name keys
# Confidence of a match, by the evidence behind it.
CONFIDENCE = {
    "nik_and_name": 0.99,
    "name_and_birth_date": 0.85,
    "nik_only": 0.6,  # the NIK is someone's, the name is not: misuse or a typo'd NIK
}


class RecipientFileError(ValueError):
    pass


@dataclass
class CheckedRow:
    line: int
    name: str
    nik: str
    person_public_id: str = ""
    confidence: float | None = None
    matched_on: str = ""
    issues: list[str] = field(default_factory=list)
    death_date: dt.date | None = None
    nik_digits_apart: int | None = None
    other_programs: list[str] = field(default_factory=list)
    duplicate_of_lines: list[int] = field(default_factory=list)


@dataclass
class CheckReport:
    file_name: str
    program: str
    period: str
    rows: list[CheckedRow]
    counts: dict[str, int]
    unreadable: list[dict]


ISSUES = (
    "not_found",
    "deceased",
    "nik_invalid",
    "nik_differs",
    "listed_twice",
    "other_programs",
)


def _digits_apart(a: str, b: str) -> int | None:
    if len(a) != len(b):
        return None
    return sum(x != y for x, y in zip(a, b, strict=True))


def recipient_list_check(
    viewer,
    *,
    file_name: str,
    content: bytes,
    program: str = "",
    period: str = "",
    purpose=None,
    export: bool = False,
) -> CheckReport:
    try:
        parsed = read_upload(file_name, content)
    except (FileFormatError, ValueError) as exc:
        raise RecipientFileError(str(exc)) from exc
    if len(parsed.rows) > MAX_ROWS:
        raise RecipientFileError(f"more than {MAX_ROWS} rows")
    regions = RegionMatcher.for_regency(settings.REGISTRY_REGENCY_CODE)
    normalised = []
    unreadable = []
    for line, raw in parsed.rows:
        fields_, errors = normalize_record(raw, regions=regions)
        if errors and not fields_.get("name_key") and not fields_.get("nik"):
            unreadable.append({"line": line, "errors": [f"{f}: {r}" for f, r in errors]})
            continue
        normalised.append((line, fields_))

    records = records_for(viewer).linked()
    niks = {f["nik"] for _, f in normalised if f["nik"] and f["nik_reliable"]}
    by_nik: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for nik, person_id, name_key in records.filter(nik__in=niks).values_list(
        "nik", "person_id", "name_key"
    ):
        by_nik[nik][person_id].add(name_key)
    name_keys = {f["name_key"] for _, f in normalised if f["name_key"] and f["birth_date"]}
    by_name_dob: dict[tuple[str, dt.date], set[int]] = defaultdict(set)
    for name_key, birth, person_id in records.filter(name_key__in=name_keys).values_list(
        "name_key", "birth_date", "person_id"
    ):
        by_name_dob[(name_key, birth)].add(person_id)

    rows: list[CheckedRow] = []
    person_of_row: dict[int, int] = {}
    for line, f in normalised:
        row = CheckedRow(line=line, name=f["full_name"], nik=f["nik"])
        if not f["nik_reliable"]:
            row.issues.append("nik_invalid")
        person_id = None
        candidates = by_nik.get(f["nik"], {}) if f["nik_reliable"] else {}
        for pid, keys in candidates.items():
            if any(fuzz.token_sort_ratio(f["name_key"], k) >= NAME_AGREES for k in keys):
                person_id, row.matched_on = pid, "nik_and_name"
                break
        if person_id is None and f["name_key"] and f["birth_date"]:
            found = by_name_dob.get((f["name_key"], f["birth_date"]), set())
            if len(found) == 1:  # two persons with that name and birth date: ambiguous
                person_id, row.matched_on = next(iter(found)), "name_and_birth_date"
        if person_id is None and len(candidates) == 1:
            person_id, row.matched_on = next(iter(candidates)), "nik_only"
        if person_id is None:
            row.issues.append("not_found")
        else:
            row.confidence = CONFIDENCE[row.matched_on]
            person_of_row[line] = person_id
        rows.append(row)

    _enrich(viewer, rows, person_of_row, program, period)
    counts = {issue: sum(issue in r.issues for r in rows) for issue in ISSUES}
    counts["rows"] = len(rows)
    counts["matched"] = len(person_of_row)
    audit_report(
        viewer,
        action="report.recipient_check.export" if export else "report.recipient_check",
        object_type="recipient_list",
        object_id=hashlib.sha256(content).hexdigest(),
        query={
            "report": "recipient_check",
            "file_name": file_name[:200],
            "program": program,
            "period": period,
            "export": export,
        },
        persons=[r.person_public_id for r in rows if r.person_public_id],
        purpose=purpose,
        detail={"counts": counts, "unreadable": len(unreadable)},
    )
    return CheckReport(
        file_name=file_name,
        program=program,
        period=period,
        rows=rows,
        counts=counts,
        unreadable=unreadable,
    )


def _enrich(viewer, rows, person_of_row, program, period) -> None:
    person_ids = set(person_of_row.values())

    public = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "public_id"))
    civil = SourceRecord.objects.filter(
        link__person__in=person_ids, is_current=True, agency__kind=AgencyKind.CIVIL_REGISTRY
    ).with_person()
    deaths = dict(
        civil.filter(death_date__isnull=False)
        .values("person_id")
        .annotate(d=Min("death_date"))
        .values_list("person_id", "d")
    )
    civil_niks: dict[int, set[str]] = defaultdict(set)
    for pid, nik in civil.filter(nik_reliable=True).values_list("person_id", "nik"):
        civil_niks[pid].add(nik)
    other: dict[int, set[str]] = defaultdict(set)
    receipts = AidReceipt.objects.filter(
        person_id__in=person_ids, source_record_id__in=records_for(viewer).values("id")
    )
    if period:
        receipts = receipts.filter(period=period)
    if program:
        receipts = receipts.exclude(program=program)
    for pid, prog, per in receipts.values_list("person_id", "program", "period"):
        other[pid].add(f"{prog} {per}")
    lines_of: dict[int, list[int]] = defaultdict(list)
    for line, pid in person_of_row.items():
        lines_of[pid].append(line)
    nik_lines = Counter(r.nik for r in rows if r.nik)
    start = period_start(period) if period else None
    for row in rows:
        pid = person_of_row.get(row.line)
        if nik_lines.get(row.nik, 0) > 1 and "listed_twice" not in row.issues:
            row.issues.append("listed_twice")
            row.duplicate_of_lines = [r.line for r in rows if r.nik == row.nik and r is not row]
        if pid is None:
            continue
        row.person_public_id = public.get(pid, "")
        death = deaths.get(pid)
        if death and (start is None or start > death):
            row.issues.append("deceased")
            row.death_date = death
        reference = civil_niks.get(pid, set())
        if reference and row.nik and row.nik not in reference:
            row.issues.append("nik_differs")
            row.nik_digits_apart = min(
                (d for d in (_digits_apart(row.nik, n) for n in reference) if d is not None),
                default=None,
            )
        twins = [line for line in lines_of[pid] if line != row.line]
        if twins:
            if "listed_twice" not in row.issues:
                row.issues.append("listed_twice")
            row.duplicate_of_lines = sorted(set(row.duplicate_of_lines) | set(twins))
        if other.get(pid):
            row.issues.append("other_programs")
            row.other_programs = sorted(other[pid])
