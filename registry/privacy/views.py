"""Pages of the UU PDP pack for the data protection officer (and the walidata): the overview
with every 3x24 h clock, the record of processing activities (page and CSV), the breach
register and the correction requests. Thin: form -> service -> redirect; the services write
the audit events. No page here shows a person profile."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.actions import Action
from registry.models import Dataset
from registry.privacy import services
from registry.privacy.dpia import dpia_draft
from registry.privacy.models import DEADLINE, Breach, Clock, CorrectionRequest
from registry.privacy.ropa import record_of_processing
from registry.reports.cells import csv_writer
from registry.roles import PRIVACY_ROLES
from registry.selectors import viewer_from_request
from registry.web.auth import role_required

LIST_LIMIT = 200
_DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BreachForm(forms.Form):
    title = forms.CharField(label=_("Judul insiden"), max_length=200)
    detected_at = forms.DateTimeField(
        label=_("Diketahui pada"), widget=_DT, input_formats=["%Y-%m-%dT%H:%M"]
    )
    description = forms.CharField(label=_("Uraian"), widget=forms.Textarea(attrs={"rows": 3}))
    data_categories = forms.CharField(label=_("Jenis data pribadi terdampak"), max_length=300)
    datasets = forms.ModelMultipleChoiceField(
        label=_("Dataset terdampak"),
        queryset=Dataset.objects.select_related("agency").order_by("agency__code", "name"),
        required=False,
    )
    subjects_estimate = forms.IntegerField(
        label=_("Perkiraan jumlah subjek data"), min_value=0, required=False
    )
    measures = forms.CharField(
        label=_("Penanganan dan pemulihan"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class NotifyForm(forms.Form):
    authority_notified_at = forms.DateTimeField(
        label=_("Pemberitahuan ke lembaga"),
        widget=_DT,
        input_formats=["%Y-%m-%dT%H:%M"],
        required=False,
    )
    subjects_notified_at = forms.DateTimeField(
        label=_("Pemberitahuan ke subjek data"),
        widget=_DT,
        input_formats=["%Y-%m-%dT%H:%M"],
        required=False,
    )
    note = forms.CharField(
        label=_("Catatan pemberitahuan"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class CorrectionForm(forms.Form):
    reference = forms.CharField(label=_("Nomor surat/tiket"), max_length=100)
    received_at = forms.DateTimeField(
        label=_("Diterima pada"), widget=_DT, input_formats=["%Y-%m-%dT%H:%M"]
    )
    person_public_id = forms.CharField(
        label=_("ID orang (jika diketahui)"), max_length=32, required=False
    )
    field = forms.ChoiceField(
        label=_("Data yang diminta diperbaiki"), choices=CorrectionRequest.Field.choices
    )
    dataset = forms.ModelChoiceField(
        label=_("Dataset OPD pemilik"),
        queryset=Dataset.objects.select_related("agency").order_by("agency__code", "name"),
        required=False,
    )
    description = forms.CharField(
        label=_("Uraian (tanpa NIK atau nama)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class RetentionForm(forms.Form):
    dataset = forms.ModelChoiceField(
        label=_("Dataset"),
        queryset=Dataset.objects.select_related("agency").order_by("agency__code", "name"),
    )
    retention_days = forms.IntegerField(label=_("Masa retensi (hari)"), min_value=1)
    ended_at = forms.DateTimeField(
        label=_("Dataset berakhir pada (kosongkan bila masih berjalan)"),
        widget=_DT,
        input_formats=["%Y-%m-%dT%H:%M"],
        required=False,
    )


class CorrectionUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status baru"),
        choices=[
            (s.value, s.label)
            for s in CorrectionRequest.Status
            if s != CorrectionRequest.Status.RECEIVED
        ],
    )
    resolution = forms.CharField(
        label=_("Hasil atau alasan"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    for name, messages in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def _clock_rows(items, started_attr: str) -> list[dict]:
    now = timezone.now()
    rows = []
    for item in items:
        state = item.clock(now)
        remaining = item.due_at - now
        rows.append(
            {
                "item": item,
                "clock": state,
                "clock_label": Clock(state).label,
                "hours_left": int(remaining.total_seconds() // 3600),
                "started": getattr(item, started_attr),
            }
        )
    return rows


@role_required(PRIVACY_ROLES)
def index_view(request: HttpRequest) -> HttpResponse:
    breaches = _clock_rows(
        Breach.objects.filter(status=Breach.Status.OPEN)[:LIST_LIMIT], "detected_at"
    )
    open_corrections = CorrectionRequest.objects.exclude(status__in=CorrectionRequest.FINAL)
    corrections = _clock_rows(open_corrections[:LIST_LIMIT], "received_at")
    activities = record_of_processing()
    return render(
        request,
        "privacy/index.html",
        {
            "breaches": breaches,
            "corrections": corrections,
            "activity_count": len(activities),
            "specific": sorted({c for a in activities for c in a.specific_categories}),
            "overdue_breaches": sum(r["clock"] == Clock.OVERDUE for r in breaches),
            "overdue_corrections": sum(r["clock"] == Clock.OVERDUE for r in corrections),
            "deadline_hours": int(DEADLINE.total_seconds() // 3600),
        },
    )


@role_required(PRIVACY_ROLES)
def ropa_view(request: HttpRequest) -> HttpResponse:
    activities = record_of_processing()
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="catatan-pemrosesan.csv"'
        response.write("\ufeff")
        out = csv_writer(response)
        out.writerow(
            ["kegiatan", "pengendali", "tingkat_akses", "tujuan", "dasar_hukum", "subjek_data",
             "kategori_data", "kategori_spesifik", "penerima", "jumlah_baris", "impor_terakhir",
             "operasi", "keamanan", "retensi", "dpia_wajib"]
        )  # fmt: skip
        for a in activities:
            out.writerow(
                [a.name, a.controller, a.access_level, "; ".join(a.purposes), a.legal_basis,
                 "; ".join(a.subjects), "; ".join(a.categories), "; ".join(a.specific_categories),
                 "; ".join(a.recipients), a.records,
                 a.last_import.isoformat() if a.last_import else "", a.operations, a.security,
                 a.retention, "ya" if a.dpia_required else "tidak"]
            )  # fmt: skip
        return response
    return render(request, "privacy/ropa.html", {"activities": activities})


@role_required(PRIVACY_ROLES)
def dpia_view(request: HttpRequest) -> HttpResponse:
    from registry.web.purpose import PURPOSE_TTL

    return render(
        request,
        "privacy/dpia.html",
        {"sections": dpia_draft(purpose_ttl=PURPOSE_TTL), "generated_at": timezone.now()},
    )


@role_required(PRIVACY_ROLES)
def retention_view(request: HttpRequest) -> HttpResponse:
    from audit.models import AuditEvent
    from registry.privacy.models import RetentionPolicy
    from registry.privacy.retention import retention_set
    from registry.privacy.ropa import retention_text

    form = RetentionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            retention_set(
                viewer=viewer_from_request(request),
                dataset=d["dataset"],
                retention_days=d["retention_days"],
                ended_at=d["ended_at"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("privacy:retention")
    policies = {p.dataset_id: p for p in RetentionPolicy.objects.all()}
    datasets = [
        (d, retention_text(policies.get(d.pk)))
        for d in Dataset.objects.select_related("agency").order_by("agency__code", "name")
    ]
    purges = AuditEvent.objects.filter(action=Action.RETENTION_PURGE).order_by("-id")[:20]
    return render(
        request,
        "privacy/retention.html",
        {"form": form, "datasets": datasets, "purges": purges},
    )


@role_required(PRIVACY_ROLES)
def breach_list_view(request: HttpRequest) -> HttpResponse:
    form = BreachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            breach = services.breach_record(
                viewer=viewer_from_request(request),
                title=d["title"],
                description=d["description"],
                detected_at=d["detected_at"],
                data_categories=d["data_categories"],
                datasets=d["datasets"],
                subjects_estimate=d["subjects_estimate"],
                measures=d["measures"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("privacy:breach_detail", pk=breach.pk)
    rows = _clock_rows(Breach.objects.all()[:LIST_LIMIT], "detected_at")
    return render(request, "privacy/breaches.html", {"form": form, "rows": rows})


@role_required(PRIVACY_ROLES)
def breach_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    breach = get_object_or_404(Breach, pk=pk)
    form = NotifyForm(request.POST or None)
    if request.method == "POST":
        viewer = viewer_from_request(request)
        try:
            if request.POST.get("close"):
                services.breach_close(viewer=viewer, breach=breach)
                return redirect("privacy:breach_detail", pk=breach.pk)
            if form.is_valid():
                d = form.cleaned_data
                services.breach_notify(
                    viewer=viewer,
                    breach=breach,
                    authority_notified_at=d["authority_notified_at"],
                    subjects_notified_at=d["subjects_notified_at"],
                    note=d["note"],
                )
                return redirect("privacy:breach_detail", pk=breach.pk)
        except ValidationError as exc:
            _apply_errors(form, exc)
    (row,) = _clock_rows([breach], "detected_at")
    return render(
        request,
        "privacy/breach_detail.html",
        {"breach": breach, "row": row, "form": form, "datasets": breach.datasets.all()},
    )


@role_required(PRIVACY_ROLES)
def correction_list_view(request: HttpRequest) -> HttpResponse:
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = services.correction_record(
                viewer=viewer_from_request(request),
                reference=d["reference"],
                received_at=d["received_at"],
                field=d["field"],
                description=d["description"],
                person_public_id=d["person_public_id"],
                dataset=d["dataset"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("privacy:correction_detail", pk=item.pk)
    rows = _clock_rows(
        CorrectionRequest.objects.select_related("dataset")[:LIST_LIMIT], "received_at"
    )
    return render(request, "privacy/corrections.html", {"form": form, "rows": rows})


@role_required(PRIVACY_ROLES)
def correction_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(CorrectionRequest.objects.select_related("dataset"), pk=pk)
    form = CorrectionUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.correction_update(
                viewer=viewer_from_request(request),
                request=item,
                status=form.cleaned_data["status"],
                resolution=form.cleaned_data["resolution"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("privacy:correction_detail", pk=item.pk)
    (row,) = _clock_rows([item], "received_at")
    return render(
        request,
        "privacy/correction_detail.html",
        {"item": item, "row": row, "form": form, "final": item.status in CorrectionRequest.FINAL},
    )


urlpatterns = [
    path("", index_view, name="index"),
    path("pemrosesan/", ropa_view, name="ropa"),
    path("dpia/", dpia_view, name="dpia"),
    path("retensi/", retention_view, name="retention"),
    path("insiden/", breach_list_view, name="breaches"),
    path("insiden/<int:pk>/", breach_detail_view, name="breach_detail"),
    path("koreksi/", correction_list_view, name="corrections"),
    path("koreksi/<int:pk>/", correction_detail_view, name="correction_detail"),
]
