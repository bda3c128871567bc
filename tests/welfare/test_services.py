"""Usulan and sanggahan services: every transition with its audit event in the same
transaction, illegal transitions refused (state unchanged, nothing audited), roles and
households out of sight refused as NotFound with an audited denial."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from registry.models import Dataset, Person, SourceRecord
from registry.selectors import NotFound
from registry.welfare import services
from registry.welfare.models import Objection, Proposal

from .conftest import PURPOSE, viewer

State = Proposal.State


def _events(action: str, **kw):
    return AuditEvent.objects.filter(action=action, **kw).order_by("id")


def _draft(welfare, **kw) -> Proposal:
    return services.proposal_create(
        viewer=viewer(welfare, "analyst"), household_public_id=welfare.poor.public_id,
        kind=kw.pop("kind", "add"), reason=kw.pop("reason", "poor_not_listed"), **kw,
    )  # fmt: skip


def _approve(welfare, proposal, **kw) -> Proposal:
    return services.proposal_approve(
        viewer=viewer(welfare, "analyst"), proposal=proposal,
        meeting_date=kw.pop("meeting_date", timezone.localdate()),
        minutes_ref=kw.pop("minutes_ref", "BA-07/MUSKEL/SKR/2026"), **kw,
    )  # fmt: skip


def test_proposal_walks_draft_approved_sent_accepted_with_an_audit_event_each(welfare):
    proposal = _draft(welfare, reason_text="kepala keluarga buruh harian, rumah tidak layak")
    assert proposal.state == State.DRAFT and proposal.kk_number == welfare.poor.kk_number
    created = _events("proposal.create").get()
    assert created.object_id == str(proposal.pk)
    assert sorted(created.persons) == welfare.poor_members
    assert created.detail["household"] == welfare.poor.public_id

    proposal = _approve(welfare, proposal)
    assert proposal.state == State.APPROVED
    approved = _events("proposal.approve").get()
    assert approved.detail["from"] == "draft" and approved.detail["to"] == "approved"
    assert approved.detail["minutes_ref"] == "BA-07/MUSKEL/SKR/2026"

    export = services.proposals_export(viewer=viewer(welfare, "walidata"), purpose=PURPOSE)
    proposal.refresh_from_db()
    assert proposal.state == State.SENT and proposal.export == export
    assert (export.families, export.persons) == (1, 2)
    sent = _events("proposal.export").get()
    assert sorted(sent.persons) == welfare.poor_members and sent.purpose_code == PURPOSE.code

    proposal = services.proposal_decide(
        viewer=viewer(welfare, "analyst"), proposal=proposal, accepted=True
    )
    assert proposal.state == State.ACCEPTED
    assert _events("proposal.decide").get().detail == {"from": "sent", "to": "accepted"}


def test_refused_needs_a_note_and_withdrawn_only_before_sending(welfare):
    proposal = _approve(welfare, _draft(welfare))
    services.proposals_export(viewer=viewer(welfare, "walidata"), purpose=PURPOSE)
    with pytest.raises(ValidationError):
        services.proposal_decide(viewer=viewer(welfare, "walidata"), proposal=proposal,
                                 accepted=False)  # fmt: skip
    with pytest.raises(ValidationError, match="tidak dapat berpindah"):
        services.proposal_withdraw(viewer=viewer(welfare, "analyst"), proposal=proposal)
    refused = services.proposal_decide(
        viewer=viewer(welfare, "walidata"), proposal=proposal, accepted=False,
        note="tidak lolos padan Dukcapil",
    )  # fmt: skip
    assert refused.state == State.REFUSED and refused.decision_note
    # A refused family may be proposed again.
    again = _draft(welfare)
    withdrawn = services.proposal_withdraw(viewer=viewer(welfare, "analyst"), proposal=again)
    assert withdrawn.state == State.WITHDRAWN
    assert _events("proposal.withdraw").get().detail == {"from": "draft", "to": "withdrawn"}


@pytest.mark.parametrize(
    ("setup", "attempt"),
    [
        ("draft", "decide"),  # not sent yet
        ("draft", "export_only"),  # nothing approved: the export refuses
        ("approved", "approve"),  # twice
        ("withdrawn", "approve"),
        ("accepted", "withdraw"),
    ],
)
def test_illegal_transitions_are_refused_and_leave_no_trace(welfare, setup, attempt):
    proposal = _draft(welfare)
    if setup in ("approved", "accepted"):
        proposal = _approve(welfare, proposal)
    if setup == "accepted":
        services.proposals_export(viewer=viewer(welfare, "walidata"), purpose=PURPOSE)
        proposal = services.proposal_decide(
            viewer=viewer(welfare, "walidata"), proposal=proposal, accepted=True
        )
    if setup == "withdrawn":
        proposal = services.proposal_withdraw(viewer=viewer(welfare, "analyst"), proposal=proposal)
    before_events = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        if attempt == "decide":
            services.proposal_decide(viewer=viewer(welfare, "analyst"), proposal=proposal,
                                     accepted=True)  # fmt: skip
        elif attempt == "export_only":
            services.proposals_export(viewer=viewer(welfare, "walidata"), purpose=PURPOSE)
        elif attempt == "approve":
            _approve(welfare, proposal)
        else:
            services.proposal_withdraw(viewer=viewer(welfare, "analyst"), proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).state == setup
    assert AuditEvent.objects.count() == before_events


def test_bad_proposal_input_writes_nothing(welfare):
    with pytest.raises(ValidationError, match="alasan"):
        _draft(welfare, reason="other")  # "Lainnya" needs its text
    with pytest.raises(ValidationError):
        _draft(welfare, kind="promote")
    proposal = _draft(welfare)
    with pytest.raises(ValidationError, match="sudah punya usulan"):
        _draft(welfare)  # one open proposal per family
    with pytest.raises(ValidationError, match="masa depan"):
        _approve(welfare, proposal, meeting_date=timezone.localdate() + dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="berita acara"):
        _approve(welfare, proposal, minutes_ref="  ")
    assert Proposal.objects.count() == 1
    assert Proposal.objects.get().state == State.DRAFT
    assert not _events("proposal.approve").exists()


@pytest.mark.parametrize("who", ["operator", "planner", "auditor", "public", "analyst_dinkes"])
def test_other_roles_and_agencies_get_not_found_audited(welfare, who):
    with pytest.raises(NotFound):
        services.proposal_create(
            viewer=viewer(welfare, who), household_public_id=welfare.poor.public_id,
            kind="add", reason="poor_not_listed",
        )  # fmt: skip
    with pytest.raises(NotFound):
        services.objection_file(
            viewer=viewer(welfare, who), household_public_id=welfare.other.public_id,
            kind="exclusion", description="x",
        )  # fmt: skip
    denied = AuditEvent.objects.filter(actor=welfare.users[who], outcome="denied")
    assert set(denied.values_list("action", flat=True)) == {"proposal.create", "objection.file"}
    assert Proposal.objects.count() == 0 and Objection.objects.count() == 0


def test_a_household_out_of_sight_is_not_found(welfare):
    """The Dinsos analyst cannot see a family known only to the (closed) civil registry."""
    from registry.models import Household

    hidden = Household.objects.create(public_id="HHIDDEN000001", kk_number="3671019999990001")
    with pytest.raises(NotFound):
        services.proposal_create(
            viewer=viewer(welfare, "analyst"), household_public_id=hidden.public_id,
            kind="add", reason="poor_not_listed",
        )  # fmt: skip
    event = _events("proposal.create", outcome="denied").get()
    assert event.reason == "not_found" and event.object_id == hidden.public_id


def _objection(welfare, now=None, **kw):
    return services.objection_file(
        viewer=viewer(welfare, "analyst"), household_public_id=welfare.household.public_id,
        kind=kw.pop("kind", "inclusion"),
        description=kw.pop("description", "keluarga memiliki mobil dan toko"),
        channel=kw.pop("channel", "citizen"), now=now, **kw,
    )  # fmt: skip


def test_objection_walks_filed_assigned_verified_upheld(welfare):
    item = _objection(welfare, latitude="-6.178306", longitude="106.631889")
    assert item.state == Objection.State.FILED
    assert item.due_at - item.filed_at == dt.timedelta(days=14)
    filed = _events("objection.file").get()
    assert filed.detail["gps"] is True and filed.detail["channel"] == "citizen"

    item = services.objection_assign(
        viewer=viewer(welfare, "walidata"), objection=item, assignee=welfare.users["petugas"]
    )
    assert item.state == Objection.State.ASSIGNED and item.assignee == welfare.users["petugas"]
    item = services.objection_verify(
        viewer=viewer(welfare, "petugas"), objection=item, note="rumah permanen, ada mobil"
    )
    assert item.state == Objection.State.VERIFIED
    item = services.objection_resolve(
        viewer=viewer(welfare, "analyst"), objection=item, upheld=True,
        resolution="diusulkan keluar dari PKH",
    )  # fmt: skip
    assert item.state == Objection.State.UPHELD
    actions = list(
        AuditEvent.objects.filter(object_type="objection").values_list("action", flat=True)
    )
    assert actions == ["objection.file", "objection.assign", "objection.verify",
                       "objection.resolve"]  # fmt: skip
    resolved = _events("objection.resolve").get()
    assert resolved.detail["to"] == "upheld" and resolved.detail["late"] is False


def test_objection_illegal_steps_and_bad_input(welfare):
    with pytest.raises(ValidationError, match="lintang"):
        _objection(welfare, latitude="95", longitude="106.6")
    with pytest.raises(ValidationError, match="bujur"):
        _objection(welfare, latitude="-6.1", longitude="-181")
    with pytest.raises(ValidationError, match="bersama"):
        _objection(welfare, latitude="-6.1")
    assert Objection.objects.count() == 0
    item = _objection(welfare)
    with pytest.raises(ValidationError, match="tidak dapat berpindah"):
        services.objection_verify(viewer=viewer(welfare, "analyst"), objection=item, note="x")
    with pytest.raises(ValidationError, match="tidak dapat berpindah"):
        services.objection_resolve(
            viewer=viewer(welfare, "analyst"), objection=item, upheld=False, resolution="x"
        )
    with pytest.raises(ValidationError, match="petugas"):
        services.objection_assign(
            viewer=viewer(welfare, "analyst"), objection=item,
            assignee=welfare.users["analyst_dinkes"],
        )  # fmt: skip
    assert Objection.objects.get().state == Objection.State.FILED
    assert (
        not AuditEvent.objects.filter(object_type="objection")
        .exclude(action="objection.file")
        .exists()
    )


def test_a_death_found_in_verification_enters_the_registry_as_a_verification_record(welfare):
    """The father of the Santoso family died: the officer's verification sends a record of
    Dinsos's "verifikasi" dataset (created on first use) through records_submit; it links to
    the father, whose profile now carries the death date."""
    item = _objection(welfare)
    item = services.objection_assign(
        viewer=viewer(welfare, "analyst"), objection=item, assignee=welfare.users["petugas"]
    )
    father = welfare.father
    item = services.objection_verify(
        viewer=viewer(welfare, "petugas"), objection=item, note="kepala keluarga meninggal",
        change=services.CircumstanceChange(
            kind="death", person_public_id=father.public_id, death_date=dt.date(2026, 11, 2)
        ),
    )  # fmt: skip
    dataset = Dataset.objects.get(agency=welfare.dinsos, name="verifikasi")
    assert dataset.access_level == "closed"
    record = SourceRecord.objects.get(dataset=dataset, is_current=True)
    assert record.death_date == dt.date(2026, 11, 2)
    assert record.nik == "3671013008740001" and record.kk_number == welfare.household.kk_number
    assert record.link.person == father  # linked as usual
    assert Person.objects.get(pk=father.pk).death_date == dt.date(2026, 11, 2)
    assert item.change_batch == record.batch
    verify = _events("objection.verify").get()
    assert verify.detail["change"]["kind"] == "death"
    imported = _events("records.import").get(object_id=str(record.batch_id))
    assert imported.actor == welfare.users["petugas"] and imported.detail["rows_new"] == 1


def test_a_birth_found_in_verification_adds_a_member(welfare):
    item = _objection(welfare, kind="wrong_data")
    services.objection_assign(
        viewer=viewer(welfare, "analyst"), objection=item, assignee=welfare.users["analyst"]
    )
    services.objection_verify(
        viewer=viewer(welfare, "analyst"), objection=item, note="bayi lahir bulan lalu",
        change=services.CircumstanceChange(
            kind="birth", full_name="Bayu Santoso", sex="L", birth_date=dt.date(2026, 10, 1)
        ),
    )  # fmt: skip
    record = SourceRecord.objects.get(dataset__name="verifikasi", is_current=True)
    assert record.kk_number == welfare.household.kk_number and record.relationship == "ANAK"
    assert record.link.person.memberships.get().household == welfare.household
    # A second, bad change refuses the whole verification (nothing half-written).
    other = _objection(welfare, kind="wrong_data")
    services.objection_assign(
        viewer=viewer(welfare, "analyst"), objection=other, assignee=welfare.users["analyst"]
    )
    with pytest.raises(ValidationError, match="tanggal kematian"):
        services.objection_verify(
            viewer=viewer(welfare, "analyst"), objection=other, note="x",
            change=services.CircumstanceChange(
                kind="death", person_public_id=welfare.father.public_id
            ),
        )  # fmt: skip
    assert Objection.objects.get(pk=other.pk).state == Objection.State.ASSIGNED
