"""Planner statistics: population by area, age/sex pyramid, aid coverage, data completeness
per agency, and cross-agency gaps that only a linked registry can show.

Everything here is an aggregate over what the viewer may read (`visible_records`), counted
in SQL, then passed through small-cell suppression (`registry.reports.suppression`) before
it leaves this module: callers never see an unsuppressed count below 11. Nothing here is
person-level, so nothing is audited per call.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from registry.models import AidReceipt, Household, Region
from registry.reports.common import (
    household_values,
    records_for,
    visible_person_values,
)
from registry.reports.suppression import HIDDEN_LABEL, suppress

SCHOOL_AGE = (7, 18)  # wajib belajar 12 tahun: SD to SMA
LOW_DECILE_MAX = 4
AGE_BAND_YEARS = 5
AGE_BANDS = 16  # 0-4 ... 70-74, 75+
SEXES = ("L", "P")


@dataclass
class Column:
    """One suppressed column of an area table: values per row plus the total."""

    key: str
    values: list[int | None]
    total: int | None


@dataclass
class AreaTable:
    """Rows are areas (code, name); columns are independent counts, each suppressed alone
    (they do not add up across a row, so each column is its own table with its total)."""

    rows: list[tuple[str, str]]
    columns: list[Column] = field(default_factory=list)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def as_rows(self) -> list[dict]:
        out = []
        for i, (code, name) in enumerate(self.rows):
            out.append({"code": code, "name": name, **{c.key: c.values[i] for c in self.columns}})
        return out


def _suppressed_column(key: str, values: list[int]) -> Column:
    table = suppress([[v] for v in values]) if values else None
    if table is None:
        return Column(key=key, values=[], total=0)
    return Column(key=key, values=[r[0] for r in table.cells], total=table.total)


def _suppressed_within_kecamatan(key: str, codes: list[str], values: list[int]) -> Column:
    """A kelurahan column suppressed kecamatan by kecamatan (each with its own total), exactly
    as the drill-down into each kecamatan shows it; no city total (None)."""
    groups: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        groups.setdefault(code[:8], []).append(i)
    out: list[int | None] = [None] * len(codes)
    for members in groups.values():
        column = _suppressed_column(key, [values[i] for i in members])
        for i, value in zip(members, column.values, strict=True):
            out[i] = value
    return Column(key=key, values=out, total=None)


def _column(key: str, codes: list[str], values: list[int], within_kecamatan: bool) -> Column:
    if within_kecamatan:
        return _suppressed_within_kecamatan(key, codes, values)
    return _suppressed_column(key, values)


def _living_persons_sql(
    viewer,
    select: str,
    group_by: str,
    *,
    kecamatan_code: str = "",
    where: str = "",
    params: tuple = (),
) -> list[tuple]:
    """Run `SELECT {select} ... GROUP BY {group_by}` over the living persons the viewer can see,
    one row each with their values as the viewer's records give them (visible_person_values):
    never the Person row's golden values, which closed datasets feed too."""
    shaped, shaped_params = visible_person_values(records_for(viewer))
    conditions = ["NOT v.deceased"]
    extra: list = []
    if kecamatan_code:
        conditions.append("v.kecamatan_code = %s")
        extra.append(kecamatan_code)
    if where:
        conditions.append(where)
    sql = (
        f"SELECT {select} FROM ({shaped}) AS v WHERE {' AND '.join(conditions)}"  # noqa: S608
        f" GROUP BY {group_by}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *shaped_params, *extra])
        return cursor.fetchall()


def _visible_households(viewer, *, kecamatan_code: str = "", **having):
    """Households the viewer can see as rows of household_values (household id, v_decile,
    v_kelurahan, v_kecamatan, ...): their values as the viewer's records show them; the
    Household row's own values are built from every agency's records, closed ones included."""
    if kecamatan_code:
        having["v_kecamatan"] = kecamatan_code
    return household_values(records_for(viewer)).filter(**having)


def _area_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _area_field(level: str) -> str:
    if level not in ("kecamatan", "kelurahan"):
        raise ValueError("level is kecamatan or kelurahan")
    return f"{level}_code"


def population_by_area(
    viewer, *, level: str = "kecamatan", kecamatan_code: str = "", within_kecamatan: bool = False
) -> AreaTable:
    """Households and living persons per kecamatan or kelurahan. `within_kecamatan`: a city's
    kelurahan suppressed kecamatan by kecamatan (one query for a whole-city map)."""
    area = _area_field(level)
    p_counts = dict(
        _living_persons_sql(viewer, f"v.{area}, count(*)", "1", kecamatan_code=kecamatan_code)
    )
    h_counts = Counter(
        row[f"v_{level}"] for row in _visible_households(viewer, kecamatan_code=kecamatan_code)
    )
    codes = sorted(set(p_counts) | set(h_counts))
    names = _area_names(codes)
    table = AreaTable(rows=[(c, names.get(c, c or "?")) for c in codes])
    grouped = within_kecamatan and level == "kelurahan"
    table.columns = [
        _column("households", codes, [h_counts.get(c, 0) for c in codes], grouped),
        _column("persons", codes, [p_counts.get(c, 0) for c in codes], grouped),
    ]
    return table


@dataclass
class Pyramid:
    bands: list[str]  # "0-4", ..., "75+"
    male: list[int | None]
    female: list[int | None]
    male_total: int | None
    female_total: int | None
    total: int | None


def age_sex_pyramid(viewer, *, kecamatan_code: str = "", today: dt.date | None = None) -> Pyramid:
    today = today or timezone.localdate()
    counts: dict[tuple[int, str], int] = {}
    for age, sex, n in _living_persons_sql(
        viewer,
        "date_part('year', age(%s::date, v.birth_date))::int, v.sex, count(*)",
        "1, 2",
        kecamatan_code=kecamatan_code,
        where="v.birth_date IS NOT NULL AND v.sex IN ('L', 'P')",
        params=(today,),
    ):
        band = min(max(age, 0) // AGE_BAND_YEARS, AGE_BANDS - 1)
        counts[(band, sex)] = counts.get((band, sex), 0) + n
    grid = [[counts.get((b, s), 0) for s in SEXES] for b in range(AGE_BANDS)]
    table = suppress(grid)
    labels = [
        f"{b * AGE_BAND_YEARS}-{b * AGE_BAND_YEARS + AGE_BAND_YEARS - 1}"
        for b in range(AGE_BANDS - 1)
    ] + [f"{(AGE_BANDS - 1) * AGE_BAND_YEARS}+"]
    return Pyramid(
        bands=labels,
        male=[r[0] for r in table.cells],
        female=[r[1] for r in table.cells],
        male_total=table.col_totals[0],
        female_total=table.col_totals[1],
        total=table.total,
    )


@dataclass
class CoverageRow:
    program: str
    persons: int | None
    households: int | None
    household_share: float | None  # of the visible households
    amount: int | None


def aid_coverage(
    viewer, *, period: str = "", kecamatan_code: str = "", all_programs: bool = False
) -> list[CoverageRow]:
    """Per program: distinct recipients, their households, and the amount paid.

    `all_programs`: count every agency's receipts, not only those of datasets the viewer may
    read. Only suppressed aggregates leave this function, as the anonymous open statistics
    already publish them, so a planner sees every program's coverage while the records stay
    closed; the share is then of every household of the area."""
    if all_programs:
        receipts = AidReceipt.objects.filter(person__isnull=False)
    else:
        receipts = AidReceipt.objects.filter(
            source_record_id__in=records_for(viewer).values("id"), person__isnull=False
        )
    if period:
        receipts = receipts.filter(period=period)
    if kecamatan_code:
        receipts = receipts.filter(source_record__kecamatan_code=kecamatan_code)
    stats = list(
        receipts.values("program")
        .annotate(
            persons=Count("person_id", distinct=True),
            households=Count("person__memberships__household_id", distinct=True),
            amount=Sum("amount"),
        )
        .order_by("program")
    )
    if all_programs:
        households = Household.objects.all()
        if kecamatan_code:
            households = households.filter(kecamatan_code=kecamatan_code)
        base = households.count()
    else:
        base = _visible_households(viewer, kecamatan_code=kecamatan_code).count()
    persons_col = _suppressed_column("persons", [s["persons"] for s in stats])
    households_col = _suppressed_column("households", [s["households"] for s in stats])
    rows = []
    for i, s in enumerate(stats):
        hh = households_col.values[i]
        rows.append(
            CoverageRow(
                program=s["program"],
                persons=persons_col.values[i],
                households=hh,
                household_share=(hh / base) if hh is not None and base else None,
                # The sum reveals a small group's payments as well as its size.
                amount=s["amount"] if persons_col.values[i] is not None else None,
            )
        )
    return rows


@dataclass
class CompletenessRow:
    agency_code: str
    agency_name: str
    records: int
    reliable_nik_share: float | None
    linked_share: float | None


def completeness_by_agency(viewer) -> list[CompletenessRow]:
    """Share of current records with a reliable NIK and share linked to a person."""
    rows = (
        records_for(viewer)
        .values("agency__code", "agency__name")
        .annotate(
            records=Count("id"),
            reliable=Count("id", filter=Q(nik_reliable=True)),
            linked=Count("id", filter=Q(link__isnull=False)),
        )
        .order_by("agency__code")
    )
    return [
        CompletenessRow(
            agency_code=r["agency__code"],
            agency_name=r["agency__name"],
            records=r["records"],
            reliable_nik_share=r["reliable"] / r["records"] if r["records"] else None,
            linked_share=r["linked"] / r["records"] if r["records"] else None,
        )
        for r in rows
    ]


GAP_COLUMNS = (
    "school_age",
    "school_age_no_school",
    "persons",
    "persons_no_insurance",
    "low_decile_households",
    "low_decile_no_aid",
)


def cross_agency_gaps(
    viewer,
    *,
    kecamatan_code: str = "",
    period: str = "",
    today: dt.date | None = None,
    level: str = "kelurahan",
    within_kecamatan: bool = False,
) -> AreaTable:
    """Per kelurahan: school-age children (7-18) with no education record, persons with no
    health-insurance record, low-decile (1-4) households with no aid receipt.

    "No record" means none among the records the viewer may read: a planner without access
    to the education dataset sees every child as a gap, and the page says so.
    """
    today = today or timezone.localdate()
    area = _area_field(level)
    records = records_for(viewer)
    school = (
        f"date_part('year', age(%s::date, v.birth_date)) BETWEEN {SCHOOL_AGE[0]} AND"
        f" {SCHOOL_AGE[1]}"
    )
    person_stats = {
        row[0]: dict(zip(GAP_COLUMNS[:4], row[1:], strict=True))
        for row in _living_persons_sql(
            viewer,
            f"v.{area}, count(*) FILTER (WHERE {school}),"
            f" count(*) FILTER (WHERE {school} AND NOT v.in_school), count(*),"
            " count(*) FILTER (WHERE NOT v.insured)",
            "1",
            kecamatan_code=kecamatan_code,
            params=(today, today),
        )
    }
    low = _visible_households(
        viewer, kecamatan_code=kecamatan_code, v_decile__gte=1, v_decile__lte=LOW_DECILE_MAX
    )
    receipts = AidReceipt.objects.filter(
        source_record_id__in=records.values("id"),
        person__memberships__household__in=low.values("household"),
    )
    if period:
        receipts = receipts.filter(period=period)
    aided = set(receipts.values_list("person__memberships__household", flat=True).distinct())
    household_stats: dict[str, dict[str, int]] = {}
    for row in low:
        stats = household_stats.setdefault(
            row[f"v_{level}"], {"low_decile_households": 0, "low_decile_no_aid": 0}
        )
        stats["low_decile_households"] += 1
        stats["low_decile_no_aid"] += row["household"] not in aided
    codes = sorted(set(person_stats) | set(household_stats))
    names = _area_names(codes)
    table = AreaTable(rows=[(c, names.get(c, c or "?")) for c in codes])
    for key in GAP_COLUMNS:
        source = household_stats if key.startswith("low_decile") else person_stats
        values = [source.get(c, {}).get(key, 0) for c in codes]
        table.columns.append(_column(key, codes, values, within_kecamatan and level == "kelurahan"))
    return table


def kelurahan_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Kelurahan of the city grouped by kecamatan, for a dropdown (public reference data)."""
    kecamatan = dict(kecamatan_choices())
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name, parent in (
        Region.objects.filter(level=4).order_by("name").values_list("code", "name", "parent")
    ):
        groups.setdefault(parent or "", []).append((code, name))
    return [
        (kecamatan.get(k, k), groups[k]) for k in sorted(groups, key=lambda k: kecamatan.get(k, k))
    ]


def aid_periods() -> list[str]:
    """Periods that have aid receipts, newest first (values, no persons)."""
    periods = AidReceipt.objects.order_by().values_list("period", flat=True).distinct()
    return sorted((p for p in periods if p), reverse=True)


def aid_programs() -> list[str]:
    programs = AidReceipt.objects.order_by().values_list("program", flat=True).distinct()
    return sorted(p for p in programs if p)


def kecamatan_choices() -> list[tuple[str, str]]:
    """Kecamatan of the city (regions are public reference data)."""
    return list(Region.objects.filter(level=3).order_by("code").values_list("code", "name"))


__all__ = [
    "HIDDEN_LABEL",
    "age_sex_pyramid",
    "aid_coverage",
    "completeness_by_agency",
    "cross_agency_gaps",
    "population_by_area",
    "suppress",
]
