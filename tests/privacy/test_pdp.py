"""UU PDP pack: the record of processing generated from the data, the breach register and
correction requests on their 3x24 h clocks, every write audited in its own transaction, and
only the data protection officer and the walidata let in (the DPO sees no profile)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from registry.privacy import services
from registry.privacy.models import Breach, Clock, CorrectionRequest
from registry.privacy.ropa import record_of_processing
from registry.selectors import viewer_for

PRIVACY_PAGES = (
    "privacy:index", "privacy:ropa", "privacy:dpia", "privacy:retention", "privacy:breaches",
    "privacy:corrections",
)  # fmt: skip
OTHER_ROLES = ("operator", "analyst", "planner", "auditor", "public")


def _events(action: str):
    return AuditEvent.objects.filter(action=action)


def _breach(pdp, hours_ago: float, **kw) -> Breach:
    return services.breach_record(
        viewer=viewer_for(pdp.users["dpo"]),
        title=kw.pop("title", "Laptop hilang"),
        description="Laptop berisi ekspor DTKS hilang",
        detected_at=timezone.now() - timedelta(hours=hours_ago),
        data_categories="NIK, nama, bantuan sosial",
        datasets=[pdp.dtks],
        subjects_estimate=120,
        **kw,
    )


# --- record of processing -----------------------------------------------------------------


def test_record_of_processing_is_generated_from_datasets_purposes_and_grants(pdp):
    activities = record_of_processing()
    by_dataset = {a.dataset_id: a for a in activities if a.dataset_id}
    assert set(by_dataset) == {pdp.penduduk.pk, pdp.dtks.pk, pdp.pasien.pk}
    registry = activities[0]
    assert registry.dataset_id is None and registry.records == sum(
        a.records for a in by_dataset.values()
    )

    dtks = by_dataset[pdp.dtks.pk]
    assert dtks.controller.startswith("Dinas Sosial")
    assert dtks.purposes[0] == "Penyelenggaraan dan penyaluran bantuan sosial"
    assert "Perencanaan pembangunan" in dtks.purposes  # the grant's purpose
    assert any(r.startswith("Bappeda — Perencanaan pembangunan") for r in dtks.recipients)
    assert dtks.records == 1
    # a PKH receipt and a decile: financial data; no child in it
    assert any(c.startswith("Data keuangan") for c in dtks.specific_categories)
    assert "Data anak" not in dtks.specific_categories
    assert dtks.dpia_required

    penduduk = by_dataset[pdp.penduduk.pk]
    assert "Data anak" in penduduk.specific_categories  # the son, born 2023
    assert "Anak (di bawah 18 tahun)" in penduduk.subjects
    assert not any(c.startswith("Data keuangan") for c in penduduk.specific_categories)
    assert not any("Bappeda" in r for r in penduduk.recipients)  # no grant on it
    assert by_dataset[pdp.pasien.pk].specific_categories == ["Data kesehatan"]
    assert by_dataset[pdp.pasien.pk].records == 0

    # a revoked grant is no longer a recipient
    pdp.grant.revoked_at = timezone.now()
    pdp.grant.save()
    dtks = next(a for a in record_of_processing() if a.dataset_id == pdp.dtks.pk)
    assert not any("Bappeda" in r for r in dtks.recipients)


# --- breaches -----------------------------------------------------------------------------


def test_breach_record_is_audited_with_its_deadline(pdp):
    breach = _breach(pdp, hours_ago=2)
    assert breach.due_at == breach.detected_at + timedelta(hours=72)
    assert breach.clock() == Clock.RUNNING
    (event,) = _events("breach.record")
    assert event.object_id == str(breach.pk) and event.role == "dpo"
    assert event.actor_id == pdp.users["dpo"].pk
    assert event.detail["due_at"] == breach.due_at.isoformat()
    assert list(breach.datasets.all()) == [pdp.dtks]


def test_breach_clock_on_time_late_overdue(pdp):
    now = timezone.now()
    overdue = _breach(pdp, hours_ago=80, title="lewat")
    assert overdue.clock() == Clock.OVERDUE

    on_time = _breach(pdp, hours_ago=50, title="tepat")
    dpo = viewer_for(pdp.users["dpo"])
    services.breach_notify(viewer=dpo, breach=on_time, authority_notified_at=now)
    on_time.refresh_from_db()
    assert on_time.clock() == Clock.RUNNING  # the subjects are still to be told
    services.breach_notify(viewer=dpo, breach=on_time, subjects_notified_at=now)
    on_time.refresh_from_db()
    assert on_time.clock() == Clock.ON_TIME

    services.breach_notify(
        viewer=dpo, breach=overdue, authority_notified_at=now, subjects_notified_at=now
    )
    overdue.refresh_from_db()
    assert overdue.clock() == Clock.LATE
    assert [e.detail["clock"] for e in _events("breach.notify").order_by("id")] == [
        "running", "on_time", "late"
    ]  # fmt: skip

    services.breach_close(viewer=dpo, breach=overdue)
    overdue.refresh_from_db()
    assert overdue.status == Breach.Status.CLOSED and _events("breach.close").count() == 1
    with pytest.raises(ValidationError):
        services.breach_close(viewer=dpo, breach=overdue)


def test_breach_bad_input_writes_nothing(pdp):
    dpo = viewer_for(pdp.users["dpo"])
    with pytest.raises(ValidationError) as future:
        _breach(pdp, hours_ago=-5)
    assert "detected_at" in future.value.message_dict
    with pytest.raises(ValidationError) as empty:
        services.breach_record(
            viewer=dpo, title="", description="x", detected_at=timezone.now(),
            data_categories="NIK",
        )  # fmt: skip
    assert "title" in empty.value.message_dict
    breach = _breach(pdp, hours_ago=1)
    with pytest.raises(ValidationError) as before:
        services.breach_notify(
            viewer=dpo, breach=breach, authority_notified_at=breach.detected_at - timedelta(1)
        )
    assert "authority_notified_at" in before.value.message_dict
    with pytest.raises(ValidationError):
        services.breach_notify(viewer=dpo, breach=breach)
    assert Breach.objects.count() == 1 and _events("breach.notify").count() == 0


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_cannot_write_the_registers(pdp, role):
    viewer = viewer_for(pdp.users[role])
    with pytest.raises(PermissionDenied):
        services.breach_record(
            viewer=viewer, title="x", description="x", detected_at=timezone.now(),
            data_categories="NIK",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.correction_record(
            viewer=viewer, reference="1", received_at=timezone.now(), field="nik",
            description="x",
        )  # fmt: skip
    assert not Breach.objects.exists() and not CorrectionRequest.objects.exists()
    denied = AuditEvent.objects.filter(actor=pdp.users[role], outcome="denied")
    assert set(denied.values_list("action", flat=True)) == {"breach.record", "correction.record"}


# --- corrections --------------------------------------------------------------------------


def test_correction_request_tracked_against_3x24h(pdp):
    walidata = viewer_for(pdp.users["walidata"])
    late = services.correction_record(
        viewer=walidata, reference="SRT-1/2026", received_at=timezone.now() - timedelta(hours=73),
        field="birth_date", description="tanggal lahir tertukar hari dan bulan",
        person_public_id=pdp.father.public_id, dataset=pdp.penduduk,
    )  # fmt: skip
    assert late.clock() == Clock.OVERDUE
    fresh = services.correction_record(
        viewer=walidata, reference="SRT-2/2026", received_at=timezone.now(), field="address",
        description="alamat lama",
    )  # fmt: skip
    assert fresh.clock() == Clock.RUNNING
    with pytest.raises(ValidationError) as no_reason:
        services.correction_update(viewer=walidata, request=fresh, status="corrected")
    assert "resolution" in no_reason.value.message_dict
    services.correction_update(viewer=walidata, request=fresh, status="forwarded")
    services.correction_update(
        viewer=walidata, request=fresh, status="corrected", resolution="versi baru dari capil"
    )
    fresh.refresh_from_db()
    assert fresh.status == "corrected" and fresh.clock() == Clock.ON_TIME
    with pytest.raises(ValidationError):
        services.correction_update(viewer=walidata, request=fresh, status="rejected",
                                   resolution="x")  # fmt: skip
    steps = [
        (e.detail["from"], e.detail["to"]) for e in _events("correction.update").order_by("id")
    ]
    assert steps == [("received", "forwarded"), ("forwarded", "corrected")]
    assert _events("correction.record").count() == 2


# --- pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["dpo", "walidata"])
def test_privacy_pages_open_for_the_dpo_and_the_walidata(pdp, client, role):
    client.force_login(pdp.users[role])
    for name in PRIVACY_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    page = client.get(reverse("privacy:ropa")).content.decode()
    assert "Catatan kegiatan pemrosesan" in page and "Pasien puskesmas" in page
    csv_text = client.get(reverse("privacy:ropa"), {"format": "csv"}).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("kegiatan,pengendali,tingkat_akses,tujuan")
    assert "Data kesehatan" in csv_text
    # and the DPO's home shows the way in
    home = client.get(reverse("home")).content.decode()
    assert reverse("privacy:index") in home


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_privacy_pages_refused_to_other_roles(pdp, client, role):
    client.force_login(pdp.users[role])
    for name in PRIVACY_PAGES:
        before = AuditEvent.objects.filter(outcome="denied").count()
        assert client.get(reverse(name)).status_code == 404, name
        assert AuditEvent.objects.filter(outcome="denied").count() == before + 1
    response = client.post(reverse("privacy:breaches"), {"title": "x"})
    assert response.status_code == 404 and not Breach.objects.exists()


def test_dpo_sees_no_profile(pdp, client):
    client.force_login(pdp.users["dpo"])
    for url in (
        reverse("person_detail", kwargs={"public_id": pdp.father.public_id}),
        reverse("household_detail", kwargs={"public_id": pdp.household.public_id}),
        reverse("person_search"),
    ):
        assert client.get(url, {"name": "Inmam"}).status_code == 404, url
    home = client.get(reverse("home")).content.decode()
    assert reverse("person_search") not in home


def test_forms_write_through_services(pdp, client):
    client.force_login(pdp.users["dpo"])
    detected = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("privacy:breaches"),
        {"title": "Surel salah kirim", "detected_at": detected, "description": "Daftar PKH",
         "data_categories": "nama, NIK", "datasets": [pdp.dtks.pk], "subjects_estimate": "40"},
    )  # fmt: skip
    breach = Breach.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/insiden/{breach.pk}/")
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("privacy:breach_detail", kwargs={"pk": breach.pk}),
        {"authority_notified_at": now, "subjects_notified_at": now, "note": "surat ke lembaga"},
    )
    breach.refresh_from_db()
    assert breach.clock() == Clock.ON_TIME
    page = client.get(reverse("privacy:breach_detail", kwargs={"pk": breach.pk})).content.decode()
    assert "Selesai tepat waktu" in page

    bad = client.post(reverse("privacy:corrections"), {"reference": "", "field": "nik"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    assert not CorrectionRequest.objects.exists()
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    bad = client.post(
        reverse("privacy:corrections"),
        {"reference": "T-9", "received_at": future, "field": "nik", "description": "x"},
    )
    assert "masa depan" in bad.content.decode() and not CorrectionRequest.objects.exists()
    client.post(
        reverse("privacy:corrections"),
        {"reference": "T-1", "received_at": now, "field": "address", "description": "RT salah",
         "dataset": pdp.penduduk.pk},
    )  # fmt: skip
    item = CorrectionRequest.objects.get()
    client.post(
        reverse("privacy:correction_detail", kwargs={"pk": item.pk}),
        {"status": "rejected", "resolution": "data sudah benar menurut KK"},
    )
    item.refresh_from_db()
    assert item.status == "rejected" and item.resolved_at is not None
    actions = list(
        AuditEvent.objects.filter(actor=pdp.users["dpo"], outcome="allowed")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["breach.record", "breach.notify", "correction.record", "correction.update"]


def test_dpia_is_prefilled_from_configuration_and_data(pdp, client):
    from registry.privacy.dpia import TO_FILL, dpia_draft

    _breach(pdp, hours_ago=80)  # overdue
    sections = dpia_draft()
    text = {label: value for s in sections for label, value in s.items}
    assert "36.71" in text["Pengendali"]
    assert "3 dataset" in text["Skala"] and "Terbatas: 2" in text["Tingkat akses dataset"]
    assert "model terakhir dilatih" in text["Pencocokan dan penggabungan"]
    assert "Data kesehatan" in text["Kategori data spesifik"]
    assert "Data anak" in text["Kategori data spesifik"]
    assert "1 lewat tenggat" in text["Insiden tercatat"]
    assert "1-10" in text["Statistik terbuka"]
    assert "Perencana" in text["Penyamaran"]
    assert text["Tingkat risiko"] == TO_FILL
    roles = {row[0]: row for s in sections for row in s.rows}
    assert roles["Pejabat Pelindungan Data Pribadi"][1:] == ["tidak", "—", "tidak", "tidak", "ya"]
    assert roles["Perencana"][2] == "disamarkan"

    client.force_login(pdp.users["dpo"])
    page = client.get(reverse("privacy:dpia")).content.decode()
    assert "Penilaian dampak pelindungan data pribadi (DPIA)" in page
    assert "berlaku 30 menit" in page
    client.force_login(pdp.users["auditor"])
    assert client.get(reverse("privacy:dpia")).status_code == 404
