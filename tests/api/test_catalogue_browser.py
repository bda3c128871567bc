"""Browser walk of the public catalogue (headless Chromium, no login): the list, an open
dataset's page with its metadata and suppressed tables. Screenshots: catalogue-*."""

from __future__ import annotations

from tests.api.test_catalogue import OPEN, catalogue_city  # noqa: F401
from tests.web.test_browser import browser, new_page, pytestmark, shot  # noqa: F401


def test_public_catalogue_walk(browser, catalogue_city, live_server):  # noqa: F811
    page = new_page(browser)
    page.goto(f"{live_server.url}/katalog/")
    assert page.get_by_role("heading", name="Katalog data terbuka").is_visible()
    assert page.get_by_role("link", name="DTKS rahasia").count() == 0
    shot(page, "catalogue-01-index")
    page.get_by_role("link", name="Penduduk terbuka").click()
    page.wait_for_url(f"**/katalog/{OPEN}/")
    kelurahan = page.locator("table[data-level=kelurahan]")
    assert kelurahan.get_by_role("cell", name="<11").count() >= 2
    assert page.get_by_role(
        "cell", name="Kode wilayah Kemendagri (Kepmendagri 300.2.2-2138/2025)"
    ).first.is_visible()
    shot(page, "catalogue-02-dataset")
    # the harvest link answers in CKAN's envelope
    page.get_by_role("link", name="package_show").click()
    assert '"success": true' in page.content()
