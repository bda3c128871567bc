"""Writes of the UU PDP registers: one transaction each, the audit event inside it, and only
the data protection officer or the walidata may write (anyone else is refused, audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.actions import Action
from registry.models import Dataset
from registry.privacy.models import Breach, CorrectionRequest
from registry.roles import PRIVACY_ROLES
from registry.selectors import Viewer, audit_denial, audit_read

# How far ahead of now a reported time may lie (clock skew between a phone and the server).
FUTURE_SLACK = dt.timedelta(minutes=5)


def require_privacy_role(viewer: Viewer, *, action: str, object_type: str, object_id=""):
    if viewer.role not in PRIVACY_ROLES:
        audit_denial(
            viewer, action=action, object_type=object_type, object_id=str(object_id), reason="role"
        )
        raise PermissionDenied("data protection officer or walidata only")


def privacy_audit(viewer: Viewer, *, action: Action, obj, detail: dict) -> None:
    """A privacy write's event, through the one viewer-based audit call (audit_read)."""
    audit_read(
        viewer,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        detail=detail,
    )


def _not_future(name: str, value: dt.datetime | None) -> None:
    if value is not None and value > timezone.now() + FUTURE_SLACK:
        raise ValidationError({name: "waktu tidak boleh di masa depan"})


# --- breaches -----------------------------------------------------------------------------


def breach_record(
    *,
    viewer: Viewer,
    title: str,
    description: str,
    detected_at: dt.datetime,
    data_categories: str,
    datasets: Iterable[Dataset] = (),
    subjects_estimate: int | None = None,
    measures: str = "",
) -> Breach:
    require_privacy_role(viewer, action=Action.BREACH_RECORD, object_type="breach")
    _not_future("detected_at", detected_at)
    breach = Breach(
        title=title.strip(),
        description=description.strip(),
        detected_at=detected_at,
        data_categories=data_categories.strip(),
        subjects_estimate=subjects_estimate,
        measures=measures.strip(),
        recorded_by=viewer.user,
    )
    breach.full_clean()
    datasets = list(datasets)
    with transaction.atomic():
        breach.save()
        breach.datasets.set(datasets)
        privacy_audit(
            viewer,
            action=Action.BREACH_RECORD,
            obj=breach,
            detail={
                "detected_at": detected_at.isoformat(),
                "due_at": breach.due_at.isoformat(),
                "datasets": sorted(d.pk for d in datasets),
                "subjects_estimate": subjects_estimate,
            },
        )
    return breach


def breach_notify(
    *,
    viewer: Viewer,
    breach: Breach,
    authority_notified_at: dt.datetime | None = None,
    subjects_notified_at: dt.datetime | None = None,
    note: str = "",
) -> Breach:
    """Record that the authority and/or the data subjects were notified (UU PDP art. 46)."""
    require_privacy_role(
        viewer, action=Action.BREACH_NOTIFY, object_type="breach", object_id=breach.pk
    )
    if authority_notified_at is None and subjects_notified_at is None:
        raise ValidationError({"authority_notified_at": "isi sedikitnya satu waktu pemberitahuan"})
    for name, value in (
        ("authority_notified_at", authority_notified_at),
        ("subjects_notified_at", subjects_notified_at),
    ):
        _not_future(name, value)
        if value is not None and value < breach.detected_at:
            raise ValidationError({name: "pemberitahuan tidak boleh sebelum kegagalan diketahui"})
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        if authority_notified_at is not None:
            breach.authority_notified_at = authority_notified_at
        if subjects_notified_at is not None:
            breach.subjects_notified_at = subjects_notified_at
        if note.strip():
            breach.notification_note = note.strip()
        breach.save()
        privacy_audit(
            viewer,
            action=Action.BREACH_NOTIFY,
            obj=breach,
            detail={
                "authority_notified_at": _iso(breach.authority_notified_at),
                "subjects_notified_at": _iso(breach.subjects_notified_at),
                "clock": breach.clock(),
            },
        )
    return breach


def breach_close(*, viewer: Viewer, breach: Breach, measures: str = "") -> Breach:
    require_privacy_role(
        viewer, action=Action.BREACH_CLOSE, object_type="breach", object_id=breach.pk
    )
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        if breach.status == Breach.Status.CLOSED:
            raise ValidationError({"status": "insiden sudah ditutup"})
        breach.status = Breach.Status.CLOSED
        breach.closed_at = timezone.now()
        if measures.strip():
            breach.measures = measures.strip()
        breach.save()
        privacy_audit(
            viewer, action=Action.BREACH_CLOSE, obj=breach, detail={"clock": breach.clock()}
        )
    return breach


# --- correction requests ------------------------------------------------------------------


def correction_record(
    *,
    viewer: Viewer,
    reference: str,
    received_at: dt.datetime,
    field: str,
    description: str,
    person_public_id: str = "",
    dataset: Dataset | None = None,
) -> CorrectionRequest:
    require_privacy_role(viewer, action=Action.CORRECTION_RECORD, object_type="correctionrequest")
    _not_future("received_at", received_at)
    request = CorrectionRequest(
        reference=reference.strip(),
        received_at=received_at,
        field=field,
        description=description.strip(),
        person_public_id=person_public_id.strip(),
        dataset=dataset,
        recorded_by=viewer.user,
    )
    request.full_clean()
    with transaction.atomic():
        request.save()
        privacy_audit(
            viewer,
            action=Action.CORRECTION_RECORD,
            obj=request,
            detail={
                "field": field,
                "dataset": dataset.pk if dataset else None,
                "received_at": received_at.isoformat(),
                "due_at": request.due_at.isoformat(),
            },
        )
    return request


def correction_update(
    *, viewer: Viewer, request: CorrectionRequest, status: str, resolution: str = ""
) -> CorrectionRequest:
    """Move a request on: forwarded to the owning agency, corrected, or rejected (with its
    reason). Corrected and rejected stop the clock and are final."""
    require_privacy_role(
        viewer,
        action=Action.CORRECTION_UPDATE,
        object_type="correctionrequest",
        object_id=request.pk,
    )
    if status not in CorrectionRequest.Status.values or status == CorrectionRequest.Status.RECEIVED:
        raise ValidationError({"status": "status tidak dikenal"})
    if status in CorrectionRequest.FINAL and not resolution.strip():
        raise ValidationError({"resolution": "tuliskan hasil atau alasan penolakan"})
    with transaction.atomic():
        request = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
        if request.status in CorrectionRequest.FINAL:
            raise ValidationError({"status": "permintaan sudah selesai"})
        before = request.status
        request.status = status
        if resolution.strip():
            request.resolution = resolution.strip()
        if status in CorrectionRequest.FINAL:
            request.resolved_at = timezone.now()
        request.save()
        privacy_audit(
            viewer,
            action=Action.CORRECTION_UPDATE,
            obj=request,
            detail={"from": before, "to": status, "clock": request.clock()},
        )
    return request


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
