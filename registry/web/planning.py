"""Planner pages: the dashboard (aggregates, suppressed, SVG charts) and the household query
(counts first, then a masked list; saved queries; every run audited with its filters)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import Region, SavedHouseholdQuery
from registry.reports import planning as stats
from registry.reports.cells import csv_writer
from registry.reports.household_query import (
    AID_MODES,
    INSURANCE_CHOICES,
    SCHOOL_CHOICES,
    HouseholdFilters,
    InvalidFilters,
    household_query_run,
)
from registry.reports.suppression import HIDDEN_LABEL
from registry.reports.xlsx import Sheet
from registry.roles import Role
from registry.selectors import viewer_from_request
from registry.templatetags.numbers import id_number
from registry.web.auth import page_denied, role_required
from registry.web.charts import bar_chart, pyramid_chart
from registry.web.exports import xlsx_response
from registry.web.purpose import purpose_required
from registry.web.tilemap import Tile, tile_map

PLANNING_ROLES = (Role.WALIDATA, Role.PLANNER, Role.ANALYST)

GAP_LABELS = {
    "school_age": _("Children 7-18"),
    "school_age_no_school": _("of whom no school record"),
    "persons": _("Residents"),
    "persons_no_insurance": _("of whom no health insurance"),
    "low_decile_households": _("Households decile 1-4"),
    "low_decile_no_aid": _("of which no aid"),
}


MAP_INDICATORS = {
    "persons": _("Residents"),
    "households": _("Households"),
    "school_age_no_school": _("Children 7-18 with no school record"),
    "persons_no_insurance": _("Residents with no health insurance"),
    "low_decile_no_aid": _("Households decile 1-4 with no aid"),
}


class DashboardForm(forms.Form):
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False, choices=())
    period = forms.ChoiceField(label=_("Aid period"), required=False, choices=())
    peta = forms.ChoiceField(
        label=_("Map indicator"), required=False, choices=list(MAP_INDICATORS.items())
    )
    tingkat = forms.ChoiceField(
        label=_("Map by"),
        required=False,
        choices=[("kelurahan", _("Kelurahan")), ("kecamatan", _("Kecamatan"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kecamatan"].choices = [("", _("Whole city"))] + stats.kecamatan_choices()
        self.fields["period"].choices = [("", _("All periods"))] + [
            (p, p) for p in stats.aid_periods()
        ]


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


@dataclass(frozen=True)
class DashboardFilters:
    kecamatan: str = ""
    period: str = ""
    indicator: str = "persons"
    map_level: str = "kelurahan"  # kecamatan only for the whole city


def _filters(request: HttpRequest) -> tuple[DashboardForm, DashboardFilters]:
    form = DashboardForm(request.GET or None)
    if not form.is_valid():
        return form, DashboardFilters()
    data = form.cleaned_data
    kecamatan = data["kecamatan"]
    return form, DashboardFilters(
        kecamatan=kecamatan,
        period=data["period"],
        indicator=data["peta"] or "persons",
        map_level="kecamatan" if data["tingkat"] == "kecamatan" and not kecamatan else "kelurahan",
    )


def _map_values(viewer, f: DashboardFilters) -> dict[str, int | None]:
    """area code -> suppressed value. Kecamatan: the city's kecamatan table, as the dashboard
    shows it. Kelurahan: suppressed within each kecamatan, exactly as the dashboard shows that
    kecamatan's kelurahan, so the city map reveals nothing the kelurahan tables of each
    kecamatan (with their totals) do not."""
    level = f.map_level
    options = {"level": level, "kecamatan_code": f.kecamatan, "within_kecamatan": True}
    if f.indicator in ("persons", "households"):
        table = stats.population_by_area(viewer, **options)
    else:
        table = stats.cross_agency_gaps(viewer, period=f.period, **options)
    if not table.rows:
        return {}
    column = table.column(f.indicator)
    return {code: column.values[i] for i, (code, _n) in enumerate(table.rows)}


def _tile_map(viewer, f: DashboardFilters):
    values = _map_values(viewer, f)
    if f.map_level == "kecamatan":
        regions = Region.objects.filter(level=3)
        groups = dict(Region.objects.filter(level=2).values_list("code", "name"))
    else:
        regions = Region.objects.filter(level=4)
        groups = dict(stats.kecamatan_choices())
        if f.kecamatan:
            regions = regions.filter(parent_id=f.kecamatan)
    tiles = [
        Tile(
            code=code,
            name=name,
            value=values.get(code),
            shown=id_number(values[code]) if code in values else "—",
            has_data=code in values,
        )
        for code, name in regions.values_list("code", "name")
    ]
    return tile_map(
        tiles,
        groups,
        title=str(MAP_INDICATORS[f.indicator]),
        legend_fmt=lambda v: id_number(round(v)),
        group_len=5 if f.map_level == "kecamatan" else 8,
    )


@role_required(PLANNING_ROLES)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    form, f = _filters(request)
    kecamatan, period = f.kecamatan, f.period
    level = "kelurahan" if kecamatan else "kecamatan"
    population = stats.population_by_area(viewer, level=level, kecamatan_code=kecamatan)
    pyramid = stats.age_sex_pyramid(viewer, kecamatan_code=kecamatan)
    coverage = stats.aid_coverage(
        viewer, period=period, kecamatan_code=kecamatan, all_programs=True
    )
    completeness = stats.completeness_by_agency(viewer)
    gaps = stats.cross_agency_gaps(viewer, kecamatan_code=kecamatan, period=period)
    persons_col = population.column("persons") if population.rows else None
    charts = {
        "map": _tile_map(viewer, f),
        "population": bar_chart(
            [(name, persons_col.values[i]) for i, (_, name) in enumerate(population.rows)],
            title=gettext("Residents by area"),
        )
        if persons_col
        else None,
        "pyramid": pyramid_chart(
            pyramid.bands,
            pyramid.male,
            pyramid.female,
            title=gettext("Age and sex"),
            male_label=gettext("Male"),
            female_label=gettext("Female"),
        ),
        "coverage": bar_chart(
            [(c.program, c.households) for c in coverage],
            title=gettext("Households receiving aid, by program"),
        )
        if coverage
        else None,
        "completeness": bar_chart(
            [
                (c.agency_code, round(c.linked_share * 100, 1))
                for c in completeness
                if c.linked_share is not None
            ],
            title=gettext("Share of records linked to a person (%)"),
            fmt="{}%",
            max_value=100,
        )
        if completeness
        else None,
    }
    return render(
        request,
        "planning/dashboard.html",
        {
            "form": form,
            "level": level,
            "population": population.as_rows(),
            "population_totals": {c.key: c.total for c in population.columns},
            "pyramid": pyramid,
            "pyramid_rows": list(zip(pyramid.bands, pyramid.male, pyramid.female, strict=True)),
            "coverage": [{**vars(c), "share": _share(c.household_share)} for c in coverage],
            "completeness": [
                {
                    **vars(c),
                    "nik": _share(c.reliable_nik_share),
                    "linked": _share(c.linked_share),
                }
                for c in completeness
            ],
            "gaps": gaps.as_rows(),
            "gap_totals": {c.key: c.total for c in gaps.columns},
            "gap_columns": [(k, GAP_LABELS[k]) for k in stats.GAP_COLUMNS],
            "charts": charts,
            "map_label": MAP_INDICATORS[f.indicator],
            "map_level": f.map_level,
            "hidden_label": HIDDEN_LABEL,
            "export_query": request.GET.urlencode(),
            "export_tables": EXPORT_TABLES,
        },
    )


# --- exports of every chart and table (CSV or XLSX), suppressed like the page -------------


def _cell(value):
    """Hidden values are written as "<11", never as a blank that a sum would read as zero."""
    return HIDDEN_LABEL if value is None else value


def _percent(value: float | None):
    return None if value is None else round(value * 100, 1)


def _export_rows(viewer, table: str, f: DashboardFilters):
    """(title, headers, rows) of one dashboard table, from the same report calls as the page."""
    kecamatan, period, indicator = f.kecamatan, f.period, f.indicator
    level = "kelurahan" if kecamatan else "kecamatan"
    if table == "population":
        data = stats.population_by_area(viewer, level=level, kecamatan_code=kecamatan)
        totals = {c.key: c.total for c in data.columns}
        rows = [[r["code"], r["name"], _cell(r["households"]), _cell(r["persons"])]
                for r in data.as_rows()]  # fmt: skip
        rows.append(["", gettext("Total"), _cell(totals.get("households")),
                     _cell(totals.get("persons"))])  # fmt: skip
        return gettext("Residents by area"), [gettext("Code"), gettext("Area"),
                gettext("Households"), gettext("Residents")], rows  # fmt: skip
    if table == "pyramid":
        p = stats.age_sex_pyramid(viewer, kecamatan_code=kecamatan)
        rows = [[band, _cell(m), _cell(f)] for band, m, f in zip(p.bands, p.male, p.female,
                strict=True)]  # fmt: skip
        rows.append([gettext("Total"), _cell(p.male_total), _cell(p.female_total)])
        return gettext("Age and sex"), [gettext("Age"), gettext("Male"), gettext("Female")], rows
    if table == "coverage":
        data = stats.aid_coverage(
            viewer, period=period, kecamatan_code=kecamatan, all_programs=True
        )
        rows = [[c.program, _cell(c.persons), _cell(c.households),
                 _cell(_percent(c.household_share)) if c.households is not None else HIDDEN_LABEL,
                 _cell(c.amount)] for c in data]  # fmt: skip
        return gettext("Aid coverage by program"), [gettext("Program"), gettext("Recipients"),
                gettext("Households"), gettext("Share of households (%)"),
                gettext("Amount (Rp)")], rows  # fmt: skip
    if table == "completeness":
        data = stats.completeness_by_agency(viewer)
        rows = [[c.agency_code, c.agency_name, c.records, _percent(c.reliable_nik_share),
                 _percent(c.linked_share)] for c in data]  # fmt: skip
        return gettext("Data completeness per agency"), [gettext("Code"), gettext("Agency"),
                gettext("Records"), gettext("With a valid NIK (%)"),
                gettext("Linked to a person (%)")], rows  # fmt: skip
    if table == "gaps":
        data = stats.cross_agency_gaps(viewer, kecamatan_code=kecamatan, period=period)
        totals = {c.key: c.total for c in data.columns}
        rows = [[r["code"], r["name"], *(_cell(r[k]) for k in stats.GAP_COLUMNS)]
                for r in data.as_rows()]  # fmt: skip
        rows.append(["", gettext("Total"), *(_cell(totals.get(k)) for k in stats.GAP_COLUMNS)])
        headers = [gettext("Code"), gettext("Kelurahan"),
                   *(str(GAP_LABELS[k]) for k in stats.GAP_COLUMNS)]  # fmt: skip
        return gettext("Cross-agency gaps by kelurahan"), headers, rows
    if table == "map":
        values = _map_values(viewer, f)
        names = dict(Region.objects.filter(code__in=values).values_list("code", "name"))
        rows = [[code, names.get(code, ""), _cell(values[code])] for code in sorted(values)]
        area = gettext("Kecamatan") if f.map_level == "kecamatan" else gettext("Kelurahan")
        return str(MAP_INDICATORS[indicator]), [gettext("Code"), area,
                str(MAP_INDICATORS[indicator])], rows  # fmt: skip
    raise Http404


EXPORT_TABLES = ("map", "population", "pyramid", "coverage", "completeness", "gaps")


@role_required(PLANNING_ROLES)
def export_view(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    if table not in EXPORT_TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    viewer = viewer_from_request(request)
    _form, f = _filters(request)
    title, headers, rows = _export_rows(viewer, table, f)
    stem = f"perencanaan-{table}"
    if fmt == "xlsx":
        return xlsx_response(stem, [Sheet(title=title[:31], headers=headers, rows=rows)])
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- household query ----------------------------------------------------------------------


def _choices(values, labels):
    return [(v, labels.get(v, v)) for v in values]


class HouseholdQueryForm(forms.Form):
    kecamatan_code = forms.ChoiceField(label=_("Kecamatan"), required=False, choices=())
    kelurahan_code = forms.ChoiceField(label=_("Kelurahan"), required=False, choices=())
    rw = forms.IntegerField(label=_("RW"), required=False, min_value=0, max_value=200)
    size_min = forms.IntegerField(label=_("Members from"), required=False, min_value=0)
    size_max = forms.IntegerField(label=_("Members up to"), required=False, min_value=0)
    decile_min = forms.IntegerField(
        label=_("Decile from"), required=False, min_value=1, max_value=10
    )
    decile_max = forms.IntegerField(
        label=_("Decile up to"), required=False, min_value=1, max_value=10
    )
    member_age_min = forms.IntegerField(label=_("A member aged from"), required=False, min_value=0)
    member_age_max = forms.IntegerField(label=_("A member aged up to"), required=False, min_value=0)
    member_sex = forms.ChoiceField(
        label=_("That member's sex"),
        required=False,
        choices=[("", _("Any")), ("L", _("Male")), ("P", _("Female"))],
    )
    school = forms.ChoiceField(label=_("School enrolment"), required=False, choices=())
    insurance = forms.ChoiceField(label=_("Health insurance"), required=False, choices=())
    aid_program = forms.ChoiceField(label=_("Aid program"), required=False, choices=())
    aid_mode = forms.ChoiceField(label=_("Aid"), required=False, choices=())
    aid_period = forms.ChoiceField(label=_("Aid period"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kecamatan_code"].choices = [("", _("Whole city"))] + stats.kecamatan_choices()
        # Dropdowns, not free text: a typed name ("Cimone") used to match no code and count 0.
        self.fields["kelurahan_code"].choices = [("", _("Any"))] + stats.kelurahan_choices()
        self.fields["aid_program"].choices = [("", _("Any"))] + [
            (p, p) for p in stats.aid_programs()
        ]
        self.fields["aid_period"].choices = [("", _("Any"))] + [(p, p) for p in stats.aid_periods()]
        self.fields["school"].choices = _choices(
            SCHOOL_CHOICES,
            {
                "": _("Any"),
                "child_not_enrolled": _("A child 7-18 without a school record"),
                "all_enrolled": _("All children 7-18 enrolled"),
            },
        )
        self.fields["insurance"].choices = _choices(
            INSURANCE_CHOICES,
            {
                "": _("Any"),
                "none": _("Nobody insured"),
                "some_uninsured": _("Someone uninsured"),
                "all_insured": _("Everyone insured"),
            },
        )
        self.fields["aid_mode"].choices = _choices(
            AID_MODES, {"received": _("received"), "not_received": _("not received")}
        )


class SaveQueryForm(forms.Form):
    name = forms.CharField(label=_("Name of the query"), max_length=100)


@role_required(PLANNING_ROLES)
@purpose_required
def household_query_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    saved_id = None
    data = request.GET
    if request.GET.get("saved"):
        if not request.GET["saved"].isdigit():
            raise Http404
        saved = SavedHouseholdQuery.objects.filter(
            pk=request.GET["saved"], owner=request.user
        ).first()
        if saved is None:
            raise page_denied(request, reason="not_found_or_not_owner")
        saved_id = saved.pk
        data = {**saved.filters, "run": "1"}
    form = HouseholdQueryForm(data if data.get("run") else None)
    result = None
    filters = None
    if form.is_valid():
        try:
            filters = HouseholdFilters.from_dict(form.cleaned_data)
        except InvalidFilters as exc:
            form.add_error(None, str(exc))
        else:
            result = household_query_run(
                viewer,
                filters,
                purpose=request.purpose,
                with_list=bool(data.get("list")),
                saved_query_id=saved_id,
            )
    if request.method == "POST" and filters is not None:
        save_form = SaveQueryForm(request.POST)
        if save_form.is_valid():
            try:
                SavedHouseholdQuery.objects.create(
                    owner=request.user,
                    name=save_form.cleaned_data["name"],
                    filters=filters.as_query(),
                )
                messages.success(request, gettext("Query saved."))
            except IntegrityError:
                messages.error(request, gettext("You already have a query with this name."))
            return redirect(request.get_full_path())
    params = request.GET.copy()
    params.pop("list", None)
    return render(
        request,
        "planning/households.html",
        {
            "form": form,
            "result": result,
            "save_form": SaveQueryForm(),
            "saved": SavedHouseholdQuery.objects.filter(owner=request.user).order_by("-created_at")[
                :50
            ],
            "query_string": params.urlencode(),
            "hidden_label": HIDDEN_LABEL,
        },
    )


@role_required(PLANNING_ROLES)
def saved_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        deleted, _by_model = SavedHouseholdQuery.objects.filter(pk=pk, owner=request.user).delete()
        if not deleted:
            raise page_denied(request, reason="not_found_or_not_owner")
    return redirect("planning:households")


urlpatterns = [
    path("", dashboard_view, name="dashboard"),
    path("ekspor/<slug:table>.<slug:fmt>", export_view, name="export"),
    path("keluarga/", household_query_view, name="households"),
    path("keluarga/tersimpan/<int:pk>/hapus/", saved_delete_view, name="saved_delete"),
]
