"""Browser walk of the walidata's set-up job (issue 16, "Done means"): from the browser only,
create an agency, a restricted dataset of it, an operator account, and grant the dataset to
another agency; then the new operator logs in and finds the dataset on the upload page.
Page loads are counted (every main-frame document load after the login) and screenshots are
taken at 1280 px and 390 px (test-artifacts/screenshots/60-69).

Same set-up as test_browser.py: headless Debian Chromium driven by Playwright, the small city
of conftest.build_cast rebuilt per test (live_server flushes the tables after each test).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from audit.models import AuditEvent
from registry.models import AccessLevel, Agency, Dataset, DatasetGrant
from registry.roles import Role, role_of
from tests.web import test_browser as walks
from tests.web.conftest import PASSWORD
from tests.web.test_browser import log_in, new_page, shot

pytestmark = walks.pytestmark
browser = walks.browser
web = walks.web

# The walk's budget: 4 forms, each one page to open and one redirect after saving, plus the
# list pages between them. Measured 12; a regression that adds a detour fails here.
MAX_PAGE_LOADS = 12


class LoadCounter:
    def __init__(self, page):
        self.count = 0
        page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.count += 1


def test_walidata_sets_up_an_agency_from_the_browser_only(browser, web, live_server):
    base = live_server.url
    page = new_page(browser)
    log_in(page, base, "walidata")
    loads = LoadCounter(page)

    page.get_by_role("navigation", name="Menu utama").get_by_role(
        "link", name="Administrasi"
    ).click()
    page.get_by_role("heading", name="Administrasi").wait_for()
    shot(page, "60-admin-index")

    # 1. The agency.
    page.get_by_role("link", name="OPD", exact=True).first.click()
    page.get_by_role("link", name="OPD baru").click()
    page.get_by_label("Kode").fill("dinkes")
    page.locator("#id_name").fill("Dinas Kesehatan")
    page.get_by_label("Jenis OPD").select_option("health")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_text("OPD dinkes dibuat.").wait_for()

    # 2. Its dataset, restricted, from the agency's row (the owner comes preselected).
    row = page.get_by_role("row").filter(has_text="Dinas Kesehatan")
    row.get_by_role("link", name="Tambah dataset").click()
    page.wait_for_url("**/walidata/kelola/dataset/baru/**")
    assert page.get_by_label("OPD pemilik").input_value() == str(
        Agency.objects.get(code="dinkes").pk
    )
    page.get_by_label("Nama singkat").fill("imunisasi")
    page.get_by_label("Judul").fill("Imunisasi anak")
    page.get_by_label("Frekuensi pemutakhiran").select_option("monthly")
    page.get_by_label("Tingkat akses").select_option("restricted")
    shot(page, "61-admin-dataset-form")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_text("Dataset dinkes/imunisasi dibuat.").wait_for()
    assert (
        page.get_by_role("row")
        .filter(has_text="Imunisasi anak")
        .get_by_text("Terbatas")
        .is_visible()
    )

    # 3. The operator account of the agency.
    page.get_by_role("link", name="Akun dan peran").click()
    page.get_by_role("link", name="Akun baru").click()
    page.get_by_label("Nama pengguna").fill("operator.dinkes")
    page.get_by_label("Nama lengkap").fill("Operator Dinkes")
    page.get_by_label("Kata sandi awal").fill(PASSWORD)
    page.get_by_label("Peran").select_option("operator")
    page.locator("#id_agency").select_option(label="Dinas Kesehatan (dinkes)")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_text("Akun operator.dinkes dibuat.").wait_for()
    shot(page, "62-admin-accounts")

    # 4. The grant: the new dataset shared with Bappeda for planning.
    page.get_by_role("link", name="Hak akses", exact=True).click()
    page.get_by_role("link", name="Hak akses baru").click()
    page.get_by_label("Dataset terbatas").select_option(label="Imunisasi anak (dinkes/imunisasi)")
    page.get_by_label("Diberikan kepada OPD").select_option(label="Bappeda (bappeda)")
    page.get_by_role("combobox", name="Tujuan").select_option("perencanaan")
    page.get_by_label("Uraian tujuan").fill("Cakupan imunisasi per kelurahan")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_text("dinkes/imunisasi dibagikan kepada bappeda.").wait_for()
    shot(page, "63-admin-grants")
    walidata_loads = loads.count

    phone = new_page(browser, phone=True)
    log_in(phone, base, "walidata")
    phone.goto(f"{base}/walidata/kelola/dataset/")
    shot(phone, "64-admin-datasets-phone")
    # No page wider than the phone: tables scroll inside their own box.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Everything landed, through the audited services.
    agency = Agency.objects.get(code="dinkes")
    dataset = Dataset.objects.get(agency=agency, name="imunisasi")
    assert dataset.access_level == AccessLevel.RESTRICTED
    assert dataset.update_frequency == "monthly"
    operator = get_user_model().objects.get(username="operator.dinkes")
    assert role_of(operator) == Role.OPERATOR and operator.profile.agency == agency
    grant = DatasetGrant.objects.get(dataset=dataset)
    assert grant.grantee.code == "bappeda" and grant.purpose_code == "perencanaan"
    actions = set(
        AuditEvent.objects.filter(actor_username="walidata", outcome="allowed").values_list(
            "action", flat=True
        )
    )
    assert {"agency.create", "dataset.create", "account.create", "grant.create"} <= actions

    # The new operator can log in and sees the agency's only dataset on the upload page.
    page.context.clear_cookies()
    log_in(page, base, "operator.dinkes")
    page.goto(f"{base}/unggah/")
    chosen = page.get_by_label("Dataset").locator("option:checked")
    assert chosen.inner_text() == "Imunisasi anak (imunisasi)"
    assert page.get_by_label("Dataset").locator("option").count() == 1

    print(f"walidata set-up walk: {walidata_loads} page loads")  # noqa: T201
    assert walidata_loads <= MAX_PAGE_LOADS


def test_planner_dashboard_map_sort_and_export(browser, web, live_server):
    """The planner's dashboard in a browser: the tile map drawn by the app, a table sorted by
    a click, and a CSV download, at 1280 px and 390 px."""
    base = live_server.url
    page = new_page(browser)
    log_in(page, base, "walidata")
    page.goto(f"{base}/perencanaan/")
    svg = page.locator("svg.tile-map")
    svg.wait_for()
    assert svg.locator("g.tile").count() > 0
    shot(page, "65-planner-dashboard")
    table = page.locator("#comp-h ~ .table-wrap table")
    header = table.get_by_role("button", name="Rekaman")
    header.click()
    assert table.locator("thead th").nth(1).get_attribute("aria-sort") == "ascending"
    header.click()
    assert table.locator("thead th").nth(1).get_attribute("aria-sort") == "descending"
    counts = [
        int(t.replace(".", ""))
        for t in table.locator("tbody td.num:nth-child(2)").all_inner_texts()
    ]
    assert counts == sorted(counts, reverse=True)
    with page.expect_download() as download:
        page.locator("#cov-h ~ .export-links").get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.startswith("perencanaan-coverage-")
    phone = new_page(browser, phone=True)
    log_in(phone, base, "walidata")
    phone.goto(f"{base}/perencanaan/")
    phone.locator("svg.tile-map").wait_for()
    shot(phone, "66-planner-dashboard-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
