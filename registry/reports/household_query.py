"""Planners' household query: filter households by area, size, welfare decile, members'
ages and sex, and what the linked registry knows of them (school enrolment, health insurance,
aid by program). Counts first; then the list, NIK/KK always masked.

Every condition reads only records the viewer may see (`visible_records`), as EXISTS
subqueries: "no school record" means none in a dataset readable by this viewer. Every run,
count or list, writes one audit event holding its filters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.actions import Action
from registry.models import AgencyKind, AidReceipt, Household, Region
from registry.reports.common import (
    PAGE_SIZE,
    audit_report,
    household_values,
    records_for,
    visible_memberships,
)
from registry.roles import AID_ROLES
from registry.selectors import mask_number, membership_records

SCHOOL_AGE = (7, 18)
SCHOOL_CHOICES = ("", "child_not_enrolled", "all_enrolled")
INSURANCE_CHOICES = ("", "none", "some_uninsured", "all_insured")
AID_MODES = ("received", "not_received")
SEX_CHOICES = ("", "L", "P")


class InvalidFilters(ValueError):
    pass


@dataclass
class HouseholdFilters:
    kecamatan_code: str = ""
    kelurahan_code: str = ""
    rw: int | None = None
    size_min: int | None = None
    size_max: int | None = None
    decile_min: int | None = None
    decile_max: int | None = None
    member_age_min: int | None = None
    member_age_max: int | None = None
    member_sex: str = ""
    school: str = ""
    insurance: str = ""
    aid_program: str = ""
    aid_mode: str = "received"
    aid_period: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> HouseholdFilters:
        """Parse form/JSON values; unknown keys are ignored, bad values raise InvalidFilters."""
        values = {}
        for f in fields(cls):
            raw = data.get(f.name)
            if raw in (None, ""):
                continue
            if f.type in ("int | None",):
                try:
                    number = int(raw)
                except (TypeError, ValueError) as exc:
                    raise InvalidFilters(f"{f.name} must be a whole number") from exc
                if number < 0 or number > 200:
                    raise InvalidFilters(f"{f.name} out of range")
                values[f.name] = number
            else:
                values[f.name] = str(raw).strip()[:30]
        result = cls(**values)
        result.validate()
        return result

    def validate(self) -> None:
        if self.member_sex not in SEX_CHOICES:
            raise InvalidFilters("member_sex")
        if self.school not in SCHOOL_CHOICES:
            raise InvalidFilters("school")
        if self.insurance not in INSURANCE_CHOICES:
            raise InvalidFilters("insurance")
        if self.aid_mode not in AID_MODES:
            raise InvalidFilters("aid_mode")

    def as_query(self) -> dict:
        """The filters actually set (stored in saved queries and in the audit event)."""
        out = {k: v for k, v in asdict(self).items() if v not in (None, "")}
        if not self.aid_program:
            out.pop("aid_mode", None)
            out.pop("aid_period", None)
        return out

    @property
    def uses_aid(self) -> bool:
        return bool(self.aid_program)


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _born_between(today: dt.date, age_min: int | None, age_max: int | None) -> Q:
    """Q on birth_date for an age (whole years on `today`) within [age_min, age_max]."""
    q = Q(birth_date__isnull=False)
    if age_min is not None:
        q &= Q(birth_date__lte=_years_ago(today, age_min))
    if age_max is not None:
        q &= Q(birth_date__gt=_years_ago(today, age_max + 1))
    return q


def _matching(viewer, f: HouseholdFilters, today: dt.date) -> QuerySet:
    """household_values rows (one per matching household the viewer can see) for the
    filters: value filters as HAVING, member conditions as EXISTS on the households."""
    having = {
        "v_kecamatan": f.kecamatan_code or None,
        "v_kelurahan": f.kelurahan_code or None,
        "v_rw": f.rw,
        "v_decile__gte": f.decile_min,
        "v_decile__lte": f.decile_max,
        "v_size__gte": f.size_min,
        "v_size__lte": f.size_max,
    }
    rows = household_values(records_for(viewer)).filter(
        **{k: v for k, v in having.items() if v is not None}
    )
    conditions = _member_conditions(viewer, f, today)
    if conditions is not None:
        rows = rows.filter(household__in=conditions.values("pk"))
    return rows


def _member_conditions(viewer, f: HouseholdFilters, today: dt.date) -> QuerySet | None:
    """Households passing the member filters (age, sex, school, insurance, aid), or None when
    no such filter is set."""
    if not (
        f.member_age_min is not None
        or f.member_age_max is not None
        or f.member_sex
        or f.school
        or f.insurance
        or f.aid_program
    ):
        return None
    return _queryset(viewer, f, today)


def _queryset(viewer, f: HouseholdFilters, today: dt.date) -> QuerySet[Household]:
    # Every value filtered on is the one the viewer's records show (household_values), never
    # the Household row's golden value, which a closed dataset may have set.
    records = records_for(viewer)
    member_records = membership_records(records)
    members = visible_memberships(records).filter(household=OuterRef("pk"))
    qs = Household.objects.all()
    if f.member_age_min is not None or f.member_age_max is not None or f.member_sex:
        cond = _born_between(today, f.member_age_min, f.member_age_max)
        if f.member_age_min is None and f.member_age_max is None:
            cond = Q()
        if f.member_sex:
            cond &= Q(sex=f.member_sex)
        qs = qs.filter(Exists(member_records.filter(cond)))

    def person_has(kind: str):  # of a Membership
        return Exists(records.filter(link__person=OuterRef("person_id"), agency__kind=kind))

    if f.school:
        school_age = _born_between(today, *SCHOOL_AGE)
        unenrolled = member_records.filter(school_age).filter(
            ~Exists(
                records.filter(
                    link__person=OuterRef("link__person"), agency__kind=AgencyKind.EDUCATION
                )
            )
        )
        if f.school == "child_not_enrolled":
            qs = qs.filter(Exists(unenrolled))
        else:  # all_enrolled: has school-age children, all with a school record
            qs = qs.filter(Exists(member_records.filter(school_age)), ~Exists(unenrolled))
    if f.insurance:
        insured_member = members.filter(person_has(AgencyKind.HEALTH_INSURANCE))
        uninsured_member = members.filter(~person_has(AgencyKind.HEALTH_INSURANCE))
        if f.insurance == "none":
            qs = qs.filter(~Exists(insured_member))
        elif f.insurance == "some_uninsured":
            qs = qs.filter(Exists(uninsured_member))
        else:
            qs = qs.filter(~Exists(uninsured_member))
    if f.aid_program:
        # Receipts the viewer can read, of members whose membership the viewer can see.
        receipts = AidReceipt.objects.filter(
            source_record_id__in=records.values("id"),
            program=f.aid_program,
            person__memberships__household=OuterRef("pk"),
        ).filter(
            Exists(
                records.filter(
                    link__person=OuterRef("person_id"),
                    kk_number=OuterRef(OuterRef("kk_number")),
                )
            )
        )
        if f.aid_period:
            receipts = receipts.filter(period=f.aid_period)
        qs = qs.filter(Exists(receipts) if f.aid_mode == "received" else ~Exists(receipts))
    return qs


@dataclass
class HouseholdQueryResult:
    households: int
    persons: int
    rows: list[dict]
    list_allowed: bool
    list_withheld_reason: str = ""


def list_allowed(viewer, f: HouseholdFilters) -> tuple[bool, str]:
    """Planners may list households, but not by what aid they receive (finances, UU KIP
    art. 17(h)): with an aid filter only aid roles get the list; others get counts."""
    if f.uses_aid and viewer.role not in AID_ROLES:
        return False, "aid_filter"
    return True, ""


def household_query_run(
    viewer,
    filters: HouseholdFilters,
    *,
    purpose=None,
    with_list: bool = False,
    limit: int = PAGE_SIZE,
    saved_query_id: int | None = None,
    today: dt.date | None = None,
) -> HouseholdQueryResult:
    """Counts, and the (masked) list when asked for and allowed; one audit event per run."""
    today = today or timezone.localdate()
    # One grouped pass gives every matching household with its visible values: the counts
    # and the page's order come from these rows, never from the Household row's golden values.
    matched = list(
        _matching(viewer, filters, today).values(
            "household", "v_kelurahan", "v_rw", "v_rt", "v_decile", "v_size"
        )
    )
    households = len(matched)
    persons = sum(r["v_size"] for r in matched)
    shown_members = visible_memberships(records_for(viewer))
    allowed, reason = list_allowed(viewer, filters)
    rows: list[dict] = []
    members: list[str] = []
    if with_list and allowed:
        matched.sort(key=lambda r: (r["v_kelurahan"] or "", r["v_rw"] or 0, r["household"]))
        page = matched[:limit]
        identity = dict(
            Household.objects.filter(pk__in=[r["household"] for r in page]).values_list(
                "pk", "public_id"
            )
        )
        kk_of = dict(Household.objects.filter(pk__in=list(identity)).values_list("pk", "kk_number"))
        rows = [
            {
                "public_id": identity[r["household"]],
                "kk_number": kk_of[r["household"]],
                "kelurahan_code": r["v_kelurahan"],
                "rw": r["v_rw"],
                "rt": r["v_rt"],
                "welfare_decile": r["v_decile"],
                "size": r["v_size"],
            }
            for r in page
        ]
        member_ids: dict[str, list[str]] = {}
        for household, person in (
            shown_members.filter(household__public_id__in=[r["public_id"] for r in rows])
            .order_by("person__public_id")
            .values_list("household__public_id", "person__public_id")
        ):
            member_ids.setdefault(household, []).append(person)
        names = dict(
            Region.objects.filter(code__in={r["kelurahan_code"] for r in rows}).values_list(
                "code", "name"
            )
        )
        for row in rows:
            row["kk_number"] = mask_number(row["kk_number"])
            row["kelurahan"] = names.get(row["kelurahan_code"], row["kelurahan_code"])
            members.extend(member_ids.get(row["public_id"], []))
    query = {"report": "household_query", **filters.as_query()}
    if with_list:
        query["list"] = True
        query["limit"] = limit
    if saved_query_id is not None:
        query["saved_query"] = saved_query_id
    audit_report(
        viewer,
        action=Action.REPORT_HOUSEHOLD_QUERY,
        query=query,
        persons=members,
        purpose=purpose,
        detail={
            "households": households,
            "persons": persons,
            "rows": len(rows),
            "list_withheld": reason if with_list and not allowed else "",
        },
    )
    return HouseholdQueryResult(
        households=households,
        persons=persons,
        rows=rows,
        list_allowed=allowed,
        list_withheld_reason=reason if with_list and not allowed else "",
    )
