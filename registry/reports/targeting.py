"""Aid targeting checks for the social affairs office (the errors KPK and BPK found in DTKS:
aid to the deceased, duplicate payments, stacked programs, inclusion of the well-off,
exclusion of the poor).

Each check is one SQL query over the aid receipts the viewer may read (`visible_records`),
with a count and a drill-down list. Listing calls write one audit event with their filters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from audit.actions import Action
from registry.models import (
    AgencyKind,
    AidReceipt,
    Dataset,
    DatasetKind,
    Household,
    Membership,
    Region,
    SourceRecord,
)
from registry.reports.common import (
    PAGE_SIZE,
    FirstOf,
    PeriodQuarter,
    PeriodStart,
    audit_report,
    household_value_annotation,
    household_values,
    household_values_of,
    households_with_values,
    period_quarter,
    readable_dataset_ids,
    records_for,
    visible_memberships,
)
from registry.reports.deciles import decile_source, latest_by_kk, latest_for_viewer
from registry.selectors import mask_number

HIGH_DECILE_MIN = 6  # desil 6-10: outside every program's target group
LOW_DECILE_MAX = 4  # desil 1-4: the PKH target group, who should receive something


@dataclass(frozen=True)
class OverlapRule:
    """At most `max_programs` of `programs` for one unit (person or household) in one period."""

    code: str
    level: str  # "household" | "person"
    programs: frozenset[str]
    max_programs: int
    basis: str

    @property
    def program_list(self) -> list[str]:
        return sorted(self.programs)


# Programs a unit may not stack in one period. The cash-type programs (PKH, BPNT/Sembako, BLT)
# target the same poorest households; the city's rule allows at most two of them per household
# per period, and a single person may hold at most two. PBI-JK (health premium) and KIP/PIP
# (school aid) are complements and stack with everything. Edit this table, not the queries.
OVERLAP_RULES: tuple[OverlapRule, ...] = (
    OverlapRule(
        code="household_cash_stack",
        level="household",
        programs=frozenset({"PKH", "BPNT", "BLT"}),
        max_programs=2,
        basis=_("PKH + BPNT + BLT in one period for one household (KK)"),
    ),
    OverlapRule(
        code="person_cash_stack",
        level="person",
        programs=frozenset({"PKH", "BPNT", "BLT"}),
        max_programs=2,
        basis=_("PKH + BPNT + BLT in one period paid to one person"),
    ),
)
RULES_BY_CODE = {rule.code: rule for rule in OVERLAP_RULES}

CHECKS = (
    "deceased",
    "double_payment",
    "overlap",
    "high_decile",
    "low_decile_no_aid",
)


@dataclass
class Filters:
    program: str = ""
    period: str = ""
    kecamatan_code: str = ""

    def as_query(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}


@dataclass
class ReportPage:
    check: str
    total: int
    rows: list[dict] = field(default_factory=list)
    offset: int = 0
    limit: int = PAGE_SIZE


# -- base querysets --------------------------------------------------------------------------


def _receipts(viewer, filters: Filters) -> QuerySet[AidReceipt]:
    qs = AidReceipt.objects.filter(
        source_record_id__in=records_for(viewer).filter(is_current=True).values("id"),
        person__isnull=False,
    )
    if filters.program:
        qs = qs.filter(program=filters.program)
    if filters.period:
        qs = qs.filter(period=filters.period)
    if filters.kecamatan_code:
        # The paying record's kecamatan (visible), not the person's golden value.
        qs = qs.filter(source_record__kecamatan_code=filters.kecamatan_code)
    return qs


def _civil_death_date(viewer):
    # The death date as recorded by the civil registry (the reference for deaths), not by the
    # agency that pays: a payer's own death column is not evidence. Only civil-registry
    # records the viewer may read count: a closed registry's death date is not theirs to use.
    return (
        records_for(viewer)
        .filter(
            link__person=OuterRef("person"),
            agency__kind=AgencyKind.CIVIL_REGISTRY,
            death_date__isnull=False,
        )
        .order_by("death_date")
        .values("death_date")[:1]
    )


def _deceased(viewer, filters):
    return (
        _receipts(viewer, filters)
        .annotate(
            civil_death=Subquery(_civil_death_date(viewer)), period_start=PeriodStart("period")
        )
        .filter(civil_death__isnull=False, period_start__gt=F("civil_death"))
    )


def _double(viewer, filters):
    return (
        _receipts(viewer, filters)
        .values("person_id", "program", "period")
        .annotate(n=Count("id"), total_amount=Sum("amount"))
        .filter(n__gte=2)
    )


def _overlap(viewer, filters, rule: OverlapRule):
    # Stacking is judged per quarter: PKH paid for 2026-Q1 and BPNT for 2026-02 are in one
    # period (agencies report some programs monthly, others quarterly).
    qs = _receipts(viewer, Filters(kecamatan_code=filters.kecamatan_code))
    qs = qs.filter(program__in=sorted(rule.programs)).annotate(quarter=PeriodQuarter("period"))
    if filters.period:
        qs = qs.filter(quarter=period_quarter(filters.period))
    if rule.level == "household":
        # Only memberships the viewer can see: the paying record carries the household's KK.
        qs = qs.filter(
            person__memberships__household__kk_number=F("source_record__kk_number"),
        )
        unit = "person__memberships__household_id"
    else:
        unit = "person_id"
    return (
        qs.values(unit_id=F(unit), period_value=F("quarter"))
        .annotate(
            n_programs=Count("program", distinct=True),
            programs=ArrayAgg("program", distinct=True, order_by="program"),
        )
        .filter(n_programs__gt=rule.max_programs)
    )


def _latest_estimate_on_kk(viewer, column: str):
    """`column` of the latest record the viewer may read that carries a decile on the
    receipt's KK, whose person belongs to the receipt person's household (household_values'
    rule). Never Household.welfare_decile: it is built from every record."""
    return (
        records_for(viewer)
        .filter(
            welfare_decile__isnull=False,
            kk_number=OuterRef("source_record__kk_number"),
            link__person__memberships__household__kk_number=OuterRef("source_record__kk_number"),
            link__person__memberships__household__memberships__person=OuterRef("person"),
        )
        .order_by("-created_at", "-id")
        .values(column)[:1]
    )


def _decile_of_person(viewer):
    """The decile of the receipt's household as the viewer's records state it, else the
    paying record's own decile."""
    return Coalesce(
        Subquery(_latest_estimate_on_kk(viewer, "welfare_decile"), output_field=IntegerField()),
        F("source_record__welfare_decile"),
        output_field=IntegerField(),
    )


def _estimate_agency_of_person(viewer):
    """The agency whose record gave _decile_of_person's estimate (its code), for the source
    column, else the paying agency."""
    return Coalesce(Subquery(_latest_estimate_on_kk(viewer, "agency__code")), F("agency__code"))


def _dtsen_of_receipt(viewer, column: str):
    """The latest readable DTSEN fact's `column` for the paying record's KK."""
    return Subquery(
        latest_for_viewer(viewer)
        .filter(kk_number=OuterRef("source_record__kk_number"))
        .values(column)[:1]
    )


def _high_decile(viewer, filters, *, with_decile: bool = False):
    """Receipts whose household decile (as _decile_of_person states it) is 6-10. Filtered
    with two uncorrelated sets of households from one grouped pass each; the per-receipt
    decile is computed only for a list."""
    values = household_values(records_for(viewer))

    def in_household_of(households) -> Exists:
        # The household the paying record's KK puts the person in (a visible membership).
        return Exists(
            Membership.objects.filter(
                person=OuterRef("person"),
                household__kk_number=OuterRef("source_record__kk_number"),
                household__in=households.values("household"),
            )
        )

    high = in_household_of(values.filter(v_decile__gte=HIGH_DECILE_MIN))
    known = in_household_of(values.filter(v_decile__isnull=False))
    estimate_high = high | (~known & Q(source_record__welfare_decile__gte=HIGH_DECILE_MIN))
    # The latest DTSEN decile of the paying record's KK first; the agency estimate only
    # where no readable DTSEN fact exists (none readable: exactly the estimate's rule).
    facts = latest_for_viewer(viewer)
    kk = OuterRef("source_record__kk_number")
    dtsen_high = Exists(facts.filter(kk_number=kk, decile__gte=HIGH_DECILE_MIN))
    dtsen_known = Exists(facts.filter(kk_number=kk))
    qs = _receipts(viewer, filters).filter(dtsen_high | (~dtsen_known & estimate_high))
    if with_decile:
        qs = qs.annotate(
            dtsen_decile=_dtsen_of_receipt(viewer, "decile"),
            decile_quarter=_dtsen_of_receipt(viewer, "quarter"),
            decile=Coalesce(
                F("dtsen_decile"), _decile_of_person(viewer), output_field=IntegerField()
            ),
            estimate_agency=_estimate_agency_of_person(viewer),
        )
    return qs


def _low_decile_no_aid(viewer, filters):
    records = records_for(viewer)
    receipts = _receipts(viewer, Filters(program=filters.program, period=filters.period)).filter(
        person__memberships__household=OuterRef("pk")
    )
    area = {"v_kecamatan": filters.kecamatan_code} if filters.kecamatan_code else {}
    estimate_low = households_with_values(
        records, v_decile__gte=1, v_decile__lte=LOW_DECILE_MAX, **area
    )
    # The latest readable DTSEN decile of the household's KK first, the estimate otherwise;
    # the household itself must be one the viewer sees (in the area filtered on).
    facts = latest_for_viewer(viewer)
    dtsen_low = Exists(facts.filter(kk_number=OuterRef("kk_number"), decile__lte=LOW_DECILE_MAX))
    dtsen_known = Exists(facts.filter(kk_number=OuterRef("kk_number")))
    visible = households_with_values(records, **area)
    return visible.filter(dtsen_low | (~dtsen_known & Q(pk__in=estimate_low.values("pk")))).filter(
        ~Exists(receipts)
    )


# -- counts (aggregates: not audited) ----------------------------------------------------------


def targeting_counts(viewer, filters: Filters | None = None) -> dict[str, int]:
    filters = filters or Filters()
    return {
        "deceased": _deceased(viewer, filters).count(),
        "double_payment": _double(viewer, filters).count(),
        "overlap": sum(_overlap(viewer, filters, r).count() for r in OVERLAP_RULES),
        "high_decile": _high_decile(viewer, filters).count(),
        "low_decile_no_aid": _low_decile_no_aid(viewer, filters).count(),
    }


# -- drill-down lists (person-level: one audit event per call) -------------------------------

# Names and NIKs shown come from the paying record itself (visible to the viewer), never from
# the person's golden values, which may stem from a dataset the viewer cannot read.
PERSON_FIELDS = {
    "person_public_id": F("person__public_id"),
    "full_name": F("source_record__full_name"),
    "nik": F("source_record__nik"),
    "kelurahan_code": F("source_record__kelurahan_code"),
}
GROUP_PERSON_FIELDS = {
    "person_public_id": Min("person__public_id"),
    "full_name": Min("source_record__full_name"),
    "nik": Min("source_record__nik"),
    "kelurahan_code": Min("source_record__kelurahan_code"),
}


def _page(qs, offset: int, limit: int | None):
    return list(qs[offset : offset + limit] if limit is not None else qs[offset:])


def _finish(viewer, rows: list[dict]) -> None:
    """Region names for display; NIK/KK masked for roles that see them only masked."""
    _region_names(rows)
    if getattr(viewer, "masked", False):
        for row in rows:
            for key in ("nik", "kk_number"):
                if row.get(key):
                    row[key] = mask_number(row[key])


def _region_names(rows: list[dict]) -> None:
    codes = {r.get("kelurahan_code") for r in rows if r.get("kelurahan_code")}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    for row in rows:
        row["kelurahan"] = names.get(row.get("kelurahan_code"), row.get("kelurahan_code", ""))


def _audit(viewer, check, filters, rows, *, purpose, offset, limit, export, extra=None):
    query = {"report": f"targeting.{check}", **filters.as_query(), "offset": offset}
    if limit is not None:
        query["limit"] = limit
    if export:
        query["export"] = "xlsx"
    if extra:
        query.update(extra)
    audit_report(
        viewer,
        action=Action.REPORT_TARGETING_EXPORT if export else Action.REPORT_TARGETING_LIST,
        query=query,
        persons=[r.get("person_public_id", "") for r in rows]
        + [p for r in rows for p in r.get("member_public_ids", [])],
        purpose=purpose,
        detail={"rows": len(rows)},
    )


def targeting_list(
    viewer,
    check: str,
    filters: Filters | None = None,
    *,
    purpose=None,
    offset: int = 0,
    limit: int | None = PAGE_SIZE,
    export: bool = False,
    rule_code: str = "",
) -> ReportPage:
    """One page of one check's rows (limit=None: all rows, for an export)."""
    filters = filters or Filters()
    if check == "deceased":
        qs = (
            _deceased(viewer, filters)
            .values(
                "id",
                "program",
                "period",
                "amount",
                "civil_death",
                agency_code=F("agency__code"),
                record_ref=F("source_record__source_record_id"),
                **PERSON_FIELDS,
            )
            .order_by("person__public_id", "program", "period", "id")
        )
    elif check == "double_payment":
        qs = (
            _double(viewer, filters)
            .annotate(
                records=ArrayAgg(
                    F("source_record__source_record_id"), order_by="source_record__source_record_id"
                ),
                agencies=ArrayAgg("agency__code", distinct=True, order_by="agency__code"),
                **GROUP_PERSON_FIELDS,
            )
            .order_by("person_public_id", "program", "period")
        )
    elif check == "overlap":
        rule = RULES_BY_CODE.get(rule_code) or OVERLAP_RULES[0]
        return _overlap_list(viewer, filters, rule, purpose, offset, limit, export)
    elif check == "high_decile":
        qs = (
            _high_decile(viewer, filters, with_decile=True)
            .values(
                "id",
                "program",
                "period",
                "amount",
                "decile",
                "decile_quarter",
                "estimate_agency",
                agency_code=F("agency__code"),
                record_ref=F("source_record__source_record_id"),
                **PERSON_FIELDS,
            )
            .order_by("-decile", "person__public_id", "program", "period")
        )
    elif check == "low_decile_no_aid":
        return _low_decile_list(viewer, filters, purpose, offset, limit, export)
    else:
        raise ValueError(f"unknown check {check!r}")
    total = qs.count()
    rows = _page(qs, offset, limit)
    if check == "high_decile":
        for row in rows:
            quarter, agency = row.pop("decile_quarter"), row.pop("estimate_agency")
            row["decile_source"] = decile_source(quarter, agency if row["decile"] else None)
    _finish(viewer, rows)
    _audit(viewer, check, filters, rows, purpose=purpose, offset=offset, limit=limit, export=export)
    return ReportPage(check=check, total=total, rows=rows, offset=offset, limit=limit or total)


def _overlap_list(viewer, filters, rule, purpose, offset, limit, export) -> ReportPage:
    qs = _overlap(viewer, filters, rule).order_by("unit_id", "period_value")
    total = qs.count()
    groups = _page(qs, offset, limit)
    rows = []
    if rule.level == "household":
        ids = [g["unit_id"] for g in groups]
        values = household_values_of(records_for(viewer), ids)
        households = {
            h["pk"]: {**h, "v_kelurahan": values.get(h["pk"], {}).get("v_kelurahan")}
            for h in Household.objects.filter(pk__in=ids).values("pk", "public_id")
        }
        members = _members_of(viewer, [g["unit_id"] for g in groups])
        for g in groups:
            hh = households.get(g["unit_id"])
            rows.append(
                {
                    "level": "household",
                    "household_public_id": hh["public_id"] if hh else "",
                    "kelurahan_code": (hh["v_kelurahan"] or "") if hh else "",
                    "period": g["period_value"],
                    "programs": g["programs"],
                    "member_public_ids": members.get(g["unit_id"], []),
                }
            )
    else:
        shown = _visible_identity(viewer, [g["unit_id"] for g in groups])
        for g in groups:
            rows.append(
                {
                    "level": "person",
                    **shown.get(g["unit_id"], {}),
                    "period": g["period_value"],
                    "programs": g["programs"],
                }
            )
    _finish(viewer, rows)
    _audit(
        viewer,
        "overlap",
        filters,
        rows,
        purpose=purpose,
        offset=offset,
        limit=limit,
        export=export,
        extra={"rule": rule.code},
    )
    return ReportPage(check="overlap", total=total, rows=rows, offset=offset, limit=limit or total)


def _visible_identity(viewer, person_ids) -> dict[int, dict]:
    """Public id, name, NIK and kelurahan of each person from one record the viewer can read."""
    out: dict[int, dict] = {}
    rows = (
        records_for(viewer)
        .filter(link__person__in=person_ids)
        .with_person()
        .order_by("person_id", "-nik_reliable", "id")
        .values(
            "person_id",
            "full_name",
            "nik",
            "kelurahan_code",
            person_public_id=F("link__person__public_id"),
        )
    )
    for r in rows:
        out.setdefault(
            r["person_id"],
            {
                "person_public_id": r["person_public_id"],
                "full_name": r["full_name"],
                "nik": r["nik"],
                "kelurahan_code": r["kelurahan_code"],
            },
        )
    return out


def _members_of(viewer, household_ids) -> dict[int, list[str]]:
    """Public ids of the members whose membership the viewer can see."""
    out: dict[int, list[str]] = {}
    for hh_id, public_id in (
        visible_memberships(records_for(viewer))
        .filter(household_id__in=household_ids)
        .order_by("person__public_id")
        .values_list("household_id", "person__public_id")
    ):
        out.setdefault(hh_id, []).append(public_id)
    return out


def _low_decile_list(viewer, filters, purpose, offset, limit, export) -> ReportPage:
    records = records_for(viewer)
    qs = _low_decile_no_aid(viewer, filters)
    total = qs.count()
    facts = latest_for_viewer(viewer).filter(kk_number=OuterRef("kk_number"))
    ordered = qs.annotate(
        v_decile=Coalesce(
            Subquery(facts.values("decile")[:1]),
            household_value_annotation(records, "v_decile"),
            output_field=IntegerField(),
        ),
        v_kelurahan=household_value_annotation(records, "v_kelurahan"),
    ).order_by("v_decile", "v_kelurahan", "public_id")
    page = _page(ordered.values("id", "public_id", "kk_number"), offset, limit)
    values = household_values_of(records, [r["id"] for r in page])
    dtsen = latest_by_kk(viewer, [r["kk_number"] for r in page])
    estimators = _estimating_agencies(records, [r["id"] for r in page])
    shown = {
        "v_decile": "welfare_decile",
        "v_size": "members",
        "v_kelurahan": "kelurahan_code",
        "v_rw": "rw",
        "v_rt": "rt",
    }
    rows = [
        {**r, **{name: values.get(r["id"], {}).get(v) for v, name in shown.items()}} for r in page
    ]
    members = _members_of(viewer, [r["id"] for r in rows])
    for row in rows:
        fact = dtsen.get(row.pop("kk_number"))
        if fact is not None:
            row["welfare_decile"] = fact[0]
        row["decile_source"] = decile_source(
            fact[1] if fact else None, estimators.get(row["id"]) if row["welfare_decile"] else None
        )
        row["household_public_id"] = row.pop("public_id")
        row["member_public_ids"] = members.get(row.pop("id"), [])
    _finish(viewer, rows)
    _audit(
        viewer,
        "low_decile_no_aid",
        filters,
        rows,
        purpose=purpose,
        offset=offset,
        limit=limit,
        export=export,
    )
    return ReportPage(
        check="low_decile_no_aid", total=total, rows=rows, offset=offset, limit=limit or total
    )


def _estimating_agencies(records, household_ids) -> dict[int, str]:
    """Household id -> code of the agency whose visible record gave household_values'
    v_decile (the latest visible record on the household's KK that states one)."""
    rows = (
        records.exclude(kk_number="")
        .filter(
            welfare_decile__isnull=False,
            link__person__memberships__household__kk_number=F("kk_number"),
            link__person__memberships__household__in=list(household_ids),
        )
        .values(household=F("link__person__memberships__household"))
        .annotate(agency=FirstOf(ArrayAgg("agency__code", order_by=("-created_at", "-id"))))
        .order_by()
    )
    return {r["household"]: r["agency"] for r in rows}


def programs_and_periods(viewer) -> tuple[list[str], list[str]]:
    """Choices for the filter form (no personal data)."""
    qs = AidReceipt.objects.filter(source_record_id__in=records_for(viewer).values("id")).order_by()
    programs = sorted(set(qs.values_list("program", flat=True).distinct()))
    periods = sorted(set(qs.values_list("period", flat=True).distinct()))
    return programs, periods


def death_before(period: str, death: dt.date | None) -> bool:
    """Python twin of the deceased rule, for tests and explanations."""
    from registry.reports.common import period_start

    start = period_start(period)
    return bool(start and death and start > death)


@dataclass(frozen=True)
class DecileCoverage:
    """How many of the viewer's households carry a welfare decile, and which readable datasets
    supply deciles at all: the decile checks can only see households with one (issue 16)."""

    households: int
    without_decile: int
    datasets_with_deciles: list[str]
    datasets_without_deciles: list[str]


def decile_coverage(viewer) -> DecileCoverage:
    """Counts only (no person listed, not audited). Deciles as the viewer's own records state
    them (household_values), never Household.welfare_decile, which closed datasets feed too."""
    households = household_values(records_for(viewer))
    facts = latest_for_viewer(viewer)
    with_, without = [], []
    for dataset in Dataset.objects.filter(pk__in=readable_dataset_ids(viewer)).order_by("title"):
        if dataset.kind == DatasetKind.DTSEN:
            carries = facts.filter(dataset=dataset).exists()
        else:
            carries = SourceRecord.objects.filter(
                dataset=dataset, is_current=True, welfare_decile__isnull=False
            ).exists()
        (with_ if carries else without).append(dataset.title)
    # a household with a readable DTSEN fact on its KK has a decile too (the record rows of
    # household_values all carry the household's KK)
    undecided = households.filter(v_decile__isnull=True).filter(
        ~Exists(facts.filter(kk_number=OuterRef("kk_number")))
    )
    return DecileCoverage(
        households=households.count(),
        without_decile=undecided.count(),
        datasets_with_deciles=with_,
        datasets_without_deciles=without,
    )
