"""Manual merge and unmerge from a person page (walidata): thin POST views over
registry.services.reviews, which lock, audit and record the decision for every later link."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from registry.roles import Role
from registry.selectors import NotFound
from registry.services.reviews import current_record_ids, person_merge, person_unmerge
from registry.web.auth import role_required
from registry.web.purpose import purpose_required


class MergeForm(forms.Form):
    other = forms.CharField(label=_("Person ID to merge into this one"), max_length=16)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class UnmergeForm(forms.Form):
    records = forms.MultipleChoiceField(label=_("Records to move to a new person"))
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = choices


@role_required(Role.WALIDATA)
@purpose_required
@require_POST
def person_merge_view(request: HttpRequest, public_id: str) -> HttpResponse:
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give the other person's ID and a reason."))
        return redirect("person_detail", public_id=public_id)
    try:
        person_merge(
            actor=request.user,
            survivor=public_id,
            absorbed=form.cleaned_data["other"].strip().upper(),
            reason=form.cleaned_data["reason"],
        )
    except (NotFound, ValueError):
        messages.error(request, gettext("Those two persons cannot be merged."))
    else:
        messages.success(request, gettext("Merged. The other ID now leads to this person."))
    return redirect("person_detail", public_id=public_id)


@role_required(Role.WALIDATA)
@purpose_required
@require_POST
def person_unmerge_view(request: HttpRequest, public_id: str) -> HttpResponse:
    keys = request.POST.getlist("records")
    form = UnmergeForm(request.POST, choices=[(k, k) for k in keys])
    record_ids = current_record_ids(public_id, keys) if form.is_valid() else []
    if not record_ids:
        messages.error(request, gettext("Choose the records to move and give a reason."))
        return redirect("person_detail", public_id=public_id)
    try:
        part = person_unmerge(
            actor=request.user,
            public_id=public_id,
            record_ids=record_ids,
            reason=form.cleaned_data["reason"],
        )
    except (NotFound, ValueError):
        messages.error(request, gettext("Those records cannot be split off."))
        return redirect("person_detail", public_id=public_id)
    messages.success(request, gettext("Split off as a new person."))
    return redirect("person_detail", public_id=part.public_id)
