"""Auditor tools and the UU PDP subject access report: the floor above `audit/`, joining audit
events with persons. Reading the trail is itself audited ('audit.view', 'audit.export',
'audit.subject_report'); refusals raise NotFound and are audited like selector denials.
"""

from __future__ import annotations

import io
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.actions import Action
from audit.models import AuditEvent
from registry.access.reads import NotFound, Purpose, audit_denial, audit_read
from registry.access.viewer import Viewer
from registry.models import AidReceipt, Membership, Person, PersonLinkEvent, SourceRecord
from registry.reports.cells import csv_writer
from registry.roles import AUDIT_ROLES, Role

# Actions that read personal data: the ones volume and night flags look at.
# Plain strings (SQL parameters) from the one catalogue.
READ_ACTIONS = tuple(
    a.value for a in (Action.PERSON_VIEW, Action.PERSON_SEARCH, Action.HOUSEHOLD_VIEW)
)
NIGHT_START_HOUR = 22
NIGHT_END_HOUR = 5
SPIKE_FACTOR = 3.0
SPIKE_MIN_EVENTS = 20
EVENTS_LIMIT_MAX = 5000
CSV_COLUMNS = (
    "id",
    "occurred_at",
    "actor_username",
    "agency_code",
    "role",
    "action",
    "object_type",
    "object_id",
    "persons",
    "purpose_code",
    "purpose_text",
    "outcome",
    "reason",
    "ip",
)


@dataclass(frozen=True)
class AccessRow:
    event_id: int
    occurred_at: datetime
    actor_username: str
    agency_code: str
    role: str
    action: str
    object_type: str
    object_id: str
    persons: list[str]
    purpose_code: str
    purpose_text: str
    outcome: str
    reason: str
    ip: str | None


@dataclass(frozen=True)
class AccessFlag:
    kind: str  # volume_spike | night_access | outside_agency
    username: str
    agency_code: str
    role: str
    count: int
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Holding:
    agency_code: str
    agency_name: str
    dataset_name: str
    dataset_title: str
    access_level: str
    source_record_id: str
    version: int
    is_current: bool
    created_at: datetime
    original: dict[str, Any]
    flags: list[str]


@dataclass(frozen=True)
class SubjectAccessReport:
    public_id: str
    redirected_from: str | None
    known_ids: list[str]
    generated_at: datetime
    generated_by: str
    golden: dict[str, Any]
    holdings: list[Holding]
    household_public_id: str | None
    aid: list[dict[str, Any]]
    link_events: list[dict[str, Any]]
    accesses: list[AccessRow]


def _row(event: AuditEvent) -> AccessRow:
    return AccessRow(
        event_id=event.pk,
        occurred_at=event.occurred_at,
        actor_username=event.actor_username,
        agency_code=event.agency_code,
        role=event.role,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        persons=list(event.persons),
        purpose_code=event.purpose_code,
        purpose_text=event.purpose_text,
        outcome=event.outcome,
        reason=event.reason,
        ip=event.ip,
    )


def _require(viewer: Viewer, roles, **audit_kwargs) -> None:
    if viewer.role not in roles:
        audit_denial(viewer, reason="role", **audit_kwargs)
        raise NotFound(audit_kwargs.get("object_id", ""))


def _known_ids(person: Person) -> list[str]:
    """The person's public id and every id merged into it (directly or through a chain)."""
    ids = [person.public_id]
    frontier = [person.pk]
    seen = {person.pk}
    while frontier:
        absorbed = list(
            Person.objects.filter(merged_into_id__in=frontier).values_list("pk", "public_id")
        )
        frontier = [pk for pk, _ in absorbed if pk not in seen]
        seen.update(frontier)
        ids.extend(pid for pk, pid in absorbed if pk in frontier)
    return ids


def _resolve(public_id: str) -> tuple[Person | None, str | None]:
    from registry.selectors import resolve_person

    return resolve_person(public_id)


def _window(qs: QuerySet[AuditEvent], since: datetime | None, until: datetime | None):
    if since is not None:
        qs = qs.filter(occurred_at__gte=since)
    if until is not None:
        qs = qs.filter(occurred_at__lt=until)
    return qs


def audit_events_for_user(
    *,
    viewer: Viewer,
    actor_username: str = "",
    agency_code: str = "",
    action: str = "",
    outcome: str = "",
    person: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[AccessRow]:
    """Filtered audit trail (newest first) for auditors and the walidata; audited."""
    query = {
        k: v
        for k, v in {
            "actor_username": actor_username,
            "agency_code": agency_code,
            "action": action,
            "outcome": outcome,
            "person": person,
            "since": since.isoformat() if since else "",
            "until": until.isoformat() if until else "",
            "limit": limit,
        }.items()
        if v
    }
    target = {"action": Action.AUDIT_VIEW, "object_type": "audit_trail", "query": query}
    _require(viewer, AUDIT_ROLES, **target)
    qs = _filtered(actor_username, agency_code, action, outcome, person, since, until)
    limit = max(1, min(int(limit), EVENTS_LIMIT_MAX))
    with transaction.atomic():
        rows = [_row(e) for e in qs.order_by("-id")[:limit]]
        audit_read(viewer, detail={"rows": len(rows)}, **target)
    return rows


def _filtered(actor_username, agency_code, action, outcome, person, since, until):
    qs = _window(AuditEvent.objects.all(), since, until)
    if actor_username:
        qs = qs.filter(actor_username=actor_username)
    if agency_code:
        qs = qs.filter(agency_code=agency_code)
    if action:
        qs = qs.filter(action=action)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if person:
        qs = qs.filter(persons__contains=[person])
    return qs


def audit_events_csv(*, viewer: Viewer, **filters: Any) -> str:
    """CSV export of the filtered trail (itself audited as 'audit.export')."""
    limit = max(1, min(int(filters.pop("limit", EVENTS_LIMIT_MAX)), EVENTS_LIMIT_MAX))
    query = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in filters.items() if v}
    target = {"action": Action.AUDIT_EXPORT, "object_type": "audit_trail", "query": query}
    _require(viewer, AUDIT_ROLES, **target)
    qs = _filtered(
        filters.get("actor_username", ""),
        filters.get("agency_code", ""),
        filters.get("action", ""),
        filters.get("outcome", ""),
        filters.get("person", ""),
        filters.get("since"),
        filters.get("until"),
    )
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_COLUMNS)
    with transaction.atomic():
        count = 0
        for values in qs.order_by("id").values_list(*CSV_COLUMNS)[:limit]:
            row = list(values)
            row[1] = row[1].isoformat()
            row[8] = " ".join(row[8])
            writer.writerow(row)
            count += 1
        audit_read(viewer, detail={"rows": count}, **target)
    return out.getvalue()


def who_viewed_person(
    *,
    viewer: Viewer,
    public_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AccessRow]:
    """Every audited action touching the person (any of its ids, merged ones included)."""
    public_id = (public_id or "").strip()
    target = {"action": Action.AUDIT_VIEW, "object_type": "person", "object_id": public_id}
    _require(viewer, AUDIT_ROLES, **target)
    with transaction.atomic():
        person, _redirect = _resolve(public_id)
        ids = _known_ids(person) if person else [public_id]
        qs = _window(AuditEvent.objects.filter(persons__overlap=ids), since, until)
        rows = [_row(e) for e in qs.order_by("-id")[:EVENTS_LIMIT_MAX]]
        audit_read(
            viewer, persons=ids[:1], detail={"report": "who_viewed", "rows": len(rows)}, **target
        )
    return rows


def what_user_viewed(
    *,
    viewer: Viewer,
    username: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AccessRow]:
    """Everything a user did that the trail recorded, newest first."""
    target = {"action": Action.AUDIT_VIEW, "object_type": "user", "object_id": username}
    _require(viewer, AUDIT_ROLES, **target)
    with transaction.atomic():
        qs = _window(AuditEvent.objects.filter(actor_username=username), since, until)
        rows = [_row(e) for e in qs.order_by("-id")[:EVENTS_LIMIT_MAX]]
        audit_read(viewer, detail={"report": "what_user_viewed", "rows": len(rows)}, **target)
    return rows


def _volume_spikes(since, until) -> list[AccessFlag]:
    """Days on which a user touched far more persons than on their median day."""
    tz = settings.TIME_ZONE
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT actor_username, max(agency_code), max(role),
                   (occurred_at AT TIME ZONE %s)::date AS day, count(*)
            FROM audit_auditevent
            WHERE action = ANY(%s) AND actor_username <> ''
              AND occurred_at >= %s AND occurred_at < %s
            GROUP BY actor_username, day
            """,
            [tz, list(READ_ACTIONS), since, until],
        )
        rows = cursor.fetchall()
    per_user: dict[str, list[tuple]] = defaultdict(list)
    for username, agency, role, day, count in rows:
        per_user[username].append((day, count, agency, role))
    flags = []
    for username, days in per_user.items():
        median = statistics.median(c for _, c, _, _ in days)
        for day, count, agency, role in days:
            if count >= SPIKE_MIN_EVENTS and count >= SPIKE_FACTOR * median and len(days) > 1:
                flags.append(
                    AccessFlag(
                        "volume_spike",
                        username,
                        agency,
                        role,
                        count,
                        {"day": day.isoformat(), "median": median},
                    )
                )
    return flags


def _night_access(since, until) -> list[AccessFlag]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT actor_username, max(agency_code), max(role), count(*), min(id), max(id)
            FROM audit_auditevent
            WHERE action = ANY(%s) AND actor_username <> ''
              AND occurred_at >= %s AND occurred_at < %s
              AND (extract(hour FROM occurred_at AT TIME ZONE %s) >= %s
                   OR extract(hour FROM occurred_at AT TIME ZONE %s) < %s)
            GROUP BY actor_username
            """,
            [
                list(READ_ACTIONS),
                since,
                until,
                settings.TIME_ZONE,
                NIGHT_START_HOUR,
                settings.TIME_ZONE,
                NIGHT_END_HOUR,
            ],
        )
        return [
            AccessFlag("night_access", u, a, r, n, {"first_event": lo, "last_event": hi})
            for u, a, r, n, lo, hi in cursor.fetchall()
        ]


def _outside_agency(since, until) -> list[AccessFlag]:
    """Allowed reads of persons who hold no record in any dataset of the reader's own agency
    (reads through grants, or outside the caseload): informational, for review."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH touched AS (
                SELECT DISTINCT e.actor_username, e.agency_code, e.role, p.public_id,
                       COALESCE(p.merged_into_id, p.id) AS person_id
                FROM audit_auditevent e
                CROSS JOIN LATERAL unnest(e.persons) AS p_id(public_id)
                JOIN registry_person p ON p.public_id = p_id.public_id
                WHERE e.action = ANY(%s) AND e.outcome = 'allowed' AND e.agency_code <> ''
                  AND e.role <> %s AND e.occurred_at >= %s AND e.occurred_at < %s
            )
            SELECT t.actor_username, t.agency_code, t.role, count(DISTINCT t.public_id),
                   (array_agg(DISTINCT t.public_id))[1:20]
            FROM touched t
            WHERE NOT EXISTS (
                SELECT 1 FROM registry_recordlink l
                JOIN registry_sourcerecord r ON r.id = l.record_id
                JOIN registry_agency a ON a.id = r.agency_id
                WHERE l.person_id = t.person_id AND r.is_current AND a.code = t.agency_code
            )
            GROUP BY t.actor_username, t.agency_code, t.role
            """,
            [list(READ_ACTIONS), str(Role.WALIDATA), since, until],
        )
        return [
            AccessFlag("outside_agency", u, a, r, n, {"persons": list(sample)})
            for u, a, r, n, sample in cursor.fetchall()
        ]


def unusual_access(
    *, viewer: Viewer, since: datetime, until: datetime | None = None
) -> list[AccessFlag]:
    """Volume spikes (a day >= 3x the user's median day and >= 20 reads), night access
    (22:00-05:00 Asia/Jakarta) and reads of persons outside the reader's agency datasets."""
    until = until or timezone.now()
    query = {"since": since.isoformat(), "until": until.isoformat()}
    target = {"action": Action.AUDIT_VIEW, "object_type": "unusual_access", "query": query}
    _require(viewer, AUDIT_ROLES, **target)
    with transaction.atomic():
        flags = (
            _volume_spikes(since, until)
            + _night_access(since, until)
            + _outside_agency(since, until)
        )
        audit_read(viewer, detail={"report": "unusual_access", "flags": len(flags)}, **target)
    return flags


def subject_access_report(
    *, viewer: Viewer, public_id: str, request_ref: str = ""
) -> SubjectAccessReport:
    """UU PDP: everything held on one person, from which agency, and every access to it.
    Walidata only (produced on the data subject's request)."""
    public_id = (public_id or "").strip()
    purpose = Purpose("permintaan-subjek-data", request_ref)
    target = {
        "action": Action.AUDIT_SUBJECT_REPORT,
        "object_type": "person",
        "object_id": public_id,
    }
    _require(viewer, {Role.WALIDATA}, purpose=purpose, **target)
    with transaction.atomic():
        person, redirected_from = _resolve(public_id)
        if person is not None:
            report = _subject_report(viewer, person, redirected_from)
            audit_read(
                viewer,
                persons=report.known_ids,
                purpose=purpose,
                detail={"holdings": len(report.holdings), "accesses": len(report.accesses)},
                **target,
            )
            return report
    audit_denial(viewer, reason="not_found", purpose=purpose, **target)
    raise NotFound(public_id)


def _subject_report(viewer: Viewer, person: Person, redirected_from: str | None):
    from registry.selectors import GOLDEN_SHOWN

    ids = _known_ids(person)
    current = Q(link__person=person)
    # Older versions may carry no link of their own: reach them through the current ones.
    keys = list(
        SourceRecord.objects.filter(current, is_current=True).values_list(
            "agency_id", "source_record_id"
        )
    )
    versions = Q()
    for agency_id, source_record_id in keys:
        versions |= Q(agency_id=agency_id, source_record_id=source_record_id)
    records = SourceRecord.objects.filter(current | versions if keys else current).select_related(
        "agency", "dataset"
    )
    holdings = [
        Holding(
            agency_code=r.agency.code,
            agency_name=r.agency.name,
            dataset_name=r.dataset.name,
            dataset_title=r.dataset.title,
            access_level=r.dataset.access_level,
            source_record_id=r.source_record_id,
            version=r.version,
            is_current=r.is_current,
            created_at=r.created_at,
            original=dict(r.original or {}),
            flags=list(r.flags or []),
        )
        for r in records.order_by("agency__code", "source_record_id", "-version")
    ]
    membership = Membership.objects.filter(person=person).select_related("household").first()
    aid = [
        {"program": a.program, "period": a.period, "amount": a.amount, "agency": a.agency.code}
        for a in AidReceipt.objects.filter(person=person)
        .select_related("agency")
        .order_by("period")
    ]
    links = [
        {"kind": e.kind, "other": e.other.public_id, "occurred_at": e.occurred_at}
        for e in PersonLinkEvent.objects.filter(Q(person=person) | Q(other=person)).select_related(
            "other"
        )
    ]
    accesses = [
        _row(e)
        for e in AuditEvent.objects.filter(persons__overlap=ids).order_by("id")[:EVENTS_LIMIT_MAX]
    ]
    return SubjectAccessReport(
        public_id=person.public_id,
        redirected_from=redirected_from,
        known_ids=ids,
        generated_at=timezone.now(),
        generated_by=viewer.user.get_username(),
        golden={f: getattr(person, f) for f in GOLDEN_SHOWN},
        holdings=holdings,
        household_public_id=membership.household.public_id if membership else None,
        aid=aid,
        link_events=links,
        accesses=accesses,
    )


# --- "who viewed whom" from a NIK or a name (issue 16) ---------------------------------------
# A citizen's complaint names a NIK, not an internal person id. The auditor may find the
# subject without seeing the profile: a lookup shows only the person id, a masked name, the
# birth year and the kelurahan, and itself leaves an 'audit.lookup' event. Searches typed with
# that NIK are found through the keyed fingerprint the search events store (query.nik_hmac /
# kk_hmac), so the trail never holds the NIK and a search that found nobody is found too.

LOOKUP_CANDIDATES_MAX = 50


@dataclass(frozen=True)
class SubjectCandidate:
    public_id: str
    masked_name: str
    birth_year: int | None
    kelurahan_name: str


@dataclass(frozen=True)
class SubjectLookup:
    candidates: list[SubjectCandidate]
    rows: list[AccessRow] | None  # the accesses, when the NIK names exactly one subject
    searches_by_number: int  # searches typed with this NIK (fingerprint), found or not


def mask_name(name: str) -> str:
    """'Siti Aminah' -> 'S*** A*****': enough to tell candidates apart, not to read a name."""
    return " ".join(w[0] + "*" * (len(w) - 1) for w in (name or "").split() if w)


def _active_person_ids(person_ids) -> list[int]:
    """Persons as they stand now (a merged id resolves to its survivor)."""
    out = []
    for pk, status, merged_into in Person.objects.filter(pk__in=list(person_ids)).values_list(
        "pk", "status", "merged_into_id"
    ):
        out.append(merged_into if status == Person.Status.MERGED and merged_into else pk)
    return sorted(set(out))


def _candidates(person_pks: list[int]) -> list[SubjectCandidate]:
    from registry.models import Region

    persons = list(
        Person.objects.filter(pk__in=person_pks).values(
            "public_id", "full_name", "birth_date", "kelurahan_code"
        )[:LOOKUP_CANDIDATES_MAX]
    )
    codes = {p["kelurahan_code"] for p in persons if p["kelurahan_code"]}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return sorted(
        (
            SubjectCandidate(
                public_id=p["public_id"],
                masked_name=mask_name(p["full_name"]),
                birth_year=p["birth_date"].year if p["birth_date"] else None,
                kelurahan_name=names.get(p["kelurahan_code"], ""),
            )
            for p in persons
        ),
        key=lambda c: (c.masked_name, c.public_id),
    )


def subject_lookup(*, viewer: Viewer, nik: str = "", name: str = "") -> SubjectLookup:
    """Find a data subject for the audit by NIK (exact, any record version) or by name. With a
    NIK that names one person, also every access to that person and every search typed with
    the NIK; the auditor never sees the profile itself."""
    from linkage.normalize.names import normalize_name
    from registry.selectors import mask_number, nik_fingerprint
    from registry.selectors.search import name_candidate_condition

    nik = "".join(ch for ch in (nik or "") if ch.isdigit())
    name = (name or "").strip()
    fingerprint = nik_fingerprint(nik) if nik else ""
    query: dict[str, Any] = {}
    if nik:
        query.update(nik_masked=mask_number(nik), nik_hmac=fingerprint)
    if name:
        query["name"] = name
    target = {"action": Action.AUDIT_LOOKUP, "object_type": "person", "query": query}
    _require(viewer, AUDIT_ROLES, **target)
    with transaction.atomic():
        if nik:
            person_pks = SourceRecord.objects.filter(nik=nik, link__isnull=False).values_list(
                "link__person", flat=True
            )
        else:
            parts = normalize_name(name)
            person_pks = (
                SourceRecord.objects.filter(name_candidate_condition(parts), link__isnull=False)
                .values_list("link__person", flat=True)
                .distinct()[: LOOKUP_CANDIDATES_MAX * 4]
                if parts.key
                else []
            )
        candidates = _candidates(_active_person_ids(person_pks))
        rows = None
        searches = 0
        if nik:
            by_number = AuditEvent.objects.filter(
                Q(query__nik_hmac=fingerprint) | Q(query__kk_hmac=fingerprint)
            )
            searches = by_number.exclude(action__startswith="audit.").count()
            if len(candidates) <= 1:
                ids: list[str] = []
                if candidates:
                    person, _redirect = _resolve(candidates[0].public_id)
                    ids = _known_ids(person) if person else [candidates[0].public_id]
                events = by_number | AuditEvent.objects.filter(persons__overlap=ids)
                rows = [_row(e) for e in events.order_by("-id")[:EVENTS_LIMIT_MAX]]
        audit_read(
            viewer,
            persons=[c.public_id for c in candidates],
            detail={
                "report": "subject_lookup",
                "candidates": len(candidates),
                "rows": len(rows) if rows is not None else None,
            },
            **target,
        )
    return SubjectLookup(candidates=candidates, rows=rows, searches_by_number=searches)
