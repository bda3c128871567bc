"""Browser walks (headless Debian Chromium, Playwright), counted in page loads, with
screenshots (test-artifacts/screenshots/, names 80-89) and no CSP violation:

- Dinsos (social analyst) drafts a DTSEN proposal from a household page, with a house photo
  as evidence, then records the kelurahan meeting's approval: 4 page loads from the household.
- The walidata exports the approved batch for SIKS-NG and downloads the CSV: 2 page loads
  from the proposal list; the file holds exactly the approved family.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from registry.welfare import services
from registry.welfare.models import Proposal
from tests.web import test_browser as walks
from tests.web.conftest import build_cast
from tests.web.test_browser import log_in, new_page, shot
from tests.web.test_browser_csp import watch
from tests.web.test_browser_roles import LoadCounter, assert_no_horizontal_overflow, set_purpose

from .conftest import JPEG, POOR_ROWS, add_welfare_cast, viewer

pytestmark = walks.pytestmark
browser = walks.browser


@pytest.fixture
def city(transactional_db, live_server, settings, tmp_path):
    settings.WELFARE_ATTACHMENT_DIR = tmp_path / "lampiran"
    return add_welfare_cast(build_cast())


def test_dinsos_drafts_a_proposal_from_a_household_and_records_the_kelurahan_approval(
    browser, city, live_server, tmp_path
):
    base = live_server.url
    page = new_page(browser)
    problems = watch(page)
    log_in(page, base, "analyst")
    set_purpose(page, base)
    photo = tmp_path / "rumah-rahmawati.jpg"
    photo.write_bytes(JPEG)

    loads = LoadCounter(page)
    page.goto(f"{base}/keluarga/{city.poor.public_id}/")  # load 1: the household
    page.get_by_role("link", name="Usulkan ke DTSEN").click()  # load 2: the form
    page.wait_for_url("**/dtsen/usulan/baru/**")
    assert page.get_by_text("SITI RAHMAWATI").first.is_visible()
    form = page.locator("#proposal-form")
    form.get_by_label("Jenis usulan").select_option(label="Tambah keluarga")
    form.get_by_label("Alasan").select_option(label="Keluarga miskin/rentan belum terdata")
    form.get_by_label("Keterangan").fill("Ibu tunggal, anak putus sekolah, rumah menumpang")
    form.get_by_label("Bukti (JPEG, PNG atau PDF)").set_input_files(str(photo))
    shot(page, "80-dinsos-proposal-form")
    form.get_by_role("button", name="Simpan draf usulan").click()  # load 3: the proposal
    page.wait_for_url("**/dtsen/usulan/*/")
    assert page.locator("#proposal-state").get_attribute("data-state") == "draft"
    approve = page.locator("#approve-form")
    approve.get_by_label("Tanggal musyawarah kelurahan").fill(timezone.localdate().isoformat())
    approve.get_by_label("Nomor berita acara").fill("BA-12/MUSKEL/SUKARASA/XI/2026")
    approve.get_by_role("button", name="Catat persetujuan").click()  # load 4
    page.locator("#proposal-state[data-state=approved]").wait_for()
    assert loads.count == 4, loads.urls
    shot(page, "81-dinsos-proposal-approved")
    assert_no_horizontal_overflow(page)
    proposal = Proposal.objects.get()
    assert proposal.state == "approved" and proposal.household == city.poor
    assert proposal.attachments.get().content_type == "image/jpeg"
    assert problems == []


def test_walidata_exports_the_approved_batch_for_siks_ng(browser, city, live_server):
    analyst = viewer(city, "analyst")
    for household in (city.poor, city.other):
        p = services.proposal_create(
            viewer=analyst, household_public_id=household.public_id, kind="add",
            reason="poor_not_listed",
        )  # fmt: skip
    services.proposal_approve(
        viewer=analyst, proposal=Proposal.objects.get(household=city.poor),
        meeting_date=timezone.localdate(), minutes_ref="BA-12",
    )  # fmt: skip
    assert p.state == "draft"  # the Hidayat family: drafted, not approved, not exported
    base = live_server.url
    page = new_page(browser)
    problems = watch(page)
    log_in(page, base, "walidata")
    set_purpose(page, base)

    loads = LoadCounter(page)
    page.goto(f"{base}/dtsen/usulan/")  # load 1
    assert page.locator("#approved-count").inner_text() == "1"
    shot(page, "82-walidata-proposals")
    page.get_by_role("button", name="Ekspor batch dan tandai terkirim").click()  # load 2
    page.wait_for_url("**/dtsen/usulan/ekspor/*/")
    shot(page, "83-walidata-export-batch")
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh CSV").click()
    content = download.value.path().read_bytes().decode("utf-8-sig")
    assert loads.count == 2, loads.urls
    rows = list(csv.DictReader(io.StringIO(content)))
    assert sorted(r["NIK"] for r in rows) == sorted(r[1] for r in POOR_ROWS)
    assert Proposal.objects.get(household=city.poor).state == "sent"
    assert Proposal.objects.get(household=city.other).state == "draft"
    assert problems == []
