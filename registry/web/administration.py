"""Walidata administration pages: agencies, datasets, accounts and roles, grants and API
tokens, so a city runs the registry from the browser instead of a shell.

Thin views: a form parses, a service function writes (one transaction with its audit event,
walidata-only there too), the page redirects. Every other role gets 404 (audited) from
`role_required`; `/admin/` stays closed to the walidata on purpose: it would bypass the
services and their audit events.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken
from api.services.tokens import SERVICE_USER_PREFIX, token_create, token_revoke, token_rotate
from registry.models import (
    AccessLevel,
    Agency,
    AgencyKind,
    Dataset,
    DatasetGrant,
    DatasetKind,
    UpdateFrequency,
    UserProfile,
)
from registry.roles import AGENCY_ROLES, Role, role_of
from registry.selectors import PURPOSE_CODES
from registry.services.accounts import (
    account_create,
    account_set_active,
    account_set_role,
    grant_create,
    grant_revoke,
)
from registry.services.catalog import agency_create, agency_update, dataset_create, dataset_update
from registry.web.auth import role_required

ADMIN_ROLES = (Role.WALIDATA,)


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form fields it names (others on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _agency_choices(*, blank: bool = True):
    choices = [(a.pk, f"{a.name} ({a.code})") for a in Agency.objects.order_by("code")]
    return ([("", _("— none —"))] if blank else []) + choices


# --- index ---------------------------------------------------------------------------------


@role_required(ADMIN_ROLES)
def index_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    counts = {
        "agencies": Agency.objects.count(),
        "datasets": Dataset.objects.count(),
        "accounts": get_user_model()
        .objects.filter(is_active=True)
        .exclude(username__startswith=SERVICE_USER_PREFIX)
        .count(),
        "grants": DatasetGrant.objects.filter(revoked_at__isnull=True, expires_at__gt=now).count(),
        "tokens": ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=now).count(),
    }
    return render(request, "manage/index.html", {"counts": counts})


# --- agencies ------------------------------------------------------------------------------


class AgencyForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Short and permanent, lower case: e.g. dinsos, disdukcapil."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of agency"), choices=AgencyKind.choices)


@role_required(ADMIN_ROLES)
def agency_list_view(request: HttpRequest) -> HttpResponse:
    agencies = Agency.objects.annotate(
        n_datasets=Count("datasets", distinct=True),
        n_accounts=Count("staff", distinct=True),
    ).order_by("code")
    return render(request, "manage/agencies.html", {"agencies": agencies})


@role_required(ADMIN_ROLES)
def agency_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    agency = get_object_or_404(Agency, pk=pk) if pk else None
    initial = {"code": agency.code, "name": agency.name, "kind": agency.kind} if agency else None
    form = AgencyForm(request.POST or None, initial=initial)
    if agency is not None:
        form.fields["code"].disabled = True
        form.fields["code"].help_text = _("The code cannot be changed.")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if agency is None:
                agency = agency_create(
                    actor=request.user, code=data["code"], name=data["name"], kind=data["kind"]
                )
                messages.success(request, gettext("Agency %s created.") % agency.code)
            else:
                agency_update(
                    actor=request.user, agency=agency, name=data["name"], kind=data["kind"]
                )
                messages.success(request, gettext("Agency %s saved.") % agency.code)
            return redirect("manage:agencies")
        except ValidationError as exc:
            _apply_errors(form, exc)
    return _form_page(
        request,
        form,
        title=gettext("Edit agency %s") % agency.code if agency else gettext("New agency"),
        back="manage:agencies",
    )


# --- datasets ------------------------------------------------------------------------------


class DatasetForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("Owner agency"), coerce=int, choices=())
    name = forms.SlugField(
        label=_("Short name"),
        max_length=80,
        help_text=_("Lower case, no spaces: e.g. dtks, penduduk. Used in files and the API."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    producer = forms.CharField(
        label=_("Data producer"),
        max_length=200,
        required=False,
        help_text=_("Produsen data; the agency's name when empty."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    update_frequency = forms.ChoiceField(
        label=_("Update frequency"), choices=UpdateFrequency.choices, initial="quarterly"
    )
    access_level = forms.ChoiceField(
        label=_("Access level"),
        choices=AccessLevel.choices,
        initial="closed",
        help_text=_(
            "Open: aggregates for everyone. Restricted: agencies with a grant. "
            "Closed: the owner agency and the walidata only."
        ),
    )

    kind = forms.ChoiceField(
        label=_("Kind of dataset"),
        choices=DatasetKind.choices,
        initial=DatasetKind.RECORDS,
        required=False,  # agency records unless chosen (forms and scripts that predate it)
        help_text=_(
            "Agency records, or a national DTSEN extract (NIK, KK, decile, quarter per row) "
            "stored as household decile facts. Fixed once created."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("— choose —"))] + _agency_choices(blank=False)


@role_required(ADMIN_ROLES)
def dataset_list_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    datasets = (
        Dataset.objects.select_related("agency")
        .annotate(
            n_grants=Count(
                "grants",
                filter=Q(grants__revoked_at__isnull=True, grants__expires_at__gt=now),
                distinct=True,
            )
        )
        .order_by("agency__code", "name")
    )
    return render(request, "manage/datasets.html", {"datasets": datasets})


@role_required(ADMIN_ROLES)
def dataset_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.select_related("agency"), pk=pk) if pk else None
    initial = None
    if dataset is not None:
        initial = {f: getattr(dataset, f) for f in ("name", "kind", *DATASET_FIELDS)}
        initial["agency"] = dataset.agency_id
    elif request.GET.get("agency", "").isdigit():
        initial = {"agency": int(request.GET["agency"])}
    form = DatasetForm(request.POST or None, initial=initial)
    if dataset is not None:
        # The owner and the short name are fixed: records and files carry them.
        form.fields["agency"].disabled = True
        form.fields["name"].disabled = True
        form.fields["kind"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if dataset is None:
                dataset = dataset_create(
                    actor=request.user,
                    agency=Agency.objects.get(pk=data["agency"]),
                    name=data["name"],
                    kind=data["kind"] or DatasetKind.RECORDS,
                    **{f: data[f] for f in DATASET_FIELDS},
                )
                messages.success(request, gettext("Dataset %s created.") % dataset)
            else:
                dataset_update(
                    actor=request.user, dataset=dataset, **{f: data[f] for f in DATASET_FIELDS}
                )
                messages.success(request, gettext("Dataset %s saved.") % dataset)
            return redirect("manage:datasets")
        except ValidationError as exc:
            _apply_errors(form, exc)
    return _form_page(
        request,
        form,
        title=gettext("Edit dataset %s") % dataset if dataset else gettext("New dataset"),
        back="manage:datasets",
    )


DATASET_FIELDS = ("title", "producer", "description", "update_frequency", "access_level")


# --- accounts ------------------------------------------------------------------------------


class AccountForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("At least 12 characters; hand it over in person."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=())
    agency = forms.TypedChoiceField(
        label=_("Agency"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=(),
        help_text=_("Required for operators, analysts and planners."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r != Role.PUBLIC]
        self.fields["agency"].choices = _agency_choices()

    def clean(self):
        data = super().clean()
        if data.get("role") in AGENCY_ROLES and not data.get("agency"):
            self.add_error("agency", _("This role needs an agency."))
        return data


class AccountEditForm(AccountForm):
    is_active = forms.BooleanField(label=_("Active (may log in)"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("username", "full_name", "email"):
            self.fields[name].disabled = True
            self.fields[name].required = False
        del self.fields["password"]


def _human_accounts():
    return get_user_model().objects.exclude(username__startswith=SERVICE_USER_PREFIX)


@role_required(ADMIN_ROLES)
def account_list_view(request: HttpRequest) -> HttpResponse:
    users = _human_accounts().select_related("profile__agency").order_by("username")
    rows = []
    for user in users:
        role = role_of(user)
        agency = getattr(getattr(user, "profile", None), "agency", None)
        rows.append({"user": user, "role": Role(role).label, "agency": agency})
    return render(request, "manage/accounts.html", {"rows": rows})


@role_required(ADMIN_ROLES)
def account_create_view(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agency = Agency.objects.filter(pk=data["agency"]).first() if data["agency"] else None
        try:
            user = account_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                role=Role(data["role"]),
                agency=agency,
                email=data["email"],
                full_name=data["full_name"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("Account %s created.") % user.get_username())
            return redirect("manage:accounts")
    return _form_page(request, form, title=gettext("New account"), back="manage:accounts")


@role_required(ADMIN_ROLES)
def account_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(_human_accounts(), pk=pk)
    profile = UserProfile.objects.filter(user=user).first()
    initial = {
        "username": user.get_username(),
        "full_name": user.first_name,
        "email": user.email,
        "role": role_of(user),
        "agency": profile.agency_id if profile else None,
        "is_active": user.is_active,
    }
    form = AccountEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and user.pk == request.user.pk:
        # The walidata cannot demote or disable themselves (the city could lose its last one).
        if form.cleaned_data["role"] != initial["role"]:
            form.add_error("role", _("You cannot change your own role."))
        if not form.cleaned_data["is_active"]:
            form.add_error("is_active", _("You cannot disable your own account."))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agency = Agency.objects.filter(pk=data["agency"]).first() if data["agency"] else None
        try:
            if data["role"] != initial["role"] or data["agency"] != initial["agency"]:
                account_set_role(
                    actor=request.user, user=user, role=Role(data["role"]), agency=agency
                )
            if data["is_active"] != user.is_active:
                account_set_active(actor=request.user, user=user, active=data["is_active"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("Account %s saved.") % user.get_username())
            return redirect("manage:accounts")
    return _form_page(
        request,
        form,
        title=gettext("Edit account %s") % user.get_username(),
        back="manage:accounts",
    )


# --- grants --------------------------------------------------------------------------------


class GrantForm(forms.Form):
    dataset = forms.TypedChoiceField(
        label=_("Restricted dataset"),
        coerce=int,
        choices=(),
        help_text=_("Only restricted datasets are shared by grant."),
    )
    grantee = forms.TypedChoiceField(label=_("Granted to agency"), coerce=int, choices=())
    purpose_code = forms.ChoiceField(label=_("Purpose"), choices=())
    purpose_text = forms.CharField(
        label=_("Describe the purpose"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the program, regulation or letter this grant is for."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        restricted = Dataset.objects.filter(access_level=AccessLevel.RESTRICTED).select_related(
            "agency"
        )
        self.fields["dataset"].choices = [("", _("— choose —"))] + [
            (d.pk, f"{d.title} ({d})") for d in restricted
        ]
        self.fields["grantee"].choices = [("", _("— choose —"))] + _agency_choices(blank=False)
        self.fields["purpose_code"].choices = [("", _("— choose —")), *PURPOSE_CODES.items()]
        if not self.is_bound:
            self.initial.setdefault("expires_on", timezone.localdate() + dt.timedelta(days=365))

    def clean_expires_on(self):
        value = self.cleaned_data["expires_on"]
        if value <= timezone.localdate():
            raise ValidationError(_("Choose a date after today."))
        return value

    def clean(self):
        data = super().clean()
        dataset = Dataset.objects.filter(pk=data.get("dataset")).first()
        if dataset is not None and data.get("grantee") == dataset.agency_id:
            self.add_error("grantee", _("The owner agency needs no grant."))
        return data


@role_required(ADMIN_ROLES)
def grant_list_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    show_all = bool(request.GET.get("semua"))
    grants = DatasetGrant.objects.select_related(
        "dataset__agency", "grantee", "granted_by"
    ).order_by("-expires_at")
    if not show_all:
        grants = grants.filter(revoked_at__isnull=True, expires_at__gt=now)
    return render(
        request,
        "manage/grants.html",
        {"grants": grants, "show_all": show_all, "now": now, "purposes": PURPOSE_CODES},
    )


@role_required(ADMIN_ROLES)
def grant_create_view(request: HttpRequest) -> HttpResponse:
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Valid until the end of the chosen day, in the city's time zone.
        expires_at = timezone.make_aware(
            dt.datetime.combine(data["expires_on"], dt.time(23, 59, 59))
        )
        try:
            grant = grant_create(
                actor=request.user,
                dataset=Dataset.objects.get(pk=data["dataset"]),
                grantee=Agency.objects.get(pk=data["grantee"]),
                purpose_code=data["purpose_code"],
                purpose_text=data["purpose_text"],
                expires_at=expires_at,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                gettext("%(dataset)s shared with %(agency)s.")
                % {"dataset": grant.dataset, "agency": grant.grantee.code},
            )
            return redirect("manage:grants")
    return _form_page(request, form, title=gettext("New grant"), back="manage:grants")


@role_required(ADMIN_ROLES)
def grant_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("manage:grants")
    grant = get_object_or_404(DatasetGrant, pk=pk)
    grant_revoke(actor=request.user, grant=grant)
    messages.success(request, gettext("Grant revoked."))
    return redirect("manage:grants")


# --- API tokens ----------------------------------------------------------------------------


class TokenForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("Agency"), coerce=int, choices=())
    name = forms.CharField(
        label=_("What the token is for"),
        max_length=100,
        help_text=_("e.g. SIKS-NG nightly sync"),
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=730, initial=90)
    rate = forms.IntegerField(
        label=_("Requests per minute"), min_value=1, max_value=100_000, initial=600
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("— choose —"))] + _agency_choices(blank=False)


@role_required(ADMIN_ROLES)
def token_list_view(request: HttpRequest) -> HttpResponse:
    tokens = ApiToken.objects.select_related("agency", "created_by").order_by(
        "agency__code", "name", "id"
    )
    return render(request, "manage/tokens.html", {"tokens": tokens, "now": timezone.now()})


def _secret_page(request: HttpRequest, issued) -> HttpResponse:
    response = render(request, "manage/token_secret.html", {"issued": issued})
    # The secret is shown once: never from a cache or the back button.
    response["Cache-Control"] = "no-store"
    return response


@role_required(ADMIN_ROLES)
def token_create_view(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        issued = token_create(
            actor=request.user,
            agency=Agency.objects.get(pk=data["agency"]),
            name=data["name"],
            expires_in_days=data["days"],
            rate_limit_per_minute=data["rate"],
        )
        return _secret_page(request, issued)
    return _form_page(request, form, title=gettext("New API token"), back="manage:tokens")


@role_required(ADMIN_ROLES)
def token_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("manage:tokens")
    token = get_object_or_404(ApiToken, pk=pk)
    if action == "rotate":
        try:
            return _secret_page(request, token_rotate(actor=request.user, token=token))
        except ValueError:
            messages.error(request, gettext("A revoked token cannot be rotated."))
    elif action == "revoke":
        token_revoke(actor=request.user, token=token)
        messages.success(request, gettext("Token revoked."))
    else:
        raise Http404
    return redirect("manage:tokens")


# --- shared --------------------------------------------------------------------------------


def _form_page(request: HttpRequest, form: forms.Form, *, title: str, back: str) -> HttpResponse:
    return render(request, "manage/form.html", {"form": form, "title": title, "back": back})


urlpatterns = [
    path("", index_view, name="index"),
    path("opd/", agency_list_view, name="agencies"),
    path("opd/baru/", agency_edit_view, name="agency_create"),
    path("opd/<int:pk>/", agency_edit_view, name="agency_edit"),
    path("dataset/", dataset_list_view, name="datasets"),
    path("dataset/baru/", dataset_edit_view, name="dataset_create"),
    path("dataset/<int:pk>/", dataset_edit_view, name="dataset_edit"),
    path("akun/", account_list_view, name="accounts"),
    path("akun/baru/", account_create_view, name="account_create"),
    path("akun/<int:pk>/", account_edit_view, name="account_edit"),
    path("hak-akses/", grant_list_view, name="grants"),
    path("hak-akses/baru/", grant_create_view, name="grant_create"),
    path("hak-akses/<int:pk>/cabut/", grant_revoke_view, name="grant_revoke"),
    path("token/", token_list_view, name="tokens"),
    path("token/baru/", token_create_view, name="token_create"),
    path("token/<int:pk>/<slug:action>/", token_action_view, name="token_action"),
]
