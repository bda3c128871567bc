"""Browser walk of the data protection officer (headless Chromium): home -> UU PDP overview ->
a breach recorded and its notifications entered against the 3x24 h clock -> a correction
request -> the record of processing; a person page refused. Screenshots go to
test-artifacts/screenshots/ (pdp-*)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from registry.privacy.models import Breach, CorrectionRequest
from tests.privacy.conftest import add_privacy_cast
from tests.web.conftest import build_cast
from tests.web.test_browser import browser, log_in, new_page, pytestmark, shot  # noqa: F401


@pytest.fixture
def pdp_web(transactional_db, live_server):
    return add_privacy_cast(build_cast())


def _local(delta: timedelta) -> str:
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def test_dpo_walk(browser, pdp_web, live_server):  # noqa: F811
    base = live_server.url
    page = new_page(browser)
    log_in(page, base, "ppdp")
    shot(page, "pdp-01-home-dpo")
    nav = page.get_by_role("navigation", name="Menu utama")
    assert nav.get_by_role("link", name="Cari orang").count() == 0  # no profiles for the DPO
    nav.get_by_role("link", name="Pelindungan data pribadi").click()
    page.wait_for_url("**/privasi/")
    assert page.get_by_role("heading", name="Pelindungan data pribadi (UU PDP)").is_visible()
    assert page.locator("#stat-activities").inner_text() == "4"  # registry + 3 datasets

    # A breach known since 70 hours: the clock has 1 hour left.
    page.get_by_role("link", name="Register insiden").first.click()
    page.wait_for_url("**/privasi/insiden/")
    form = page.locator("#breach-form")
    form.get_by_label("Judul insiden").fill("Daftar PKH terkirim ke alamat surel keliru")
    form.get_by_label("Diketahui pada").fill(_local(-timedelta(hours=70)))
    form.get_by_label("Uraian").fill("Lampiran berisi nama dan NIK penerima PKH")
    form.get_by_label("Jenis data pribadi terdampak").fill("nama, NIK, bantuan sosial")
    form.get_by_label("Dataset terdampak").select_option(label="dinsos/dtks")
    form.get_by_label("Perkiraan jumlah subjek data").fill("35")
    shot(page, "pdp-02-breach-form")
    form.get_by_role("button", name="Catat insiden").click()
    page.wait_for_url("**/privasi/insiden/*/")
    assert page.locator("[data-clock=running]").first.is_visible()
    shot(page, "pdp-03-breach-running")
    notify = page.locator("#notify-form")
    notify.get_by_label("Pemberitahuan ke lembaga").fill(_local(-timedelta(minutes=30)))
    notify.get_by_label("Pemberitahuan ke subjek data").fill(_local(-timedelta(minutes=10)))
    notify.get_by_role("button", name="Simpan pemberitahuan").click()
    page.get_by_text("Selesai tepat waktu").first.wait_for()
    shot(page, "pdp-04-breach-notified")

    # A correction request received 80 hours ago: overdue on the overview.
    page.get_by_role("link", name="Permintaan koreksi").first.click()
    page.wait_for_url("**/privasi/koreksi/")
    form = page.locator("#correction-form")
    form.get_by_label("Nomor surat/tiket").fill("SRT-7/PDP/2026")
    form.get_by_label("Diterima pada").fill(_local(-timedelta(hours=80)))
    form.get_by_label("Data yang diminta diperbaiki").select_option(label="Tanggal lahir")
    form.get_by_label("Dataset OPD pemilik").select_option(label="capil/penduduk")
    form.get_by_label("Uraian (tanpa NIK atau nama)").fill("hari dan bulan lahir tertukar")
    form.get_by_role("button", name="Catat permintaan").click()
    page.wait_for_url("**/privasi/koreksi/*/")
    assert page.locator("[data-clock=overdue]").first.is_visible()
    page.get_by_role("link", name="Ringkasan").click()
    page.wait_for_url("**/privasi/")
    assert page.locator("#stat-corrections-overdue").inner_text() == "1"
    assert page.locator("#stat-breaches-overdue").inner_text() == "0"
    shot(page, "pdp-05-overview")

    page.get_by_role("link", name="Catatan pemrosesan").click()
    page.wait_for_url("**/privasi/pemrosesan/")
    assert page.get_by_role("heading", name="Pasien puskesmas").is_visible()
    assert page.get_by_text("Data kesehatan").first.is_visible()
    shot(page, "pdp-06-record-of-processing")
    page.get_by_role("link", name="Penilaian dampak (DPIA)").click()
    page.wait_for_url("**/privasi/dpia/")
    assert page.get_by_role("heading", name="4. Risiko terhadap subjek data").is_visible()
    shot(page, "pdp-07-dpia")

    # The DPO may not open a person: 404, audited.
    response = page.goto(f"{base}/orang/{pdp_web.father.public_id}/")
    assert response.status == 404
    assert AuditEvent.objects.filter(actor_username="ppdp", outcome="denied").exists()
    assert Breach.objects.get().clock() == "on_time"
    assert CorrectionRequest.objects.get().clock() == "overdue"
