"""Retention and destruction: superseded versions and ended datasets past their period are
destroyed, nightly or by command; each dataset's destruction leaves one tombstone event in
the audit chain (persons and counts, never values), and the chain still verifies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import verify_chain
from registry.linking import link
from registry.models import AidReceipt, Person, SourceRecord
from registry.privacy.retention import retention_purge, retention_set
from registry.selectors import viewer_for
from tests.web.conftest import HEADER, _import


def _age_versions(dataset, days: int) -> None:
    SourceRecord.objects.filter(dataset=dataset).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_superseded_versions_past_retention_are_destroyed(pdp):
    dpo = viewer_for(pdp.users["dpo"])
    old = SourceRecord.objects.get(source_record_id="CAP-1", version=1)
    assert not old.is_current
    retention_set(viewer=dpo, dataset=pdp.penduduk, retention_days=30)
    assert retention_purge()[0].superseded == 0  # replaced today: kept
    assert SourceRecord.objects.filter(pk=old.pk).exists()

    _age_versions(pdp.penduduk, 40)
    (result,) = retention_purge()
    assert (result.superseded, result.ended, result.record_ids) == (1, 0, [old.pk])
    assert not SourceRecord.objects.filter(pk=old.pk).exists()
    current = SourceRecord.objects.get(source_record_id="CAP-1", is_current=True)
    assert current.version == 2 and current.link.person_id == pdp.father.pk
    (tombstone,) = AuditEvent.objects.filter(action="retention.purge")
    assert tombstone.persons == [pdp.father.public_id]
    assert tombstone.detail["record_ids"] == [old.pk]
    assert tombstone.object_id == str(pdp.penduduk.pk) and tombstone.actor is None
    assert "Inmam" not in str(tombstone.detail) and "3671013008740001" not in str(tombstone.detail)
    assert verify_chain().ok
    assert retention_purge()[0].record_ids == []  # nothing left to destroy, no new event
    assert AuditEvent.objects.filter(action="retention.purge").count() == 1


def test_ended_dataset_is_destroyed_and_profiles_rebuilt(pdp):
    # a person known only to the ended dataset
    row = dict.fromkeys(HEADER, "") | {
        "source_record_id": "PAS-1", "nik": "3671014404990001", "full_name": "Rina Pasien",
        "sex": "P", "birth_date": "1999-04-04", "kelurahan": "Sukarasa", "kecamatan": "Tangerang",
        "kk_number": "3671010101990009", "address": "Jl. Pasien 1", "rt": "1", "rw": "2",
    }  # fmt: skip
    _import(pdp.pasien, [[row[h] for h in HEADER]])
    link()
    patient = SourceRecord.objects.get(source_record_id="PAS-1").link.person
    assert patient.full_name
    dpo = viewer_for(pdp.users["dpo"])
    long_ago = timezone.now() - timedelta(days=100)
    retention_set(viewer=dpo, dataset=pdp.pasien, retention_days=30, ended_at=long_ago)
    retention_set(viewer=dpo, dataset=pdp.dtks, retention_days=30, ended_at=long_ago)
    assert AidReceipt.objects.filter(person=pdp.father).exists()

    call_command("purge_retention")

    assert not SourceRecord.objects.filter(dataset__in=[pdp.pasien, pdp.dtks]).exists()
    assert not AidReceipt.objects.filter(person=pdp.father).exists()
    father = Person.objects.get(pk=pdp.father.pk)
    assert father.full_name.upper() == "INMAM SANTOSO"  # rebuilt from the civil registry
    patient.refresh_from_db()
    assert (patient.full_name, patient.nik, patient.birth_date) == ("", "", None)
    assert not patient.memberships.exists()
    tombstones = {e.object_id: e for e in AuditEvent.objects.filter(action="retention.purge")}
    assert tombstones[str(pdp.pasien.pk)].persons == [patient.public_id]
    assert tombstones[str(pdp.pasien.pk)].detail["persons_emptied"] == 1
    assert tombstones[str(pdp.dtks.pk)].detail["persons_refreshed"] == 1
    assert verify_chain().ok


@pytest.mark.parametrize("role", ["operator", "analyst", "planner", "auditor", "public"])
def test_only_privacy_roles_set_retention(pdp, role):
    with pytest.raises(PermissionDenied):
        retention_set(viewer=viewer_for(pdp.users[role]), dataset=pdp.dtks, retention_days=5)
    assert AuditEvent.objects.filter(
        actor=pdp.users[role], action="retention.set", outcome="denied"
    ).exists()


def test_retention_page_and_nightly_task(pdp, client):
    from procrastinate.contrib.django import app

    client.force_login(pdp.users["dpo"])
    response = client.post(
        reverse("privacy:retention"), {"dataset": pdp.dtks.pk, "retention_days": "365"}
    )
    assert response.status_code == 302
    page = client.get(reverse("privacy:retention")).content.decode()
    assert "Versi lama dimusnahkan 365 hari setelah diganti" in page
    assert AuditEvent.objects.filter(action="retention.set", actor=pdp.users["dpo"]).count() == 1
    bad = client.post(reverse("privacy:retention"), {"dataset": pdp.dtks.pk, "retention_days": "0"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    ropa = client.get(reverse("privacy:ropa")).content.decode()
    assert "365 hari" in ropa
    task = app.tasks["privacy.retention_purge"]
    assert any(
        p.task is task and p.cron == "30 2 * * *"
        for p in app.periodic_registry.periodic_tasks.values()
    )
