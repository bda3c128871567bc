"""Writes of usulan (proposals) and sanggahan (objections): one transaction each with its
audit event inside; every illegal state change refused with a message in Bahasa Indonesia.

Who may act: the walidata, and the social analysts of a social-affairs agency (Dinsos) for the
households they can see. Anyone else, or a household out of sight, gets the same NotFound as
a missing one, audited as a denial. Exporting the approved batch is the walidata's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.actions import Action
from registry.access.policy import households_for_user
from registry.ingest.reading import ParsedFile
from registry.models import AccessLevel, Agency, AgencyKind, Dataset, Household, UpdateFrequency
from registry.roles import Role, role_of
from registry.selectors import NotFound, Purpose, Viewer, audit_denial, audit_read
from registry.services.submit import LINK_NOW, records_submit
from registry.welfare import attachments as files
from registry.welfare.family import family_members, family_rows
from registry.welfare.models import (
    Attachment,
    Objection,
    ObjectionKind,
    Proposal,
    ProposalExport,
    ProposalKind,
    ProposalReason,
)

State = Proposal.State
# The proposal's life: drafted by Dinsos, agreed by the musyawarah kelurahan, sent to SIKS-NG
# in an exported batch, then accepted or refused by the ministry. Withdrawn before sending.
TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.APPROVED, State.WITHDRAWN}),
    State.APPROVED: frozenset({State.SENT, State.WITHDRAWN}),
    State.SENT: frozenset({State.ACCEPTED, State.REFUSED}),
}
OPEN_PROPOSAL_STATES = frozenset({State.DRAFT, State.APPROVED, State.SENT})
OState = Objection.State
OBJECTION_TRANSITIONS: dict[str, frozenset[str]] = {
    OState.FILED: frozenset({OState.ASSIGNED}),
    OState.ASSIGNED: frozenset({OState.ASSIGNED, OState.VERIFIED}),
    OState.VERIFIED: frozenset({OState.UPHELD, OState.REJECTED}),
}
FUTURE_SLACK = dt.timedelta(minutes=5)
VERIFICATION_DATASET = "verifikasi"


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


@dataclass(frozen=True)
class CircumstanceChange:
    """What a field verification found: a member died or moved, or a child was born."""

    kind: str  # "death" | "move" | "birth"
    person_public_id: str = ""  # death, move
    death_date: dt.date | None = None
    address: str = ""
    rt: int | None = None
    rw: int | None = None
    kelurahan_code: str = ""
    full_name: str = ""  # birth
    nik: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    birth_place: str = ""


CHANGE_KINDS = ("death", "move", "birth")


# --- who may act ----------------------------------------------------------------------------


def is_welfare_officer(viewer: Viewer) -> bool:
    if viewer.role == Role.WALIDATA:
        return True
    return (
        viewer.role == Role.ANALYST
        and viewer.agency is not None
        and viewer.agency.kind == AgencyKind.SOCIAL_AFFAIRS
    )


def _deny(viewer: Viewer, *, action: str, object_type: str, object_id: str, reason: str):
    audit_denial(viewer, action=action, object_type=object_type, object_id=object_id, reason=reason)
    return NotFound(object_id)


def require_officer(viewer: Viewer, *, action: str, object_type: str, object_id: str = "") -> None:
    if not is_welfare_officer(viewer):
        raise _deny(
            viewer, action=action, object_type=object_type, object_id=object_id, reason="role"
        )


def household_for_officer(viewer: Viewer, public_id: str, *, action: str) -> Household:
    """The household if this officer may act on it; NotFound (audited) otherwise."""
    public_id = (public_id or "").strip()
    require_officer(viewer, action=action, object_type="household", object_id=public_id)
    household = households_for_user(viewer).filter(public_id=public_id).first()
    if household is None:
        raise _deny(
            viewer, action=action, object_type="household", object_id=public_id, reason="not_found"
        )
    return household


def _case_for_officer(viewer: Viewer, model, pk, *, action: str):
    object_type = model._meta.model_name
    require_officer(viewer, action=action, object_type=object_type, object_id=str(pk))
    item = (
        model.objects.filter(pk=pk, household__in=households_for_user(viewer))
        .select_related("household")
        .first()
    )
    if item is None:
        raise _deny(
            viewer, action=action, object_type=object_type, object_id=str(pk), reason="not_found"
        )
    return item


def proposal_for_officer(viewer: Viewer, pk: int, *, action: str = Action.PROPOSAL_VIEW):
    return _case_for_officer(viewer, Proposal, pk, action=action)


def objection_for_officer(viewer: Viewer, pk: int, *, action: str = Action.OBJECTION_VIEW):
    return _case_for_officer(viewer, Objection, pk, action=action)


def _audit(viewer: Viewer, *, action: str, obj, detail: dict, persons=(), purpose=None) -> None:
    audit_read(
        viewer,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        persons=list(persons),
        purpose=purpose,
        detail=detail,
    )


def _move(item, to: str, table: dict[str, frozenset[str]]) -> str:
    before = item.state
    if to not in table.get(before, frozenset()):
        raise ValidationError(
            {
                "state": (
                    f"tidak dapat berpindah dari '{item.get_state_display()}' "
                    f"ke '{type(item).State(to).label}'"
                )
            }
        )
    item.state = to
    return before


def _not_future(name: str, value, now: dt.datetime) -> None:
    if value is None:
        return
    limit = now + FUTURE_SLACK
    if isinstance(value, dt.datetime):
        if value > limit:
            raise ValidationError({name: "tidak boleh di masa depan"})
    elif value > timezone.localtime(limit).date():
        raise ValidationError({name: "tidak boleh di masa depan"})


# --- evidence files -------------------------------------------------------------------------


def _stage(uploads: Iterable[Upload], *, images_only: bool = False) -> list[tuple]:
    """Check every file first (nothing is stored if one is refused), then store them."""
    checked = [(u, *files.check_file(u.content, images_only=images_only)) for u in uploads]
    staged = []
    try:
        for upload, content_type, extension in checked:
            name, digest = files.store(upload.content, extension)
            staged.append((upload, content_type, name, digest))
    except Exception:
        _discard(staged)
        raise
    return staged


def _discard(staged: list[tuple]) -> None:
    for _upload, _type, name, _digest in staged:
        files.discard(name)


def _attach(viewer: Viewer, staged: list[tuple], *, purpose: str, **owner) -> list[Attachment]:
    return [
        Attachment.objects.create(
            purpose=purpose,
            content_type=content_type,
            size=len(upload.content),
            sha256=digest,
            storage_name=name,
            original_name=upload.name[:200],
            uploaded_by=viewer.user,
            **owner,
        )  # fmt: skip
        for upload, content_type, name, digest in staged
    ]


def _with_files(staged: list[tuple], work):
    """Run `work` in one transaction; stored files whose rows did not commit are removed."""
    try:
        with transaction.atomic():
            return work()
    except Exception:
        _discard(staged)
        raise


def _attachment_detail(items: Sequence[Attachment]) -> list[dict]:
    return [{"id": a.pk, "type": a.content_type, "size": a.size, "sha256": a.sha256} for a in items]


def attachment_add(
    *, viewer: Viewer, proposal: Proposal | None = None, objection: Objection | None = None,
    purpose: str, upload: Upload,
) -> Attachment:  # fmt: skip
    case = proposal or objection
    if case is None or (proposal is not None and objection is not None):
        raise ValueError("one proposal or one objection")
    case = _case_for_officer(viewer, type(case), case.pk, action=Action.ATTACHMENT_ADD)
    if purpose not in Attachment.Purpose.values:
        raise ValidationError({"purpose": "jenis lampiran tidak dikenal"})
    if getattr(case, "state", None) in (State.ACCEPTED, State.REFUSED, State.WITHDRAWN) or (
        isinstance(case, Objection) and not case.is_open()
    ):
        raise ValidationError({"file": "kasus sudah selesai: lampiran tidak dapat ditambah"})
    staged = _stage([upload], images_only=purpose == Attachment.Purpose.HOUSE_PHOTO)
    owner = {"proposal": case} if isinstance(case, Proposal) else {"objection": case}

    def work():
        (item,) = _attach(viewer, staged, purpose=purpose, **owner)
        _audit(
            viewer, action=Action.ATTACHMENT_ADD, obj=item,
            detail={"case": str(case), "purpose": purpose, **_attachment_detail([item])[0]},
        )  # fmt: skip
        return item

    return _with_files(staged, work)


def attachment_for_officer(viewer: Viewer, pk: int, *, purpose: Purpose) -> Attachment:
    """The attachment for the streaming view: the officer must see its household; the opening
    is audited (allowed or denied) before a byte leaves."""
    target = {"action": Action.ATTACHMENT_VIEW, "object_type": "attachment", "object_id": str(pk)}
    if not is_welfare_officer(viewer):
        audit_denial(viewer, reason="role", purpose=purpose, **target)
        raise NotFound(str(pk))
    visible = households_for_user(viewer).values("pk")
    item = (
        Attachment.objects.filter(pk=pk)
        .filter(Q(proposal__household__in=visible) | Q(objection__household__in=visible))
        .select_related("proposal__household", "objection__household")
        .first()
    )
    if item is None:
        audit_denial(viewer, reason="not_found", purpose=purpose, **target)
        raise NotFound(str(pk))
    case = item.proposal or item.objection
    audit_read(
        viewer, purpose=purpose, persons=family_members(viewer, case.household),
        detail={"case": str(case), "household": case.household.public_id,
                "type": item.content_type, "size": item.size, "sha256": item.sha256},
        **target,
    )  # fmt: skip
    return item


# --- proposals (usulan) ---------------------------------------------------------------------


def proposal_create(
    *,
    viewer: Viewer,
    household_public_id: str,
    kind: str,
    reason: str,
    reason_text: str = "",
    source_check: str = "",
    evidence: Iterable[Upload] = (),
) -> Proposal:
    household = household_for_officer(viewer, household_public_id, action=Action.PROPOSAL_CREATE)
    if kind not in ProposalKind.values:
        raise ValidationError({"kind": "jenis usulan tidak dikenal"})
    if reason not in ProposalReason.values:
        raise ValidationError({"reason": "alasan tidak dikenal"})
    if reason == ProposalReason.OTHER and not reason_text.strip():
        raise ValidationError({"reason_text": "tuliskan alasannya"})
    staged = _stage(evidence)

    def work():
        # One open proposal per family: a second would be sent twice to SIKS-NG.
        Household.objects.select_for_update().filter(pk=household.pk).first()
        if Proposal.objects.filter(household=household, state__in=OPEN_PROPOSAL_STATES).exists():
            raise ValidationError({"household": "keluarga ini sudah punya usulan yang berjalan"})
        proposal = Proposal.objects.create(
            household=household, kk_number=household.kk_number, kind=kind, reason=reason,
            reason_text=reason_text.strip(), source_check=source_check[:40],
            created_by=viewer.user,
        )  # fmt: skip
        attached = _attach(viewer, staged, purpose=Attachment.Purpose.EVIDENCE, proposal=proposal)
        _audit(
            viewer, action=Action.PROPOSAL_CREATE, obj=proposal,
            persons=family_members(viewer, household),
            detail={"household": household.public_id, "kind": kind, "reason": reason,
                    "source_check": source_check, "attachments": _attachment_detail(attached)},
        )  # fmt: skip
        return proposal

    return _with_files(staged, work)


def proposal_approve(
    *,
    viewer: Viewer,
    proposal: Proposal,
    meeting_date: dt.date,
    minutes_ref: str,
    minutes: Upload | None = None,
    now: dt.datetime | None = None,
) -> Proposal:
    """Record the musyawarah kelurahan's agreement (date, minutes reference, minutes file)."""
    now = now or timezone.now()
    proposal = proposal_for_officer(viewer, proposal.pk, action=Action.PROPOSAL_APPROVE)
    if not (minutes_ref or "").strip():
        raise ValidationError({"minutes_ref": "isi nomor berita acara musyawarah"})
    if meeting_date is None:
        raise ValidationError({"meeting_date": "isi tanggal musyawarah"})
    _not_future("meeting_date", meeting_date, now)
    if meeting_date < timezone.localtime(proposal.created_at).date():
        raise ValidationError({"meeting_date": "musyawarah tidak boleh sebelum usulan dibuat"})
    staged = _stage([minutes] if minutes else [])

    def work():
        item = Proposal.objects.select_for_update().get(pk=proposal.pk)
        before = _move(item, State.APPROVED, TRANSITIONS)
        item.meeting_date = meeting_date
        item.meeting_minutes_ref = minutes_ref.strip()
        item.approved_at = now
        item.save()
        attached = _attach(viewer, staged, purpose=Attachment.Purpose.MINUTES, proposal=item)
        _audit(
            viewer, action=Action.PROPOSAL_APPROVE, obj=item,
            detail={"from": before, "to": item.state, "meeting_date": meeting_date.isoformat(),
                    "minutes_ref": item.meeting_minutes_ref,
                    "attachments": _attachment_detail(attached)},
        )  # fmt: skip
        return item

    return _with_files(staged, work)


def proposal_withdraw(*, viewer: Viewer, proposal: Proposal, note: str = "") -> Proposal:
    proposal = proposal_for_officer(viewer, proposal.pk, action=Action.PROPOSAL_WITHDRAW)
    with transaction.atomic():
        item = Proposal.objects.select_for_update().get(pk=proposal.pk)
        before = _move(item, State.WITHDRAWN, TRANSITIONS)
        item.withdrawn_at = timezone.now()
        item.decision_note = note.strip()
        item.save()
        _audit(viewer, action=Action.PROPOSAL_WITHDRAW, obj=item,
               detail={"from": before, "to": item.state})  # fmt: skip
    return item


def proposal_decide(
    *, viewer: Viewer, proposal: Proposal, accepted: bool, note: str = ""
) -> Proposal:
    """The ministry's answer from SIKS-NG: accepted or refused (with its note)."""
    proposal = proposal_for_officer(viewer, proposal.pk, action=Action.PROPOSAL_DECIDE)
    if not accepted and not note.strip():
        raise ValidationError({"note": "tuliskan alasan penolakan dari pusat"})
    with transaction.atomic():
        item = Proposal.objects.select_for_update().get(pk=proposal.pk)
        before = _move(item, State.ACCEPTED if accepted else State.REFUSED, TRANSITIONS)
        item.decided_at = timezone.now()
        item.decision_note = note.strip()
        item.save()
        _audit(viewer, action=Action.PROPOSAL_DECIDE, obj=item,
               detail={"from": before, "to": item.state})  # fmt: skip
    return item


def proposals_export(*, viewer: Viewer, purpose: Purpose) -> ProposalExport:
    """Close the approved batch: every approved proposal becomes 'sent' in one export, whose
    by-name-by-address rows are the upload for SIKS-NG (downloaded as XLSX or CSV)."""
    target = {"action": Action.PROPOSAL_EXPORT, "object_type": "proposalexport"}
    if viewer.role != Role.WALIDATA:
        audit_denial(viewer, reason="role", purpose=purpose, **target)
        raise NotFound("export")
    with transaction.atomic():
        approved = list(
            Proposal.objects.select_for_update()
            .filter(state=State.APPROVED)
            .select_related("household")
            .order_by("id")
        )
        if not approved:
            raise ValidationError({"export": "tidak ada usulan yang sudah disetujui musyawarah"})
        now = timezone.now()
        export = ProposalExport.objects.create(created_by=viewer.user, created_at=now)
        rows = family_rows(viewer, approved)
        for item in approved:
            _move(item, State.SENT, TRANSITIONS)
            item.export = export
            item.sent_at = now
            item.save(update_fields=["state", "export", "sent_at"])
        export.families = len(approved)
        export.persons = len({r["person_public_id"] for r in rows})
        export.save(update_fields=["families", "persons"])
        audit_read(
            viewer, purpose=purpose, object_id=str(export.pk),
            persons=sorted({r["person_public_id"] for r in rows}),
            detail={"proposals": [p.pk for p in approved], "families": export.families,
                    "persons": export.persons, "to": State.SENT},
            **target,
        )  # fmt: skip
    return export


def export_rows_for_download(
    *, viewer: Viewer, export: ProposalExport, fmt: str, purpose: Purpose
) -> list[dict]:
    """The rows of an export, read again for a download (XLSX or CSV): audited naming every
    person in the file."""
    target = {"action": Action.PROPOSAL_EXPORT, "object_type": "proposalexport",
              "object_id": str(export.pk)}  # fmt: skip
    if viewer.role != Role.WALIDATA:
        audit_denial(viewer, reason="role", purpose=purpose, **target)
        raise NotFound(str(export.pk))
    with transaction.atomic():
        proposals = list(export.proposals.select_related("household").order_by("id"))
        rows = family_rows(viewer, proposals)
        audit_read(
            viewer, purpose=purpose, persons=sorted({r["person_public_id"] for r in rows}),
            detail={"format": fmt, "families": len(proposals), "rows": len(rows)}, **target,
        )  # fmt: skip
    return rows


# --- objections (sanggahan) -----------------------------------------------------------------


def deadline_days() -> int:
    return int(settings.OBJECTION_DEADLINE_DAYS)


def _coordinates(latitude, longitude) -> None:
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": "isi lintang dan bujur bersama-sama"})
    if latitude is not None and not -90 <= float(latitude) <= 90:
        raise ValidationError({"latitude": "lintang harus antara -90 dan 90"})
    if longitude is not None and not -180 <= float(longitude) <= 180:
        raise ValidationError({"longitude": "bujur harus antara -180 dan 180"})


def objection_file(
    *,
    viewer: Viewer,
    household_public_id: str,
    kind: str,
    description: str,
    channel: str = Objection.Channel.OFFICER,
    latitude=None,
    longitude=None,
    photos: Iterable[Upload] = (),
    documents: Iterable[Upload] = (),
    now: dt.datetime | None = None,
) -> Objection:
    household = household_for_officer(viewer, household_public_id, action=Action.OBJECTION_FILE)
    if kind not in ObjectionKind.values:
        raise ValidationError({"kind": "jenis sanggahan tidak dikenal"})
    if channel not in Objection.Channel.values:
        raise ValidationError({"channel": "saluran tidak dikenal"})
    if not description.strip():
        raise ValidationError({"description": "uraikan sanggahannya"})
    _coordinates(latitude, longitude)
    now = now or timezone.now()
    staged_photos = _stage(photos, images_only=True)
    try:
        staged_docs = _stage(documents)
    except Exception:
        _discard(staged_photos)
        raise

    def work():
        item = Objection.objects.create(
            household=household, kind=kind, channel=channel, description=description.strip(),
            filed_at=now, due_at=now + dt.timedelta(days=deadline_days()), filed_by=viewer.user,
            latitude=latitude, longitude=longitude,
        )  # fmt: skip
        attached = _attach(
            viewer, staged_photos, purpose=Attachment.Purpose.HOUSE_PHOTO, objection=item
        ) + _attach(viewer, staged_docs, purpose=Attachment.Purpose.EVIDENCE, objection=item)
        _audit(
            viewer, action=Action.OBJECTION_FILE, obj=item,
            persons=family_members(viewer, household),
            detail={"household": household.public_id, "kind": kind, "channel": channel,
                    "due_at": item.due_at.isoformat(), "gps": latitude is not None,
                    "attachments": _attachment_detail(attached)},
        )  # fmt: skip
        return item

    return _with_files(staged_photos + staged_docs, work)


def officers() -> list:
    """Accounts an objection may be assigned to: active social analysts of a social-affairs
    agency, and walidata."""
    user_model = get_user_model()
    candidates = (
        user_model.objects.filter(is_active=True, groups__name__in=[Role.ANALYST, Role.WALIDATA])
        .select_related("profile__agency")
        .distinct()
        .order_by("username")
    )
    out = []
    for user in candidates:
        role = role_of(user)
        agency = getattr(getattr(user, "profile", None), "agency", None)
        if role == Role.WALIDATA or (
            role == Role.ANALYST and agency is not None and agency.kind == AgencyKind.SOCIAL_AFFAIRS
        ):
            out.append(user)
    return out


def objection_assign(*, viewer: Viewer, objection: Objection, assignee) -> Objection:
    objection = objection_for_officer(viewer, objection.pk, action=Action.OBJECTION_ASSIGN)
    if assignee is None or assignee.pk not in {u.pk for u in officers()}:
        raise ValidationError({"assignee": "petugas tidak dikenal atau tidak berwenang"})
    with transaction.atomic():
        item = Objection.objects.select_for_update().get(pk=objection.pk)
        before = _move(item, OState.ASSIGNED, OBJECTION_TRANSITIONS)
        item.assignee = assignee
        item.assigned_at = timezone.now()
        item.save()
        _audit(viewer, action=Action.OBJECTION_ASSIGN, obj=item,
               detail={"from": before, "to": item.state, "assignee": assignee.pk})  # fmt: skip
    return item


def objection_verify(
    *,
    viewer: Viewer,
    objection: Objection,
    note: str,
    latitude=None,
    longitude=None,
    photos: Iterable[Upload] = (),
    change: CircumstanceChange | None = None,
    now: dt.datetime | None = None,
) -> Objection:
    """The field visit's result. A change of circumstance it found (a death, a birth, a move)
    enters the registry the normal way: a record of Dinsos's "verifikasi" dataset through
    records_submit, a new version when the person already has one there, then linked."""
    objection = objection_for_officer(viewer, objection.pk, action=Action.OBJECTION_VERIFY)
    if not note.strip():
        raise ValidationError({"note": "tuliskan hasil verifikasi lapangan"})
    _coordinates(latitude, longitude)
    now = now or timezone.now()
    row = _change_row(viewer, objection, change, now) if change else None
    staged = _stage(photos, images_only=True)

    def work():
        item = Objection.objects.select_for_update().get(pk=objection.pk)
        before = _move(item, OState.VERIFIED, OBJECTION_TRANSITIONS)
        item.verified_at = now
        item.verification_note = note.strip()
        if latitude is not None:
            item.latitude, item.longitude = latitude, longitude
        changed = {}
        if row is not None:
            outcome = records_submit(
                actor=viewer.user, dataset=verification_dataset(viewer),
                parsed=ParsedFile(rows=[(1, row)]), channel="form",
                file_name=f"sanggahan-{item.pk}", link=LINK_NOW,
            )  # fmt: skip
            if outcome.rejected or outcome.errors:
                reasons = "; ".join(str(e.get("reason", "")) for e in outcome.errors)
                raise ValidationError({"change": f"perubahan ditolak: {reasons}"})
            item.change_batch = outcome.batch
            changed = {"kind": change.kind, "batch": outcome.batch.pk,
                       "source_record_id": row["source_record_id"]}  # fmt: skip
        item.full_clean(exclude=["household", "filed_by", "assignee", "change_batch"])
        item.save()
        attached = _attach(viewer, staged, purpose=Attachment.Purpose.HOUSE_PHOTO, objection=item)
        _audit(
            viewer, action=Action.OBJECTION_VERIFY, obj=item,
            persons=family_members(viewer, item.household),
            detail={"from": before, "to": item.state, "change": changed,
                    "gps": item.latitude is not None,
                    "attachments": _attachment_detail(attached)},
        )  # fmt: skip
        return item

    return _with_files(staged, work)


def objection_resolve(
    *, viewer: Viewer, objection: Objection, upheld: bool, resolution: str,
    now: dt.datetime | None = None,
) -> Objection:  # fmt: skip
    objection = objection_for_officer(viewer, objection.pk, action=Action.OBJECTION_RESOLVE)
    if not resolution.strip():
        raise ValidationError({"resolution": "tuliskan keputusan dan dasarnya"})
    now = now or timezone.now()
    with transaction.atomic():
        item = Objection.objects.select_for_update().get(pk=objection.pk)
        before = _move(item, OState.UPHELD if upheld else OState.REJECTED, OBJECTION_TRANSITIONS)
        item.resolved_at = now
        item.resolution = resolution.strip()
        item.save()
        _audit(
            viewer, action=Action.OBJECTION_RESOLVE, obj=item,
            detail={"from": before, "to": item.state, "due_at": item.due_at.isoformat(),
                    "late": now > item.due_at},
        )  # fmt: skip
    return item


# --- the change of circumstance as an exchange-format row -----------------------------------


def social_affairs_agency(viewer: Viewer) -> Agency:
    if viewer.agency is not None and viewer.agency.kind == AgencyKind.SOCIAL_AFFAIRS:
        return viewer.agency
    agency = Agency.objects.filter(kind=AgencyKind.SOCIAL_AFFAIRS).order_by("code").first()
    if agency is None:
        raise ValidationError({"change": "belum ada OPD Dinas Sosial untuk dataset verifikasi"})
    return agency


def verification_dataset(viewer: Viewer) -> Dataset:
    """Dinsos's dataset of field-verification results, created on first use (closed: the
    owner and the walidata read it)."""
    agency = social_affairs_agency(viewer)
    dataset, _created = Dataset.objects.get_or_create(
        agency=agency,
        name=VERIFICATION_DATASET,
        defaults={
            "title": "Hasil verifikasi lapangan (sanggahan DTSEN)",
            "description": "Perubahan keadaan (kematian, kelahiran, pindah) yang ditemukan "
            "saat verifikasi lapangan atas sanggahan.",
            "producer": agency.name,
            "update_frequency": UpdateFrequency.AD_HOC,
            "access_level": AccessLevel.CLOSED,
        },
    )
    return dataset


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _change_row(
    viewer: Viewer, objection: Objection, change: CircumstanceChange, now: dt.datetime
) -> dict:
    if change.kind not in CHANGE_KINDS:
        raise ValidationError({"change": "jenis perubahan tidak dikenal"})
    household = objection.household
    members = {m["person_public_id"]: m for m in family_rows(viewer, [objection], proposal=False)}
    base = {
        "source_record_id": "", "nik": "", "kk_number": household.kk_number, "full_name": "",
        "sex": "", "birth_place": "", "birth_date": "", "address": "", "rt": "", "rw": "",
        "kelurahan": "", "kecamatan": "", "relationship": "", "death_date": "",
        "welfare_decile": "", "program": "", "period": "", "amount": "",
    }  # fmt: skip
    if change.kind == "birth":
        if not change.full_name.strip() or change.birth_date is None:
            raise ValidationError({"change": "isi nama dan tanggal lahir bayi"})
        _not_future("birth_date", change.birth_date, now)
        head = next(iter(members.values()), None)
        if head is None:
            raise ValidationError({"change": "keluarga tanpa anggota yang terlihat"})
        serial = f"{objection.pk}-LAHIR-{change.birth_date:%Y%m%d}-{change.full_name.strip()}"
        row = {
            **base, "source_record_id": f"SGH-{serial}"[:100], "nik": change.nik.strip(),
            "full_name": change.full_name.strip(), "sex": change.sex,
            "birth_place": change.birth_place, "birth_date": change.birth_date.isoformat(),
            "address": head["address"], "rt": head["rt"], "rw": head["rw"],
            "kelurahan": head["kelurahan_code"], "kecamatan": head["kecamatan_code"],
            "relationship": "ANAK",
        }  # fmt: skip
        return {k: ("" if v is None else str(v)) for k, v in row.items()}
    member = members.get(change.person_public_id)
    if member is None:
        raise ValidationError({"change": "anggota keluarga tidak ditemukan"})
    row = {
        **base, "source_record_id": f"SGH-{objection.pk}-{change.person_public_id}",
        "nik": member["nik"], "full_name": member["full_name"], "sex": member["sex"],
        "birth_place": member["birth_place"], "birth_date": _iso(member["birth_date"]),
        "address": member["address"], "rt": member["rt"], "rw": member["rw"],
        "kelurahan": member["kelurahan_code"], "kecamatan": member["kecamatan_code"],
        "relationship": member["relationship"],
    }  # fmt: skip
    if change.kind == "death":
        if change.death_date is None:
            raise ValidationError({"change": "isi tanggal kematian"})
        _not_future("death_date", change.death_date, now)
        row["death_date"] = change.death_date.isoformat()
    else:
        if not change.address.strip() or not change.kelurahan_code:
            raise ValidationError({"change": "isi alamat dan kelurahan baru"})
        row.update(
            address=change.address.strip(), rt=change.rt or "", rw=change.rw or "",
            kelurahan=change.kelurahan_code, kecamatan=change.kelurahan_code[:8],
        )  # fmt: skip
    return {k: ("" if v is None else str(v)) for k, v in row.items()}
