"""Browser walk of issue 18 item 1, counted in page loads: a Dinsos analyst opens the aid
targeting check of recipients in high deciles, sees that the decile comes from the national
DTSEN extract (its quarter named), and follows the recipient to the household page, which shows
the household's DTSEN decile history. Screenshots at 1280 px and 390 px (names 90-92).

Set-up of tests/web/test_browser.py (one headless Debian Chromium per module, the small
imported + linked city of conftest.build_cast), plus a restricted DTSEN dataset of Dinsos with
two quarters for the Santoso KK: desil 3 (Q2) then desil 7 (Q3), while Dinsos' own DTKS row
estimates desil 2.
"""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from registry.ingest.reading import ParsedFile
from registry.models import AccessLevel, Dataset, DatasetKind, HouseholdDecile
from registry.services.imports import records_import
from tests.web import test_browser as walks
from tests.web.conftest import FATHER_NIK, KK
from tests.web.test_browser import log_in, new_page, shot
from tests.web.test_browser_roles import (
    VIEWPORTS,
    LoadCounter,
    assert_no_horizontal_overflow,
    set_purpose,
)

pytestmark = walks.pytestmark
browser = walks.browser
web = walks.web


def _dtsen_extract(web):
    dataset = Dataset.objects.create(
        agency=web.dinsos, name="dtsen", title="Desil DTSEN", producer="Kemensos",
        access_level=AccessLevel.RESTRICTED, kind=DatasetKind.DTSEN,
    )  # fmt: skip
    for decile, quarter in (("3", "2026-Q2"), ("7", "Triwulan III 2026")):
        row = {"nik": FATHER_NIK, "kk_number": KK, "welfare_decile": decile, "period": quarter}
        batch = records_import(dataset=dataset, parsed=ParsedFile(rows=[(2, row)])).batch
        assert batch.status == "imported"
    assert HouseholdDecile.objects.count() == 2


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_dinsos_sees_the_dtsen_source_and_the_decile_history(browser, web, live_server, viewport):
    _dtsen_extract(web)
    base = live_server.url
    page = new_page(browser, phone=VIEWPORTS[viewport])
    log_in(page, base, "analyst")
    set_purpose(page, base)

    loads = LoadCounter(page)
    page.goto(f"{base}/sasaran-bansos/")  # load 1: the checks
    tile = page.get_by_role("link").filter(has_text="Penerima di desil kesejahteraan 6 ke atas")
    assert tile.locator(".stat").inner_text() == "1"  # DTSEN's 7, not the estimate's 2
    tile.click()
    page.wait_for_url("**/sasaran-bansos/high_decile/")  # load 2: the list
    header = page.get_by_role("columnheader", name="Sumber desil")
    header.wait_for()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=web.father.public_id))
    assert row.get_by_role("cell", name="DTSEN Triwulan III 2026").is_visible()
    assert row.get_by_role("cell", name="7", exact=True).is_visible()
    shot(page, f"90-dinsos-targeting-dtsen-source-{viewport}")
    assert_no_horizontal_overflow(page)

    row.get_by_role("link", name=web.father.public_id).click()
    page.wait_for_url(f"**/orang/{web.father.public_id}/")  # load 3: the recipient
    page.locator(f'a[href$="/keluarga/{web.household.public_id}/"]').first.click()
    page.wait_for_url(f"**/keluarga/{web.household.public_id}/")  # load 4: the household
    history = page.get_by_role("region", name="Riwayat desil DTSEN")
    history.wait_for()
    assert loads.count == 4, loads.urls
    table = [
        [cell.inner_text() for cell in r.get_by_role("cell").all()]
        for r in history.get_by_role("row").all()[1:]
    ]
    assert [r[:2] for r in table] == [["Triwulan III 2026", "7"], ["Triwulan II 2026", "3"]]
    assert all("Desil DTSEN (dinsos)" in r[2] for r in table)
    assert page.locator("#dtsen-decile").inner_text().startswith("7")
    shot(page, f"91-dinsos-household-decile-history-{viewport}")
    assert_no_horizontal_overflow(page)
    viewed = AuditEvent.objects.filter(action="household.view", actor_username="analyst").last()
    assert viewed.detail["dtsen_deciles"] == 2


def test_planner_sees_no_dtsen_history(browser, web, live_server):
    """The planner reads DTKS by grant but not the DTSEN dataset: no history, no hint of it."""
    _dtsen_extract(web)
    base = live_server.url
    page = new_page(browser)
    log_in(page, base, "planner")
    set_purpose(page, base)
    response = page.goto(f"{base}/keluarga/{web.household.public_id}/")
    if response.status == 200:  # the planner may or may not see this household at all
        assert "DTSEN" not in page.content()
        shot(page, "92-planner-household-without-dtsen")
    else:
        assert response.status == 404
