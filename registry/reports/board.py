"""The walidata board: who submitted what and when, who is late this quarter, which
restricted datasets are shared with whom, and a data-quality report to send back to each
agency (Perpres 39/2019: the walidata checks and monitors the producers' data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone

from audit.actions import Action
from registry.models import (
    AccessLevel,
    Agency,
    AgencyKind,
    Dataset,
    DatasetGrant,
    ImportBatch,
    SourceRecord,
)
from registry.reports.common import PAGE_SIZE, audit_report, quarter_start, records_for
from registry.roles import Role
from registry.selectors import mask_number

# Agencies that produce no person records of their own are not expected to submit.
NON_PRODUCING_KINDS = frozenset({AgencyKind.DATA_CUSTODIAN, AgencyKind.PLANNING})


def _datasets(viewer) -> QuerySet[Dataset]:
    if viewer.role == Role.WALIDATA:
        return Dataset.objects.all()
    if viewer.agency is None:
        return Dataset.objects.none()
    return Dataset.objects.filter(agency=viewer.agency)


@dataclass
class DatasetStatus:
    agency_code: str
    agency_name: str
    dataset_name: str
    dataset_title: str
    access_level: str
    last_submission: dt.datetime | None
    last_status: str
    batches: int
    records: int
    rejected_rows: int
    linked_share: float | None
    submitted_this_quarter: bool


def submission_board(viewer, *, today: dt.date | None = None) -> list[DatasetStatus]:
    """One row per dataset (aggregates only: not audited)."""
    today = today or timezone.localdate()
    since = quarter_start(today)
    last_batch = ImportBatch.objects.filter(dataset=OuterRef("pk")).order_by("-created_at")
    records = SourceRecord.objects.filter(dataset=OuterRef("pk"), is_current=True).order_by()
    datasets = (
        _datasets(viewer)
        .annotate(
            last_submission=Max("batches__created_at"),
            n_batches=Count("batches", distinct=True),
            rejected=Sum("batches__rows_invalid"),
            last_status=Subquery(last_batch.values("status")[:1]),
            n_records=Subquery(records.values("dataset").annotate(n=Count("id")).values("n")[:1]),
            n_linked=Subquery(
                records.filter(link__isnull=False)
                .values("dataset")
                .annotate(n=Count("id"))
                .values("n")[:1]
            ),
        )
        .select_related("agency")
        .order_by("agency__code", "name")
    )
    out = []
    tz = timezone.get_current_timezone()
    for d in datasets:
        n_records = d.n_records or 0
        last = d.last_submission
        out.append(
            DatasetStatus(
                agency_code=d.agency.code,
                agency_name=d.agency.name,
                dataset_name=d.name,
                dataset_title=d.title,
                access_level=d.access_level,
                last_submission=last,
                last_status=d.last_status or "",
                batches=d.n_batches,
                records=n_records,
                rejected_rows=d.rejected or 0,
                linked_share=(d.n_linked or 0) / n_records if n_records else None,
                submitted_this_quarter=bool(last and last.astimezone(tz).date() >= since),
            )
        )
    return out


@dataclass
class LateAgency:
    code: str
    name: str
    last_submission: dt.datetime | None


def late_agencies(viewer, *, today: dt.date | None = None) -> list[LateAgency]:
    """Producing agencies with no batch since the start of this quarter (Mojokerto practice:
    the walidata shows who is late)."""
    today = today or timezone.localdate()
    since = timezone.make_aware(dt.datetime.combine(quarter_start(today), dt.time.min))
    if viewer.role != Role.WALIDATA:
        return []
    agencies = (
        Agency.objects.exclude(kind__in=NON_PRODUCING_KINDS)
        .annotate(
            last=Max("batches__created_at"),
            recent=Count("batches", filter=Q(batches__created_at__gte=since)),
        )
        .filter(recent=0)
        .order_by("code")
    )
    return [LateAgency(code=a.code, name=a.name, last_submission=a.last) for a in agencies]


@dataclass
class GrantRow:
    dataset: str
    owner: str
    grantee: str
    purpose_code: str
    purpose_text: str
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    granted_by: str
    active: bool


def grants(viewer, *, include_inactive: bool = False) -> list[GrantRow]:
    """Grants of restricted datasets: who, for what purpose, until when."""
    if viewer.role not in (Role.WALIDATA, Role.AUDITOR):
        return []
    now = timezone.now()
    qs = DatasetGrant.objects.select_related("dataset__agency", "grantee", "granted_by")
    if not include_inactive:
        qs = qs.filter(revoked_at__isnull=True, expires_at__gt=now)
    return [
        GrantRow(
            dataset=f"{g.dataset.agency.code}/{g.dataset.name}",
            owner=g.dataset.agency.code,
            grantee=g.grantee.code,
            purpose_code=g.purpose_code,
            purpose_text=g.purpose_text,
            expires_at=g.expires_at,
            revoked_at=g.revoked_at,
            granted_by=g.granted_by.get_username() if g.granted_by else "",
            active=g.revoked_at is None and g.expires_at > now,
        )
        for g in qs.order_by("dataset__agency__code", "dataset__name", "grantee__code")
    ]


# --- data-quality report per agency ---------------------------------------------------------

QUALITY_ISSUES = ("nik_invalid", "nik_differs", "name_differs", "birth_date_differs")


@dataclass
class QualityReport:
    agency_code: str
    counts: dict[str, int]
    rows: dict[str, list[dict]]


def _civil_nik():
    return (
        SourceRecord.objects.filter(
            link__person=OuterRef("link__person"),
            is_current=True,
            agency__kind=AgencyKind.CIVIL_REGISTRY,
            nik_reliable=True,
        )
        .order_by("-created_at")
        .values("nik")[:1]
    )


def _quality_querysets(viewer, agency: Agency) -> dict[str, QuerySet]:
    records = records_for(viewer).filter(agency=agency)
    linked = records.filter(link__isnull=False)
    not_civil = agency.kind != AgencyKind.CIVIL_REGISTRY
    return {
        # A missing NIK counts too: the agency has to fill it in.
        "nik_invalid": records.filter(nik_reliable=False),
        "nik_differs": (
            linked.filter(nik_reliable=True)
            .annotate(reference_nik=Subquery(_civil_nik()))
            .filter(reference_nik__isnull=False)
            .exclude(nik=F("reference_nik"))
            if not_civil
            else linked.none()
        ),
        "name_differs": linked.exclude(name_key="")
        .exclude(link__person__name_key="")
        .exclude(name_key=F("link__person__name_key")),
        "birth_date_differs": linked.filter(
            birth_date__isnull=False, link__person__birth_date__isnull=False
        ).exclude(birth_date=F("link__person__birth_date")),
    }


def _digits_apart(a: str, b: str) -> int | None:
    if len(a) != len(b):
        return None
    return sum(x != y for x, y in zip(a, b, strict=True))


def quality_report(
    viewer,
    agency_code: str,
    *,
    purpose=None,
    limit: int | None = PAGE_SIZE,
    export: bool = False,
) -> QualityReport:
    """Rows of one agency needing correction, with the agency's own identifiers only: the
    reference values (civil-registry NIK, golden name) are never shown, just that and how
    they differ, so the report can go back to the agency without disclosing other data."""
    agency = Agency.objects.get(code=agency_code)
    querysets = _quality_querysets(viewer, agency)
    counts = {k: qs.count() for k, qs in querysets.items()}
    rows: dict[str, list[dict]] = {}
    persons: list[str] = []
    for issue, qs in querysets.items():
        extra = ["reference_nik"] if issue == "nik_differs" else []
        values = qs.order_by("source_record_id").values(
            "source_record_id",
            "line_number",
            "nik",
            "flags",
            "batch_id",
            *extra,
            dataset_name=F("dataset__name"),
            person_public_id=F("link__person__public_id"),
        )
        page = list(values if limit is None else values[:limit])
        for row in page:
            reference = row.pop("reference_nik", None)
            if reference:
                row["digits_apart"] = _digits_apart(row["nik"], reference)
            row["nik"] = mask_number(row["nik"])
            row["flags"] = [f for f in row["flags"] if f.startswith(("nik:", "kk:", "name:"))]
            if row["person_public_id"]:
                persons.append(row["person_public_id"])
        rows[issue] = page
    audit_report(
        viewer,
        action=Action.REPORT_QUALITY_EXPORT if export else Action.REPORT_QUALITY_VIEW,
        object_type="agency",
        object_id=agency.code,
        query={"report": "quality", "agency": agency.code, "limit": limit, "export": export},
        persons=persons,
        purpose=purpose,
        detail={"counts": counts},
    )
    return QualityReport(agency_code=agency.code, counts=counts, rows=rows)


def agencies_for_quality(viewer) -> list[Agency]:
    return list(
        Agency.objects.filter(datasets__in=_datasets(viewer).exclude(access_level=AccessLevel.OPEN))
        .distinct()
        .order_by("code")
    )


@dataclass
class OverdueObjection:
    pk: int
    household_public_id: str
    kind_label: str
    filed_at: dt.datetime
    due_at: dt.datetime
    days_overdue: int
    state_label: str
    assignee: str


def overdue_objections(
    viewer, *, now: dt.datetime | None = None, limit: int = PAGE_SIZE
) -> tuple[int, list[OverdueObjection]]:
    """Objections (sanggahan) still open past their verification deadline: the count and the
    most overdue first, for the walidata to escalate."""
    from registry.welfare.models import Objection

    if viewer.role != Role.WALIDATA:
        return 0, []
    now = now or timezone.now()
    qs = Objection.objects.filter(state__in=Objection.OPEN, due_at__lt=now)
    rows = [
        OverdueObjection(
            pk=o.pk,
            household_public_id=o.household.public_id,
            kind_label=str(o.get_kind_display()),
            filed_at=o.filed_at,
            due_at=o.due_at,
            days_overdue=o.days_overdue(now),
            state_label=str(o.get_state_display()),
            assignee=o.assignee.username if o.assignee else "",
        )
        for o in qs.select_related("household", "assignee").order_by("due_at", "pk")[:limit]
    ]
    return qs.count(), rows
