"""Planner pages: the dashboard (aggregates, suppressed, SVG charts) and the household query
(counts first, then a masked list; saved queries; every run audited with its filters)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import SavedHouseholdQuery
from registry.reports import planning as stats
from registry.reports.household_query import (
    AID_MODES,
    INSURANCE_CHOICES,
    SCHOOL_CHOICES,
    HouseholdFilters,
    InvalidFilters,
    household_query_run,
)
from registry.reports.suppression import HIDDEN_LABEL
from registry.roles import Role
from registry.selectors import viewer_from_request
from registry.web.auth import page_denied, role_required
from registry.web.charts import bar_chart, pyramid_chart
from registry.web.purpose import purpose_required

PLANNING_ROLES = (Role.WALIDATA, Role.PLANNER, Role.ANALYST)

GAP_LABELS = {
    "school_age": _("Children 7-18"),
    "school_age_no_school": _("of whom no school record"),
    "persons": _("Residents"),
    "persons_no_insurance": _("of whom no health insurance"),
    "low_decile_households": _("Households decile 1-4"),
    "low_decile_no_aid": _("of which no aid"),
}


class DashboardForm(forms.Form):
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False, choices=())
    period = forms.CharField(
        label=_("Aid period"), required=False, max_length=10, help_text=_("e.g. 2026-Q2")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kecamatan"].choices = [("", _("Whole city"))] + stats.kecamatan_choices()


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


@role_required(PLANNING_ROLES)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    form = DashboardForm(request.GET or None)
    kecamatan = period = ""
    if form.is_valid():
        kecamatan = form.cleaned_data["kecamatan"]
        period = form.cleaned_data["period"].strip()
    level = "kelurahan" if kecamatan else "kecamatan"
    population = stats.population_by_area(viewer, level=level, kecamatan_code=kecamatan)
    pyramid = stats.age_sex_pyramid(viewer, kecamatan_code=kecamatan)
    coverage = stats.aid_coverage(viewer, period=period, kecamatan_code=kecamatan)
    completeness = stats.completeness_by_agency(viewer)
    gaps = stats.cross_agency_gaps(viewer, kecamatan_code=kecamatan, period=period)
    persons_col = population.column("persons") if population.rows else None
    charts = {
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
            "hidden_label": HIDDEN_LABEL,
        },
    )


# --- household query ----------------------------------------------------------------------


def _choices(values, labels):
    return [(v, labels.get(v, v)) for v in values]


class HouseholdQueryForm(forms.Form):
    kecamatan_code = forms.ChoiceField(label=_("Kecamatan"), required=False, choices=())
    kelurahan_code = forms.CharField(
        label=_("Kelurahan code"), required=False, max_length=13, help_text="36.71.01.1001"
    )
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
    aid_program = forms.CharField(label=_("Aid program"), required=False, max_length=30)
    aid_mode = forms.ChoiceField(label=_("Aid"), required=False, choices=())
    aid_period = forms.CharField(label=_("Aid period"), required=False, max_length=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kecamatan_code"].choices = [("", _("Whole city"))] + stats.kecamatan_choices()
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
    path("keluarga/", household_query_view, name="households"),
    path("keluarga/tersimpan/<int:pk>/hapus/", saved_delete_view, name="saved_delete"),
]
