"""Browser walks of issue 16's daily jobs, counted in page loads, with screenshots at 1280 px
and 390 px (test-artifacts/screenshots/, names 60-79) checked for horizontal overflow:

- Dinsos (analyst): from a NIK to the household's aid in at most 2 page loads (the search
  page, then the profile the exact hit opens, with the household's aid at the top); from a
  KK number to the household page the same way; search as you type.
- Auditor: from a citizen's NIK to who viewed that person, without the profile.

Same set-up as test_browser.py (one headless Debian Chromium per module, the small imported +
linked city of conftest.build_cast), plus the household's aid rows of
test_household_aid_search.
"""

from __future__ import annotations

import pytest

from registry.linking import link
from registry.models import SourceRecord
from tests.web import test_browser as walks
from tests.web.conftest import FATHER_NIK, KK, _import
from tests.web.test_browser import log_in, new_page, shot
from tests.web.test_household_aid_search import AID_ROWS, WIFE_NIK

pytestmark = walks.pytestmark
browser = walks.browser
web = walks.web

VIEWPORTS = {"desktop": False, "phone": True}  # 1280 x 900 and 390 x 844


class LoadCounter:
    """Counts documents loaded in the main frame: a redirect and its target are one load, a
    same-document history update (search as you type) is none."""

    def __init__(self, page):
        self.urls: list[str] = []
        self.page = page
        page.on("load", self._seen)

    def _seen(self, page):
        self.urls.append(page.url)

    def reset(self):
        self.urls.clear()

    @property
    def count(self) -> int:
        return len(self.urls)


def assert_no_horizontal_overflow(page):
    width = page.evaluate("window.innerWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')]
        .filter(e => !(e.parentElement && e.parentElement.closest('.table-wrap')))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))"""
    )
    assert scroll <= width, (scroll, width, wide)


def set_purpose(page, base):
    # Chosen once per session (30 minutes) before the day's work: not part of the job's count.
    page.goto(f"{base}/tujuan/?next=/")
    page.get_by_role("combobox", name="Tujuan").select_option("verifikasi-bansos")
    page.get_by_label("Uraian tujuan").fill("uji peramban: verifikasi PKH keluarga")
    page.get_by_role("button", name="Lanjutkan").click()
    page.wait_for_url(f"{base}/")


def household_aid(web):
    _import(web.dtks, AID_ROWS)
    link(full=True)
    wife = SourceRecord.objects.get(agency=web.capil, source_record_id="CAP-2", is_current=True)
    return wife.link.person


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_dinsos_finds_a_households_aid_from_a_nik_in_two_page_loads(
    browser, web, live_server, viewport
):
    wife = household_aid(web)
    base = live_server.url
    page = new_page(browser, phone=VIEWPORTS[viewport])
    log_in(page, base, "analyst")
    set_purpose(page, base)

    loads = LoadCounter(page)
    page.goto(f"{base}/cari/")  # load 1: the search page
    page.get_by_label("NIK", exact=True).fill(WIFE_NIK)
    page.get_by_role("button", name="Cari", exact=True).click()
    page.wait_for_url(f"**/orang/{wife.public_id}/")  # load 2: the exact hit's profile
    summary = page.get_by_role("region", name="Bantuan sekilas")
    summary.wait_for()
    assert loads.count == 2, loads.urls
    # The household's aid, totalled, is on this page, at its top.
    assert summary.get_by_text("Rp1.750.000").first.is_visible()
    assert summary.get_by_role("rowheader", name="Triwulan I 2024").is_visible()
    top = summary.bounding_box()["y"]
    sources = page.get_by_role("heading", name="Rekaman sumber").bounding_box()["y"]
    assert top < sources
    assert top < page.viewport_size["height"], "the aid summary starts below the first screen"
    shot(page, f"60-dinsos-nik-to-household-aid-{viewport}")
    assert_no_horizontal_overflow(page)
    if viewport == "desktop":
        assert_no_clipped_table(page)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_dinsos_opens_the_household_from_a_kk_number(browser, web, live_server, viewport):
    household_aid(web)
    base = live_server.url
    page = new_page(browser, phone=VIEWPORTS[viewport])
    log_in(page, base, "analyst")
    set_purpose(page, base)
    loads = LoadCounter(page)
    page.goto(f"{base}/cari/")
    page.get_by_label("Nomor KK", exact=True).fill(KK)
    page.get_by_role("button", name="Cari", exact=True).click()
    page.wait_for_url(f"**/keluarga/{web.household.public_id}/")
    aid = page.get_by_role("region", name="Bantuan yang diterima keluarga ini")
    aid.wait_for()
    assert loads.count == 2, loads.urls
    assert aid.get_by_role("rowheader", name="Triwulan II 2024").is_visible()
    shot(page, f"61-dinsos-kk-to-household-{viewport}")
    assert_no_horizontal_overflow(page)
    if viewport == "desktop":
        assert_no_clipped_table(page)


def test_search_as_you_type_and_not_found(browser, web, live_server):
    household_aid(web)  # the analyst reads DTKS only: the wife's BPNT rows put her there
    base = live_server.url
    page = new_page(browser)
    log_in(page, base, "analyst")
    set_purpose(page, base)
    loads = LoadCounter(page)
    page.goto(f"{base}/cari/")
    page.get_by_label("Nama", exact=True).press_sequentially("Fatim", delay=30)
    # No submit: the results arrive as the user types.
    page.get_by_role("link", name="FATIMAH").wait_for()
    assert page.get_by_text("1 orang ditemukan").is_visible()
    assert loads.count == 1, loads.urls
    shot(page, "62-search-as-you-type")
    page.get_by_label("Nama", exact=True).fill("zzzzqqq")
    page.get_by_role("button", name="Cari", exact=True).click()
    page.get_by_role("heading", name="Tidak ditemukan").wait_for()
    shot(page, "63-search-not-found")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_auditor_finds_who_viewed_a_person_from_a_nik(browser, web, live_server, viewport):
    base = live_server.url
    analyst = new_page(browser)
    log_in(analyst, base, "analyst")
    set_purpose(analyst, base)
    analyst.goto(f"{base}/cari/")
    analyst.get_by_label("NIK", exact=True).fill(FATHER_NIK)
    analyst.get_by_role("button", name="Cari", exact=True).click()
    analyst.wait_for_url(f"**/orang/{web.father.public_id}/")
    analyst.context.close()

    page = new_page(browser, phone=VIEWPORTS[viewport])
    log_in(page, base, "auditor")
    loads = LoadCounter(page)
    page.goto(f"{base}/audit/akses/")
    page.get_by_label("NIK", exact=True).fill(FATHER_NIK)
    page.get_by_role("button", name="Cari aksesnya").click()
    heading = page.get_by_role("heading", name="Akses ke orang dengan NIK ****************")
    heading.wait_for()
    assert loads.count == 2, loads.urls
    rows = page.locator("tbody tr").filter(has_text="analyst")
    assert rows.filter(has_text="Profil orang dilihat").count() == 1
    assert rows.filter(has_text="Pencarian orang").count() == 1
    body = page.locator("body").inner_text()
    assert FATHER_NIK not in body and "SANTOSO" not in body
    shot(page, f"64-auditor-nik-who-viewed-{viewport}")
    assert_no_horizontal_overflow(page)
    if viewport == "desktop":
        assert_no_clipped_table(page)


def assert_no_clipped_table(page):
    """Every table fits its scroll box: no column hidden behind a horizontal scrollbar."""
    clipped = page.evaluate(
        """[...document.querySelectorAll('.table-wrap')]
        .filter(w => w.scrollWidth > w.clientWidth + 1)
        .map(w => [w.scrollWidth, w.clientWidth, w.querySelector('th') &&
                   w.querySelector('th').textContent])"""
    )
    assert not clipped, clipped


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_targeting_household_stack_by_quarter_without_clipped_columns(
    browser, web, live_server, viewport
):
    household_aid(web)
    # BLT for March: with PKH (January) and BPNT (February, March) three cash programs in
    # the first quarter of 2024, though no two rows share a period string.
    _import(
        web.dtks,
        [["DTKS-5", FATHER_NIK, KK, "INMAM SANTOSO", "L", "Pandeglang", "1974-08-30",
          "Jl. Ki Samaun No. 80", "11", "12", "Sukarasa", "Tangerang", "KEPALA KELUARGA", "",
          "2", "BLT", "2024-03", "600000"]],
    )  # fmt: skip
    link(full=True)
    base = live_server.url
    page = new_page(browser, phone=VIEWPORTS[viewport])
    log_in(page, base, "analyst")
    set_purpose(page, base)
    page.goto(f"{base}/sasaran-bansos/")
    assert page.get_by_role("cell", name="Program tunai bertumpuk dalam satu keluarga").is_visible()
    shot(page, f"65-targeting-index-{viewport}")
    assert_no_horizontal_overflow(page)
    page.goto(f"{base}/sasaran-bansos/overlap/?rule=household_cash_stack")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=web.household.public_id))
    assert row.get_by_role("cell", name="Triwulan I 2024").is_visible()
    assert row.get_by_role("cell", name="BLT, BPNT, PKH").is_visible()
    assert page.get_by_text("Menampilkan 1–1 dari 1").is_visible()
    shot(page, f"66-targeting-stack-list-{viewport}")
    assert_no_horizontal_overflow(page)
    if viewport == "desktop":
        assert_no_clipped_table(page)
