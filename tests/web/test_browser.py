"""Browser walks in headless Chromium (Debian's `chromium`, driven by Playwright; no browser
download): login → search → person → household; an operator's upload with a bad row; a role
refused a page (404, audited). Screenshots of each main page go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from audit.models import AuditEvent
from tests.web.conftest import PASSWORD, build_cast, csv_bytes

CHROMIUM = os.environ.get("SATUDATA_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"),
        reason="Debian chromium is not installed (make test installs it)",
    ),
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary synchronous code, not calls from async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def web(transactional_db, live_server, upload_dir):
    return build_cast()


def new_page(browser, *, phone=False):
    if phone:
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    else:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page, base, username):
    page.goto(f"{base}/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base}/")


def give_purpose(page):
    page.get_by_role("combobox", name="Tujuan").select_option("verifikasi-bansos")
    page.get_by_label("Uraian tujuan").fill("uji peramban: verifikasi PKH")
    page.get_by_role("button", name="Lanjutkan").click()


def test_search_person_household_walk(browser, web, live_server):
    base = live_server.url
    page = new_page(browser)
    page.goto(f"{base}/masuk/")
    shot(page, "01-login")
    log_in(page, base, "walidata")
    shot(page, "02-home-walidata")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Cari orang").click()
    # A page with personal data asks for the purpose first.
    page.wait_for_url("**/tujuan/**")
    shot(page, "03-purpose")
    give_purpose(page)
    page.wait_for_url("**/cari/")
    page.get_by_label("Nama").fill("Inmam Santosa")  # a typo: still found
    page.get_by_role("button", name="Cari", exact=True).click()
    page.get_by_role("link", name="INMAM SANTOSO").wait_for()
    assert page.get_by_role("cell", name="Sukarasa").is_visible()
    shot(page, "04-search-results")
    page.get_by_role("link", name="INMAM SANTOSO").click()
    page.wait_for_url(f"**/orang/{web.father.public_id}/")
    assert page.get_by_role("heading", name="Nilai registri").is_visible()
    assert page.get_by_text("Rp750.000").first.is_visible()
    shot(page, "05-person")
    page.get_by_role("link", name=f"Keluarga {web.household.public_id}").click()
    page.wait_for_url(f"**/keluarga/{web.household.public_id}/")
    assert page.get_by_role("link", name="FATIMAH").is_visible()
    shot(page, "06-household")
    # From the household to another member's page.
    page.get_by_role("link", name="FATIMAH").click()
    page.wait_for_url("**/orang/*/")
    assert page.get_by_role("heading", name="FATIMAH").is_visible()
    views = AuditEvent.objects.filter(actor_username="walidata", action="person.view")
    assert views.count() == 2
    assert set(views.values_list("purpose_code", flat=True)) == {"verifikasi-bansos"}

    # English on request, same page.
    page.get_by_role("button", name="EN").click()
    page.wait_for_url("**/en/orang/*/")
    assert page.get_by_role("heading", name="Registry values").is_visible()
    shot(page, "07-person-english")

    # Merged id: the browser lands on the survivor.
    page.goto(f"{base}/orang/{web.merged.public_id}/")
    page.wait_for_url(f"**/orang/{web.father.public_id}/")


def test_person_page_on_a_phone(browser, web, live_server):
    base = live_server.url
    page = new_page(browser, phone=True)
    log_in(page, base, "analyst")
    shot(page, "08-home-phone")
    page.get_by_role("button", name="Menu").click()
    shot(page, "08-menu-phone")
    nav = page.get_by_role("navigation", name="Menu utama")
    nav.get_by_role("link", name="Cari orang").click()
    give_purpose(page)
    page.get_by_label("NIK").fill("3671013008740001")
    page.get_by_role("button", name="Cari", exact=True).click()
    # An exact NIK hit opens the profile directly.
    page.wait_for_url("**/orang/*/")
    # Nothing wider than the screen but the scrollable tables.
    shot(page, "08-person-phone")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')]
        .filter(e => !(e.parentElement && e.parentElement.closest('.table-wrap')))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))"""
    )
    assert overflow <= 1, wide


def test_operator_upload_with_a_bad_row(browser, web, live_server, tmp_path):
    base = live_server.url
    page = new_page(browser)
    log_in(page, base, "operator")
    page.get_by_role("link", name="Unggah data").first.click()
    bad = ["CAP-9", "", "", "", "X", "Tangerang",
           "31-31-1990", "Jl. Baru 1", "1", "2", "Sukarasa", "Tangerang", "ANAK", "", "", "", "",
           ""]  # fmt: skip
    good = ["CAP-8", "3671011708000001", "3671010310080006", "Rina Wati", "P", "Tangerang",
            "2000-08-17", "Jl. Baru 2", "1", "2", "Sukarasa", "Tangerang", "ANAK", "", "", "", "",
            ""]  # fmt: skip
    path = tmp_path / "penduduk-baru.csv"
    path.write_bytes(csv_bytes([good, bad]))
    page.get_by_label("Dataset").select_option(label="Data Penduduk (penduduk)")
    page.get_by_label("Berkas (CSV atau XLSX)").set_input_files(str(path))
    shot(page, "09-upload")
    page.get_by_role("button", name="Periksa berkas").click()
    page.wait_for_url("**/laporan/")
    table = page.get_by_role("table", name="Baris bermasalah")
    first_bad = table.get_by_role("row").filter(has_text="Nama").first  # no name, no NIK/KK
    assert first_bad.get_by_role("cell").first.inner_text() == "3"
    assert page.get_by_role("button", name="Impor semua baris").count() == 0
    shot(page, "10-validation-report")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Impor 1 baris valid saja").click()
    page.wait_for_url("**/impor/*/")
    assert page.get_by_text("Sebagian diimpor").first.is_visible()
    shot(page, "11-batch")
    page.get_by_role("link", name="Riwayat impor").first.click()
    page.wait_for_url("**/impor/")
    shot(page, "12-batch-history")


def test_refused_page_is_404_and_audited(browser, web, live_server):
    base = live_server.url
    page = new_page(browser)
    log_in(page, base, "auditor")
    shot(page, "13-home-auditor")
    response = page.goto(f"{base}/unggah/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Halaman tidak ditemukan").is_visible()
    shot(page, "14-not-found")
    event = AuditEvent.objects.filter(action="page.view", outcome="denied").latest("id")
    assert event.actor_username == "auditor"
    assert event.object_id == "upload"
