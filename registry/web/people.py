"""Search, person and household pages. Every read goes through one selector, which checks
permission, takes the purpose and writes the audit event; these views only parse and render."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import Region
from registry.reports.common import period_quarter
from registry.roles import AID_ROLES, PERSON_ROLES, Role
from registry.selectors import (
    InvalidQuery,
    NotFound,
    PersonProfile,
    person_get_for_user,
    viewer_from_request,
)
from registry.selectors.aid import HouseholdAid, household_aid_get_for_user
from registry.selectors.search import search_page_for_user
from registry.web.auth import request_role, role_required
from registry.web.labels import FIELD_LABELS, SEX_LABELS, field_label, relationship_label
from registry.web.purpose import purpose_required

SEARCH_LIMIT = 25
# Golden fields in the order a person page shows them.
GOLDEN_ORDER = (
    "full_name",
    "nik",
    "kk_number",
    "sex",
    "birth_place",
    "birth_date",
    "death_date",
    "address",
    "rt",
    "rw",
    "kelurahan_code",
    "kecamatan_code",
)
# Record fields whose original (as sent) value lives under another key.
ORIGINAL_KEY = {"kelurahan_code": "kelurahan", "kecamatan_code": "kecamatan"}


def kelurahan_choices() -> list[tuple[str, str]]:
    regions = Region.objects.filter(
        level=4, code__startswith=settings.REGISTRY_REGENCY_CODE
    ).select_related("parent")
    return [("", _("All kelurahan"))] + [
        (r.code, f"{r.name} — {r.parent.name if r.parent else ''}") for r in regions
    ]


def region_names(codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


class SearchForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    kk = forms.CharField(
        label=_("Family card (KK) number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        help_text=_("Old spellings and small typos are found too."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kelurahan = forms.ChoiceField(label=_("Kelurahan"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kelurahan"].choices = kelurahan_choices()

    def clean_nik(self):
        nik = "".join(ch for ch in self.cleaned_data["nik"] if ch.isdigit())
        if self.cleaned_data["nik"].strip() and len(nik) != 16:
            raise forms.ValidationError(_("A NIK has 16 digits."))
        return nik

    def clean_kk(self):
        kk = "".join(ch for ch in self.cleaned_data["kk"] if ch.isdigit())
        if self.cleaned_data["kk"].strip() and len(kk) != 16:
            raise forms.ValidationError(_("A KK number has 16 digits."))
        return kk

    def clean(self):
        cleaned = super().clean()
        if (
            not self.errors
            and not cleaned.get("nik")
            and not cleaned.get("kk")
            and not cleaned.get("name", "").strip()
        ):
            raise forms.ValidationError(_("Enter a NIK, a KK number or a name."))
        return cleaned


SEARCH_FIELDS = ("nik", "kk", "name", "birth_date", "kelurahan")


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


@role_required(PERSON_ROLES)
@purpose_required
def person_search_view(request: HttpRequest) -> HttpResponse:
    """Search by NIK, KK number or name. An exact NIK (or KK) hit opens the person (or the
    household) directly; a name search shows the real total, a page at a time. With
    ?partial=1 (search as you type) only the results fragment is rendered, never redirected."""
    submitted = any(request.GET.get(k) for k in SEARCH_FIELDS)
    partial = request.GET.get("partial") == "1"
    form = SearchForm(request.GET if submitted else None)
    page = None
    names: dict[str, str] = {}
    if submitted and form.is_valid():
        data = form.cleaned_data
        try:
            page = search_page_for_user(
                viewer=viewer_from_request(request),
                purpose=request.purpose,
                nik=data["nik"],
                kk=data["kk"],
                name=data["name"],
                birth_date=data["birth_date"],
                kelurahan_code=data["kelurahan"],
                offset=(_page_number(request) - 1) * SEARCH_LIMIT,
                limit=SEARCH_LIMIT,
            )
        except InvalidQuery:
            form.add_error(None, gettext("Enter a NIK, a KK number or a name."))
        except NotFound as exc:
            raise Http404 from exc
        else:
            if not partial and page.exact_person:
                return redirect("person_detail", public_id=page.exact_person)
            if not partial and page.exact_household:
                return redirect("household_detail", public_id=page.exact_household)
            names = region_names(
                [h.kelurahan_code for h in page.hits] + [h.kelurahan_code for h in page.households]
            )
    rows = [
        {
            "hit": h,
            "kelurahan": names.get(h.kelurahan_code, h.kelurahan_code),
            "sex": SEX_LABELS.get(h.sex, h.sex),
            "score": round(h.score * 100),
            "matched_on": [field_label(_matched_field(m)) for m in h.matched_on],
        }
        for h in (page.hits if page else [])
    ]
    households = [
        {"hit": h, "kelurahan": names.get(h.kelurahan_code, h.kelurahan_code)}
        for h in (page.households if page else [])
    ]
    params = request.GET.copy()
    for key in ("page", "partial"):
        params.pop(key, None)
    context = {
        "form": form,
        "submitted": submitted,
        "rows": rows,
        "households": households,
        "page": page,
        "searched": page is not None,
        "base_query": params.urlencode(),
        "first_shown": (page.offset + 1) if page and page.hits else 0,
        "last_shown": (page.offset + len(page.hits)) if page else 0,
    }
    template = "people/_search_results.html" if partial else "people/search.html"
    return render(request, template, context)


def _matched_field(name: str) -> str:
    return {
        "name_phonetic": "full_name",
        "name": "full_name",
        "kelurahan": "kelurahan",
        "kk": "kk_number",
    }.get(name, name)


def _display(name: str, value: Any) -> Any:
    if value is None or value == "":
        return ""
    if name == "sex":
        return SEX_LABELS.get(value, value)
    if name == "relationship":
        return relationship_label(value)
    if isinstance(value, date):
        return date_format(value, "j M Y")
    if name == "nik_reliable":
        return gettext("yes") if value else gettext("no")
    return value


def _golden_rows(profile: PersonProfile) -> list[dict[str, Any]]:
    """Each golden value with the sources agreeing and disagreeing: why the registry believes
    it (the per-field explanation of the link)."""
    rows = []
    for name in GOLDEN_ORDER:
        value = profile.golden.get(name)
        agree, differ = [], []
        for record in profile.records:
            theirs = record.fields.get(name)
            if theirs in (None, ""):
                continue
            label = f"{record.agency_code} {record.source_record_id}"
            if str(theirs) == str(value):
                agree.append(label)
            else:
                differ.append({"source": label, "value": _display(name, theirs)})
        shown = _display(name, value)
        if name == "kelurahan_code" and value:
            shown = f"{profile.golden.get('kelurahan_name') or ''} ({value})"
        if name == "kecamatan_code" and value:
            shown = f"{profile.golden.get('kecamatan_name') or ''} ({value})"
        rows.append(
            {
                "field": name,
                "label": FIELD_LABELS.get(name, name),
                "value": shown,
                "agree": agree,
                "differ": differ,
            }
        )
    return rows


def _field_rows(fields: dict[str, Any], original: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, value in fields.items():
        raw = original.get(ORIGINAL_KEY.get(name, name))
        if (value is None or value == "") and raw in (None, ""):
            continue
        rows.append(
            {
                "label": field_label(name),
                "value": _display(name, value),
                "original": "" if raw is None else raw,
                "changed": raw not in (None, "") and _comparable(raw) != _comparable(value),
            }
        )
    return rows


def _comparable(value: Any) -> str:
    # Upper-casing and spacing are not worth highlighting; other normalisation is.
    return " ".join(str(value).upper().split())


def _aid_by_program(profile: PersonProfile) -> list[dict[str, Any]]:
    programs: OrderedDict[str, list] = OrderedDict()
    for aid in sorted(profile.aid, key=lambda a: (a.program, period_quarter(a.period), a.period)):
        programs.setdefault(aid.program, []).append(aid)
    return [
        {
            "program": p,
            "receipts": r,
            "total": sum(a.amount or 0 for a in r),
            "last_period": max((a.period for a in r), key=period_quarter_key),
        }
        for p, r in programs.items()
    ]


def period_quarter_key(period: str) -> tuple[str, str]:
    # Monthly and quarterly periods ordered together: by quarter, then the month inside it.
    return (period_quarter(period), period)


def _household_aid(request: HttpRequest, profile: PersonProfile) -> HouseholdAid | None:
    """The person's household with its members' aid (a household read of its own, audited),
    for roles that see aid; None when there is no visible household."""
    if profile.household is None or request_role(request) not in AID_ROLES:
        return None
    try:
        return household_aid_get_for_user(
            viewer=viewer_from_request(request),
            public_id=profile.household.public_id,
            purpose=request.purpose,
        )
    except NotFound:
        return None


@role_required(PERSON_ROLES)
@purpose_required
def person_detail_view(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        profile = person_get_for_user(
            viewer=viewer_from_request(request), public_id=public_id, purpose=request.purpose
        )
    except NotFound as exc:
        raise Http404 from exc
    if profile.redirected_from:
        messages.info(
            request,
            gettext("Person %(old)s was merged into %(new)s.")
            % {"old": profile.redirected_from, "new": profile.public_id},
        )
        return redirect("person_detail", public_id=profile.public_id)
    records = [
        {
            "record": r,
            "rows": _field_rows(r.fields, r.original),
            "older": [
                {"version": v, "rows": _field_rows(v.fields, v.original)} for v in r.older_versions
            ],
        }
        for r in profile.records
    ]
    return render(
        request,
        "people/person.html",
        {
            "profile": profile,
            "golden": _golden_rows(profile),
            "records": records,
            "aid_programs": _aid_by_program(profile),
            "aid_total": sum(a.amount or 0 for a in profile.aid),
            "household": profile.household,
            "household_aid": _household_aid(request, profile),
            "can_manage_identity": request_role(request) == Role.WALIDATA,
        },
    )


@role_required(PERSON_ROLES)
@purpose_required
def household_detail_view(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        aid = household_aid_get_for_user(
            viewer=viewer_from_request(request), public_id=public_id, purpose=request.purpose
        )
    except NotFound as exc:
        raise Http404 from exc
    household = aid.household
    members = [{"m": m, "sex": SEX_LABELS.get(m.sex, m.sex)} for m in household.members]
    from registry.welfare.services import is_welfare_officer

    welfare = is_welfare_officer(viewer_from_request(request))
    return render(
        request,
        "people/household.html",
        {"household": household, "members": members, "aid": aid, "welfare_actions": welfare},
    )
