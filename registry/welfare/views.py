"""Pages of usulan and sanggahan for Dinsos (social analysts of a social-affairs agency) and
the walidata. Thin: form -> service -> redirect; the services check who may act and write the
audit events; family members are read through the audited household selector."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.actions import Action
from registry.roles import Role
from registry.selectors import NotFound, household_get_for_user, viewer_from_request
from registry.web.auth import role_required
from registry.web.labels import relationship_label
from registry.web.purpose import purpose_required
from registry.welfare import attachments as files
from registry.welfare import services
from registry.welfare.export import export_csv, export_xlsx
from registry.welfare.models import (
    Attachment,
    Objection,
    ObjectionKind,
    Proposal,
    ProposalExport,
    ProposalKind,
    ProposalReason,
)
from registry.welfare.services import CHANGE_KINDS, CircumstanceChange, Upload

WELFARE_ROLES = (Role.WALIDATA, Role.ANALYST)
LIST_LIMIT = 200
CHECK_REASONS = {  # a targeting check's row -> the proposal it suggests
    "low_decile_no_aid": (ProposalKind.UPDATE, ProposalReason.POOR_NOT_LISTED),
    "high_decile": (ProposalKind.UPDATE, ProposalReason.NOW_CAPABLE),
    "deceased": (ProposalKind.REMOVE, ProposalReason.DECEASED),
}
_DATE = forms.DateInput(attrs={"type": "date"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis usulan"), choices=ProposalKind.choices)
    reason = forms.ChoiceField(label=_("Alasan"), choices=ProposalReason.choices)
    reason_text = forms.CharField(
        label=_("Keterangan"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    evidence = MultipleFileField(
        label=_("Bukti (JPEG, PNG atau PDF)"), required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )  # fmt: skip


class ApproveForm(forms.Form):
    meeting_date = forms.DateField(label=_("Tanggal musyawarah kelurahan"), widget=_DATE)
    minutes_ref = forms.CharField(label=_("Nomor berita acara"), max_length=100)
    minutes = forms.FileField(label=_("Berkas berita acara (PDF/JPEG/PNG)"), required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Hasil dari pusat"),
        choices=[("accepted", _("Diterima")), ("refused", _("Ditolak"))],
    )
    note = forms.CharField(
        label=_("Catatan"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ObjectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis sanggahan"), choices=ObjectionKind.choices)
    channel = forms.ChoiceField(label=_("Diajukan oleh"), choices=Objection.Channel.choices)
    description = forms.CharField(label=_("Uraian"), widget=forms.Textarea(attrs={"rows": 3}))
    latitude = forms.DecimalField(
        label=_("Lintang (GPS)"), required=False, max_digits=9, decimal_places=6,
        min_value=-90, max_value=90,
    )  # fmt: skip
    longitude = forms.DecimalField(
        label=_("Bujur (GPS)"), required=False, max_digits=9, decimal_places=6,
        min_value=-180, max_value=180,
    )  # fmt: skip
    photos = MultipleFileField(
        label=_("Foto rumah (JPEG/PNG)"), required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )  # fmt: skip
    documents = MultipleFileField(
        label=_("Dokumen pendukung (PDF/JPEG/PNG)"), required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )  # fmt: skip


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Petugas verifikasi"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [(u.pk, u.username) for u in services.officers()]


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("Hasil verifikasi lapangan"), widget=forms.Textarea(attrs={"rows": 3})
    )
    latitude = ObjectionForm.base_fields["latitude"]
    longitude = ObjectionForm.base_fields["longitude"]
    photos = ObjectionForm.base_fields["photos"]
    change = forms.ChoiceField(
        label=_("Perubahan keadaan yang ditemukan"),
        required=False,
        choices=[
            ("", _("Tidak ada")),
            ("death", _("Anggota meninggal dunia")),
            ("move", _("Anggota pindah alamat")),
            ("birth", _("Kelahiran anggota baru")),
        ],
    )
    person = forms.ChoiceField(label=_("Anggota keluarga"), required=False, choices=())
    death_date = forms.DateField(label=_("Tanggal kematian"), required=False, widget=_DATE)
    address = forms.CharField(label=_("Alamat baru"), required=False, max_length=255)
    rt = forms.IntegerField(label=_("RT baru"), required=False, min_value=0, max_value=999)
    rw = forms.IntegerField(label=_("RW baru"), required=False, min_value=0, max_value=999)
    kelurahan_code = forms.CharField(
        label=_("Kode kelurahan baru (mis. 36.71.01.1001)"), required=False, max_length=13
    )
    baby_name = forms.CharField(label=_("Nama bayi"), required=False, max_length=200)
    baby_sex = forms.ChoiceField(
        label=_("Jenis kelamin bayi"), required=False,
        choices=[("", "—"), ("L", _("Laki-laki")), ("P", _("Perempuan"))],
    )  # fmt: skip
    baby_birth_date = forms.DateField(label=_("Tanggal lahir bayi"), required=False, widget=_DATE)
    baby_nik = forms.CharField(label=_("NIK bayi (bila ada)"), required=False, max_length=16)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "—")] + [
            (m.public_id, f"{m.display_name} ({relationship_label(m.relationship) or '—'})")
            for m in members
        ]

    def circumstance(self) -> CircumstanceChange | None:
        d = self.cleaned_data
        if d["change"] not in CHANGE_KINDS:
            return None
        return CircumstanceChange(
            kind=d["change"], person_public_id=d["person"], death_date=d["death_date"],
            address=d["address"], rt=d["rt"], rw=d["rw"], kelurahan_code=d["kelurahan_code"],
            full_name=d["baby_name"], nik=d["baby_nik"], sex=d["baby_sex"],
            birth_date=d["baby_birth_date"],
        )  # fmt: skip


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Keputusan"),
        choices=[("upheld", _("Sanggahan diterima")), ("rejected", _("Sanggahan ditolak"))],
    )
    resolution = forms.CharField(
        label=_("Dasar keputusan"), widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Lampiran (JPEG, PNG atau PDF)"))


# --- helpers ---------------------------------------------------------------------------------


def _evidence_attached(request, viewer, **target) -> bool:
    """The attach form of a proposal or objection page: one evidence file added (the service
    checks type and size); False when the form is invalid."""
    attach = AttachmentForm(request.POST, request.FILES, prefix="attach")
    if not attach.is_valid():
        return False
    (upload,) = _uploads([attach.cleaned_data["file"]])
    services.attachment_add(
        viewer=viewer, purpose=Attachment.Purpose.EVIDENCE, upload=upload, **target
    )
    return True


def _uploads(items) -> list[Upload]:
    """Uploaded files read at most one byte past the limit (the service refuses the rest)."""
    limit = files.max_bytes() + 1
    return [Upload(name=f.name, content=f.read(limit)) for f in items or ()]


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    for name, messages in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def _officer(request: HttpRequest, action: str):
    viewer = viewer_from_request(request)
    try:
        services.require_officer(viewer, action=action, object_type="page")
    except NotFound as exc:
        raise Http404 from exc
    return viewer


def _household(request: HttpRequest, viewer, public_id: str, action: str):
    """The household the officer acts on, read through the audited selector."""
    try:
        services.household_for_officer(viewer, public_id, action=action)
        return household_get_for_user(viewer=viewer, public_id=public_id, purpose=request.purpose)
    except NotFound as exc:
        raise Http404 from exc


def _visible(viewer, model):
    from registry.access.policy import households_for_user

    return model.objects.filter(household__in=households_for_user(viewer).values("pk"))


# --- proposals -------------------------------------------------------------------------------


@role_required(WELFARE_ROLES)
@purpose_required
def proposal_list_view(request: HttpRequest) -> HttpResponse:
    viewer = _officer(request, Action.PROPOSAL_VIEW)
    state = request.GET.get("status", "")
    items = _visible(viewer, Proposal).select_related("household")
    if state in Proposal.State.values:
        items = items.filter(state=state)
    counts = {s: 0 for s in Proposal.State.values}
    for row in _visible(viewer, Proposal).values_list("state", flat=True):
        counts[row] += 1
    return render(
        request,
        "welfare/proposals.html",
        {
            "proposals": items[:LIST_LIMIT],
            "states": [(s, label, counts[s]) for s, label in Proposal.State.choices],
            "state": state,
            "is_walidata": viewer.role == Role.WALIDATA,
            "exports": ProposalExport.objects.all()[:20] if viewer.role == Role.WALIDATA else [],
            "approved": counts[Proposal.State.APPROVED],
        },
    )


@role_required(WELFARE_ROLES)
@purpose_required
def proposal_new_view(request: HttpRequest) -> HttpResponse:
    viewer = _officer(request, Action.PROPOSAL_CREATE)
    public_id = request.GET.get("keluarga", "")
    check = request.GET.get("cek", "")
    household = _household(request, viewer, public_id, Action.PROPOSAL_CREATE)
    kind, reason = CHECK_REASONS.get(check, (ProposalKind.ADD, ProposalReason.POOR_NOT_LISTED))
    form = ProposalForm(
        request.POST or None, request.FILES or None, initial={"kind": kind, "reason": reason}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            proposal = services.proposal_create(
                viewer=viewer, household_public_id=public_id, kind=d["kind"], reason=d["reason"],
                reason_text=d["reason_text"], source_check=check if check in CHECK_REASONS else "",
                evidence=_uploads(d["evidence"]),
            )  # fmt: skip
        except NotFound as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("welfare:proposal_detail", pk=proposal.pk)
    return render(
        request,
        "welfare/proposal_new.html",
        {"form": form, "household": household, "check": check},
    )


@role_required(WELFARE_ROLES)
@purpose_required
def proposal_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    try:
        proposal = services.proposal_for_officer(viewer, pk)
    except NotFound as exc:
        raise Http404 from exc
    approve = ApproveForm(prefix="approve")
    decide = DecideForm(prefix="decide")
    attach = AttachmentForm(prefix="attach")
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "approve":
                approve = ApproveForm(request.POST, request.FILES, prefix="approve")
                if approve.is_valid():
                    d = approve.cleaned_data
                    minutes = _uploads([d["minutes"]] if d["minutes"] else [])
                    services.proposal_approve(
                        viewer=viewer, proposal=proposal, meeting_date=d["meeting_date"],
                        minutes_ref=d["minutes_ref"], minutes=minutes[0] if minutes else None,
                    )  # fmt: skip
                    return redirect("welfare:proposal_detail", pk=pk)
            elif action == "decide":
                decide = DecideForm(request.POST, prefix="decide")
                if decide.is_valid():
                    services.proposal_decide(
                        viewer=viewer, proposal=proposal,
                        accepted=decide.cleaned_data["decision"] == "accepted",
                        note=decide.cleaned_data["note"],
                    )  # fmt: skip
                    return redirect("welfare:proposal_detail", pk=pk)
            elif action == "withdraw":
                services.proposal_withdraw(
                    viewer=viewer, proposal=proposal, note=request.POST.get("note", "")
                )
                return redirect("welfare:proposal_detail", pk=pk)
            elif action == "attach" and _evidence_attached(request, viewer, proposal=proposal):
                return redirect("welfare:proposal_detail", pk=pk)
        except NotFound as exc:
            raise Http404 from exc
        except ValidationError as exc:
            errors = [m for ms in exc.message_dict.values() for m in ms]
    household = _household(request, viewer, proposal.household.public_id, Action.PROPOSAL_VIEW)
    proposal.refresh_from_db()
    return render(
        request,
        "welfare/proposal_detail.html",
        {
            "proposal": proposal, "household": household, "errors": errors,
            "approve": approve, "decide": decide, "attach": attach,
            "attachments": proposal.attachments.all(),
            "can": _proposal_actions(proposal),
        },
    )  # fmt: skip


def _proposal_actions(proposal: Proposal) -> set[str]:
    nxt = services.TRANSITIONS.get(proposal.state, frozenset())
    can = set()
    if Proposal.State.APPROVED in nxt:
        can.add("approve")
    if Proposal.State.WITHDRAWN in nxt:
        can.add("withdraw")
    if Proposal.State.ACCEPTED in nxt:
        can.add("decide")
    if proposal.state in (Proposal.State.DRAFT, Proposal.State.APPROVED, Proposal.State.SENT):
        can.add("attach")
    return can


@role_required(Role.WALIDATA)
@purpose_required
def export_create_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    if request.method != "POST":
        return redirect("welfare:proposals")
    try:
        export = services.proposals_export(viewer=viewer, purpose=request.purpose)
    except NotFound as exc:
        raise Http404 from exc
    except ValidationError as exc:
        message = next(iter(exc.message_dict.values()))[0]
        return render(request, "welfare/export_empty.html", {"message": message})
    return redirect("welfare:export_detail", pk=export.pk)


def _export_or_404(pk: int) -> ProposalExport:
    export = ProposalExport.objects.filter(pk=pk).first()
    if export is None:
        raise Http404
    return export


@role_required(Role.WALIDATA)
@purpose_required
def export_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export_or_404(pk)
    return render(
        request,
        "welfare/export_detail.html",
        {"export": export, "proposals": export.proposals.select_related("household")},
    )


@role_required(Role.WALIDATA)
@purpose_required
def export_download_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "csv"):
        raise Http404
    export = _export_or_404(pk)
    try:
        rows = services.export_rows_for_download(
            viewer=viewer_from_request(request), export=export, fmt=fmt, purpose=request.purpose
        )
    except NotFound as exc:
        raise Http404 from exc
    stamp = timezone.localtime(export.created_at).strftime("%Y%m%d")
    if fmt == "xlsx":
        from registry.reports.xlsx import XLSX_CONTENT_TYPE

        response = HttpResponse(export_xlsx(rows), content_type=XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(export_csv(rows), content_type="text/csv; charset=utf-8")
    name = f"usulan-dtsen-{export.pk}-{stamp}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- objections ------------------------------------------------------------------------------


def _objection_rows(items, now):
    return [{"item": o, "overdue": o.days_overdue(now)} for o in items]


@role_required(WELFARE_ROLES)
@purpose_required
def objection_list_view(request: HttpRequest) -> HttpResponse:
    viewer = _officer(request, Action.OBJECTION_VIEW)
    now = timezone.now()
    show_all = bool(request.GET.get("semua"))
    items = _visible(viewer, Objection).select_related("household", "assignee")
    if not show_all:
        items = items.filter(state__in=Objection.OPEN)
    rows = _objection_rows(items[:LIST_LIMIT], now)
    return render(
        request,
        "welfare/objections.html",
        {
            "rows": rows,
            "show_all": show_all,
            "overdue": sum(1 for r in rows if r["overdue"]),
            "deadline_days": services.deadline_days(),
        },
    )


@role_required(WELFARE_ROLES)
@purpose_required
def objection_new_view(request: HttpRequest) -> HttpResponse:
    viewer = _officer(request, Action.OBJECTION_FILE)
    public_id = request.GET.get("keluarga", "")
    household = _household(request, viewer, public_id, Action.OBJECTION_FILE)
    form = ObjectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = services.objection_file(
                viewer=viewer, household_public_id=public_id, kind=d["kind"],
                description=d["description"], channel=d["channel"], latitude=d["latitude"],
                longitude=d["longitude"], photos=_uploads(d["photos"]),
                documents=_uploads(d["documents"]),
            )  # fmt: skip
        except NotFound as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("welfare:objection_detail", pk=item.pk)
    return render(
        request,
        "welfare/objection_new.html",
        {"form": form, "household": household, "deadline_days": services.deadline_days()},
    )


@role_required(WELFARE_ROLES)
@purpose_required
def objection_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    try:
        item = services.objection_for_officer(viewer, pk)
    except NotFound as exc:
        raise Http404 from exc
    household = _household(request, viewer, item.household.public_id, Action.OBJECTION_VIEW)
    assign = AssignForm(prefix="assign")
    verify = VerifyForm(prefix="verify", members=household.members)
    resolve = ResolveForm(prefix="resolve")
    attach = AttachmentForm(prefix="attach")
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "assign":
                assign = AssignForm(request.POST, prefix="assign")
                if assign.is_valid():
                    from django.contrib.auth import get_user_model

                    user = (
                        get_user_model().objects.filter(pk=assign.cleaned_data["assignee"]).first()
                    )
                    services.objection_assign(viewer=viewer, objection=item, assignee=user)
                    return redirect("welfare:objection_detail", pk=pk)
            elif action == "verify":
                verify = VerifyForm(
                    request.POST, request.FILES, prefix="verify", members=household.members
                )
                if verify.is_valid():
                    d = verify.cleaned_data
                    services.objection_verify(
                        viewer=viewer, objection=item, note=d["note"], latitude=d["latitude"],
                        longitude=d["longitude"], photos=_uploads(d["photos"]),
                        change=verify.circumstance(),
                    )  # fmt: skip
                    return redirect("welfare:objection_detail", pk=pk)
            elif action == "resolve":
                resolve = ResolveForm(request.POST, prefix="resolve")
                if resolve.is_valid():
                    services.objection_resolve(
                        viewer=viewer, objection=item,
                        upheld=resolve.cleaned_data["outcome"] == "upheld",
                        resolution=resolve.cleaned_data["resolution"],
                    )  # fmt: skip
                    return redirect("welfare:objection_detail", pk=pk)
            elif action == "attach" and _evidence_attached(request, viewer, objection=item):
                return redirect("welfare:objection_detail", pk=pk)
        except NotFound as exc:
            raise Http404 from exc
        except ValidationError as exc:
            errors = [m for ms in exc.message_dict.values() for m in ms]
    item.refresh_from_db()
    nxt = services.OBJECTION_TRANSITIONS.get(item.state, frozenset())
    return render(
        request,
        "welfare/objection_detail.html",
        {
            "item": item, "household": household, "errors": errors,
            "overdue": item.days_overdue(), "assign": assign, "verify": verify,
            "resolve": resolve, "attach": attach, "attachments": item.attachments.all(),
            "can_assign": Objection.State.ASSIGNED in nxt,
            "can_verify": Objection.State.VERIFIED in nxt,
            "can_resolve": Objection.State.UPHELD in nxt,
        },
    )  # fmt: skip


# --- evidence files --------------------------------------------------------------------------


@role_required(WELFARE_ROLES)
@purpose_required
def attachment_view(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    try:
        item = services.attachment_for_officer(
            viewer_from_request(request), pk, purpose=request.purpose
        )
        stream = files.open_stored(item.storage_name)
    except (NotFound, FileNotFoundError) as exc:
        raise Http404 from exc
    response = StreamingHttpResponse(iter(lambda: stream.read(64 * 1024), b""))
    response["Content-Type"] = item.content_type
    response["Content-Length"] = str(item.size)
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
    response["Content-Disposition"] = (
        f'attachment; filename="lampiran-{item.pk}.{extension[item.content_type]}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response._resource_closers.append(stream.close)
    return response


def _nav_visible(request: HttpRequest) -> bool:
    return services.is_welfare_officer(viewer_from_request(request))


proposal_list_view.nav_visible = _nav_visible
objection_list_view.nav_visible = _nav_visible

urlpatterns = [
    path("usulan/", proposal_list_view, name="proposals"),
    path("usulan/baru/", proposal_new_view, name="proposal_new"),
    path("usulan/<int:pk>/", proposal_detail_view, name="proposal_detail"),
    path("usulan/ekspor/", export_create_view, name="export_create"),
    path("usulan/ekspor/<int:pk>/", export_detail_view, name="export_detail"),
    path("usulan/ekspor/<int:pk>/unduh.<slug:fmt>", export_download_view, name="export_download"),
    path("sanggahan/", objection_list_view, name="objections"),
    path("sanggahan/baru/", objection_new_view, name="objection_new"),
    path("sanggahan/<int:pk>/", objection_detail_view, name="objection_detail"),
    path("lampiran/<int:pk>/", attachment_view, name="attachment"),
]
