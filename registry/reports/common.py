"""Shared pieces of the reports: period arithmetic in SQL, masking, one audit helper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.db.models import CharField, DateField, F, Func

from audit.services import audit_record


class ViewerLike(Protocol):
    user: Any
    role: str
    agency: Any
    ip: str | None
    user_agent: str


class PurposeLike(Protocol):
    code: str
    text: str


# Drill-down lists show at most this many rows on a page; exports carry the whole list.
PAGE_SIZE = 100
EXPORT_LIMIT = 50_000


class PeriodStart(Func):
    """First day of an aid period as stored by the agencies: 'YYYY-Qn', 'YYYY-MM' or 'YYYY'.

    Anything else yields NULL (and is therefore never compared with a death date).
    """

    output_field = DateField()
    template = (
        "(CASE"
        " WHEN %(expressions)s ~ '^[0-9]{4}-Q[1-4]$'"
        "  THEN make_date(left(%(expressions)s, 4)::int,"
        "                 (right(%(expressions)s, 1)::int - 1) * 3 + 1, 1)"
        " WHEN %(expressions)s ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'"
        "  THEN make_date(left(%(expressions)s, 4)::int, right(%(expressions)s, 2)::int, 1)"
        " WHEN %(expressions)s ~ '^[0-9]{4}$' THEN make_date(%(expressions)s::int, 1, 1)"
        " END)"
    )

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        # The column appears several times in the template; a plain column has no params,
        # anything with params would need them repeated, so refuse it.
        if params:
            raise ValueError("PeriodStart takes a plain column")
        return sql, params


class PeriodQuarter(Func):
    """The quarter of an aid period in SQL: '2026-03' -> '2026-Q1', anything else unchanged.
    SQL twin of `period_quarter`: monthly and quarterly receipts are compared in the quarter."""

    output_field = CharField()
    template = (
        "(CASE WHEN %(expressions)s ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'"
        " THEN left(%(expressions)s, 4) || '-Q'"
        " || ((right(%(expressions)s, 2)::int + 2) / 3)::text"
        " ELSE %(expressions)s END)"
    )

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        if params:
            raise ValueError("PeriodQuarter takes a plain column")
        return sql, params


def period_start(period: str) -> dt.date | None:
    """Python twin of PeriodStart, for labels and tests."""
    try:
        if len(period) == 7 and period[4:6] == "-Q":
            return dt.date(int(period[:4]), (int(period[6]) - 1) * 3 + 1, 1)
        if len(period) == 7 and period[4] == "-":
            return dt.date(int(period[:4]), int(period[5:]), 1)
        if len(period) == 4:
            return dt.date(int(period), 1, 1)
    except ValueError:
        return None
    return None


def period_quarter(period: str) -> str:
    """The quarter an aid period falls in: '2026-03' -> '2026-Q1', '2026-Q1' unchanged.

    Agencies report some programs monthly and others quarterly; totals and comparisons by
    period meet in the quarter, so a March payment and a Q1 payment count as one period.
    A period that is neither (e.g. a whole year) is returned as it is.
    """
    start = period_start(period)
    if start is None or len(period) != 7:
        return period
    return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"


def quarter_start(today: dt.date) -> dt.date:
    return dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)


def age_on(birth: dt.date | None, when: dt.date) -> int | None:
    if birth is None:
        return None
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


def viewer_agency_code(viewer: ViewerLike) -> str:
    agency = getattr(viewer, "agency", None)
    return getattr(agency, "code", "") or ""


def audit_report(
    viewer: ViewerLike,
    *,
    action: str,
    query: dict,
    persons: Iterable[str] = (),
    purpose: PurposeLike | None = None,
    detail: dict | None = None,
    object_type: str = "report",
    object_id: str = "",
    outcome: str = "allowed",
    reason: str = "",
):
    """One audit event for one report call; `query` holds the filters exactly as applied."""
    person_ids: Sequence[str] = sorted({p for p in persons if p})
    return audit_record(
        actor=viewer.user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        persons=person_ids,
        purpose_code=getattr(purpose, "code", "") or "",
        purpose_text=getattr(purpose, "text", "") or "",
        outcome=outcome,
        reason=reason,
        agency_code=viewer_agency_code(viewer),
        role=str(viewer.role),
        ip=getattr(viewer, "ip", None),
        user_agent=getattr(viewer, "user_agent", "") or "",
        query=query,
        detail=detail,
    )


def readable_dataset_ids(viewer: ViewerLike) -> list[int]:
    """Ids of `datasets_readable_by(viewer)`, resolved once per call (registry.access.policy).

    Passing the ids on as a literal list, instead of nesting that subquery, gives PostgreSQL
    real row estimates for the record scans: with the opaque subquery it guessed one dataset,
    chose nested loops and a household query took seconds on a city of 20,000 people.
    """
    from registry.access.policy import readable_dataset_ids as policy_ids

    return policy_ids(viewer)


def records_for(viewer: ViewerLike):
    """Same rows as `selectors.visible_records(viewer)` (current versions, readable datasets,
    person roles only), with the dataset ids inlined (see readable_dataset_ids)."""
    from registry.models import SourceRecord
    from registry.roles import PERSON_ROLES

    if viewer.role not in PERSON_ROLES:
        return SourceRecord.objects.none()
    return SourceRecord.objects.filter(is_current=True, dataset_id__in=readable_dataset_ids(viewer))


def households_for(viewer: ViewerLike, records=None):
    """Same rows as `selectors.households_for_user(viewer)`: households with a member whose
    membership the viewer can see (`selectors.membership_records`)."""
    from django.db.models import Exists

    from registry.models import Household
    from registry.roles import PERSON_ROLES
    from registry.selectors import membership_records

    if viewer.role not in PERSON_ROLES:
        return Household.objects.none()
    records = records if records is not None else records_for(viewer)
    return Household.objects.filter(Exists(membership_records(records)))


class FirstOf(Func):
    """The first element of an array expression: ArrayAgg(..., ordering=...) -> its head."""

    template = "(%(expressions)s)[1]"


def household_values(records):
    """Per household the viewer can see, its values as the viewer's `records` give them, in
    one GROUP BY over the visible member records that carry the household's KK (the rule of
    selectors.membership_records and household_get_for_user). Household rows hold golden
    values built from *every* agency's records, a closed dataset's decile included: a filter,
    count, list or export uses these instead. Rows: household (id) and

    - v_decile: the latest decile a visible record on the household's KK states;
    - v_kelurahan, v_kecamatan, v_rw, v_rt: from the latest such record that has them;
    - v_size: members whose membership a visible record shows.

    Filters on the v_ values are HAVING clauses; `.values("household")` gives the ids.
    """
    from django.contrib.postgres.aggregates import ArrayAgg
    from django.db.models import CharField, Count, IntegerField, Q

    latest = ("-created_at", "-id")

    def first(column: str, missing: Q, field):
        return FirstOf(ArrayAgg(column, filter=~missing, ordering=latest), output_field=field)

    return (
        records.exclude(kk_number="")
        .filter(link__person__memberships__household__kk_number=F("kk_number"))
        .values(household=F("link__person__memberships__household"))
        .annotate(
            v_decile=first("welfare_decile", Q(welfare_decile__isnull=True), IntegerField()),
            v_kelurahan=first("kelurahan_code", Q(kelurahan_code=""), CharField()),
            v_kecamatan=first("kecamatan_code", Q(kecamatan_code=""), CharField()),
            v_rw=first("rw", Q(rw__isnull=True), IntegerField()),
            v_rt=first("rt", Q(rt__isnull=True), IntegerField()),
            v_size=Count("link__person", distinct=True),
        )
        .order_by()
    )


def household_values_of(records, household_ids) -> dict[int, dict[str, Any]]:
    """household_values for a few households (a page of a list), by household id."""
    return {
        row["household"]: row
        for row in household_values(records).filter(household__in=list(household_ids))
    }


def households_with_values(records, **having: Any):
    """Households the viewer can see whose visible values pass `having` (v_decile__lte=4,
    v_kecamatan=..., ...): one grouped pass, no per-household subquery."""
    from registry.models import Household

    return Household.objects.filter(
        pk__in=household_values(records).filter(**having).values("household")
    )


def household_value_annotation(records, column: str):
    """One household_values column for each row of a Household queryset (for ordering a
    list): a grouped subquery restricted to that household."""
    from django.db.models import OuterRef, Subquery

    return Subquery(household_values(records).filter(household=OuterRef("pk")).values(column)[:1])


def visible_memberships(records):
    """Memberships whose person has a record among `records` on the household's KK."""
    from django.db.models import Exists, OuterRef

    from registry.models import Membership

    return Membership.objects.filter(
        Exists(
            records.filter(
                link__person=OuterRef("person_id"), kk_number=OuterRef("household__kk_number")
            )
        )
    )


def visible_person_values(records):
    """One row per person with a current record among `records` (the viewer's), holding the
    person's golden values *as those records give them* (registry.linking.golden's order:
    source priority, newest, highest version; first non-empty value): kelurahan_code,
    kecamatan_code, birth_date, sex; plus `deceased` (a visible record carries a death date)
    and whether a visible record of an education or health-insurance agency exists.

    Aggregates group these rows (SQL returned for a FROM clause): the Person row's golden
    values come from every agency's records, closed ones included."""
    from django.contrib.postgres.aggregates import ArrayAgg, BoolOr
    from django.db.models import Case, IntegerField, Q, Value, When

    from registry.models import SOURCE_PRIORITY, AgencyKind

    priority = Case(
        *(When(agency__kind=kind, then=Value(p)) for kind, p in SOURCE_PRIORITY.items()),
        default=Value(50),
        output_field=IntegerField(),
    )
    order = (priority, "-created_at", "-version")

    def first(column: str, missing: Q):
        return ArrayAgg(column, filter=~missing, ordering=order)

    rows = (
        records.filter(link__isnull=False, link__person__status="active")
        .values(person=F("link__person"))
        .annotate(
            kelurahan=first("kelurahan_code", Q(kelurahan_code="")),
            kecamatan=first("kecamatan_code", Q(kecamatan_code="")),
            birth=first("birth_date", Q(birth_date__isnull=True)),
            sexes=first("sex", Q(sex="")),
            deceased=BoolOr(Q(death_date__isnull=False)),
            in_school=BoolOr(Q(agency__kind=AgencyKind.EDUCATION)),
            insured=BoolOr(Q(agency__kind=AgencyKind.HEALTH_INSURANCE)),
        )
        .order_by()
    )
    sql, params = rows.query.sql_with_params()
    columns = (
        "person, kelurahan[1] AS kelurahan_code, kecamatan[1] AS kecamatan_code,"
        " birth[1] AS birth_date, sexes[1] AS sex, deceased, in_school, insured"
    )
    # The inner SQL is compiled by the ORM; every value in it is a parameter.
    shaped = f"SELECT {columns} FROM ({sql}) AS grouped"  # noqa: S608
    return shaped, list(params)
