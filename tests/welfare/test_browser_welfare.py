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


def test_an_objection_is_filed_verified_with_a_death_and_decided(browser, city, live_server,
                                                                  tmp_path):  # fmt: skip
    """A citizen's objection on the Santoso family (receives PKH) entered by Dinsos with a
    house photo and GPS; assigned, verified (the head of the family has died: the registry
    gets the death date through the verification dataset), upheld; the walidata's board
    escalates an overdue one."""
    import datetime as dt

    from registry.models import Person
    from registry.welfare.models import Objection

    base = live_server.url
    page = new_page(browser)
    problems = watch(page)
    log_in(page, base, "analyst")
    set_purpose(page, base)
    photo = tmp_path / "rumah-santoso.png"
    from .conftest import PNG

    photo.write_bytes(PNG)
    loads = LoadCounter(page)
    page.goto(f"{base}/keluarga/{city.household.public_id}/")  # load 1
    page.get_by_role("link", name="Catat sanggahan").click()  # load 2
    page.wait_for_url("**/dtsen/sanggahan/baru/**")
    form = page.locator("#objection-form")
    form.get_by_label("Jenis sanggahan").select_option(label="Menerima bantuan padahal tidak layak")
    form.get_by_label("Diajukan oleh").select_option(label="Warga (dicatat petugas)")
    form.get_by_label("Uraian").fill("Tetangga melapor: kepala keluarga sudah meninggal")
    form.get_by_label("Lintang (GPS)").fill("-6.178306")
    form.get_by_label("Bujur (GPS)").fill("106.631889")
    form.get_by_label("Foto rumah (JPEG/PNG)").set_input_files(str(photo))
    shot(page, "84-dinsos-objection-form")
    form.get_by_role("button", name="Catat sanggahan").click()  # load 3
    page.wait_for_url("**/dtsen/sanggahan/*/")
    assert loads.count == 3, loads.urls
    page.locator("#assign-form").get_by_label("Petugas verifikasi").select_option(label="petugas")
    page.locator("#assign-form").get_by_role("button", name="Tugaskan").click()
    page.locator("#objection-state[data-state=assigned]").wait_for()
    verify = page.locator("#verify-form")
    verify.get_by_label("Hasil verifikasi lapangan").fill("Benar, meninggal 2 November 2026")
    verify.get_by_label("Perubahan keadaan yang ditemukan").select_option("death")
    verify.get_by_label("Anggota keluarga").select_option(city.father.public_id)
    verify.get_by_label("Tanggal kematian").fill("2026-11-02")
    shot(page, "85-dinsos-objection-verification")
    verify.get_by_role("button", name="Simpan hasil verifikasi").click()
    page.locator("#objection-state[data-state=verified]").wait_for()
    resolve = page.locator("#resolve-form")
    resolve.get_by_role("combobox", name="Keputusan").select_option("upheld")
    resolve.get_by_label("Dasar keputusan").fill(
        "Diusulkan keluar dari PKH; akta kematian menyusul"
    )
    resolve.get_by_role("button", name="Simpan keputusan").click()
    page.locator("#objection-state[data-state=upheld]").wait_for()
    shot(page, "86-dinsos-objection-upheld")
    assert Person.objects.get(pk=city.father.pk).death_date == dt.date(2026, 11, 2)
    item = Objection.objects.get()
    assert item.attachments.get().content_type == "image/png"
    assert float(item.latitude) == -6.178306

    # An overdue one (filed 20 days ago) on the walidata's board.
    services.objection_file(
        viewer=viewer(city, "analyst"), household_public_id=city.other.public_id,
        kind="exclusion", description="tidak menerima bantuan",
        now=timezone.now() - dt.timedelta(days=20),
    )  # fmt: skip
    board = new_page(browser)
    board_problems = watch(board)
    log_in(board, base, "walidata")
    board.goto(f"{base}/walidata/")
    assert board.locator("#overdue-objections").inner_text() == "1"
    assert board.locator("[data-days-overdue]").first.inner_text() == "6"
    shot(board, "87-walidata-board-overdue-objections")
    assert problems == [] and board_problems == []
