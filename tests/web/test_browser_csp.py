"""Issue 14 item 10 in a real browser: under the strict CSP (no inline code) every page of
the main walks runs without a violation, the print button and the phone menu still work, and
a queued large upload's job page runs."""

from __future__ import annotations

from tests.web.conftest import csv_bytes
from tests.web.test_browser import browser, log_in, new_page, pytestmark  # noqa: F401

from .test_browser import web  # noqa: F401

PAGES = [
    "/",
    "/cari/",
    "/audit/",
    "/audit/verifikasi/",
    "/audit/akses/",
    "/audit/tidak-wajar/",
    "/sasaran-bansos/",
    "/perencanaan/",
    "/perencanaan/keluarga/",
    "/walidata/",
    "/tinjauan/",
    "/dtsen/usulan/",
    "/dtsen/sanggahan/",
    "/tidak-ada/",
]


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_walidata_pages_run_without_csp_violations(browser, web, live_server):  # noqa: F811
    base = live_server.url
    page = new_page(browser)
    problems = watch(page)
    log_in(page, base, "walidata")
    for path in PAGES:
        page.goto(f"{base}{path}")
    page.goto(f"{base}/audit/subjek/?person={web.father.public_id}")
    page.evaluate("window.print = () => { document.body.dataset.printed = '1'; }")
    page.get_by_role("button", name="Cetak").click()
    assert page.evaluate("document.body.dataset.printed") == "1"
    assert problems == []


def test_queued_large_upload_job_page_runs_without_csp_violations(
    browser,  # noqa: F811
    web,  # noqa: F811
    live_server,
    tmp_path,
    settings,
):
    """A large upload is queued (never imported in the request): its job page, which follows
    the job until it ends, runs under the CSP without a violation."""
    settings.WEB_IMPORT_PROGRESS_MIN_ROWS = 1
    base = live_server.url
    page = new_page(browser)
    problems = watch(page)
    log_in(page, base, "operator")
    row = ["CAP-8", "3671011708000001", "3671010310080006", "Rina Wati", "P", "Tangerang",
           "2000-08-17", "Jl. Baru 2", "1", "2", "Sukarasa", "Tangerang", "ANAK", "", "", "", "",
           ""]  # fmt: skip
    path = tmp_path / "penduduk-baru.csv"
    path.write_bytes(csv_bytes([row]))
    page.goto(f"{base}/unggah/")
    page.get_by_label("Dataset").select_option(label="Data Penduduk (penduduk)")
    page.get_by_label("Berkas (CSV atau XLSX)").set_input_files(str(path))
    page.get_by_role("button", name="Periksa berkas").click()
    page.wait_for_url("**/laporan/")
    page.get_by_role("button", name="Impor semua baris").click()
    page.wait_for_url("**/unggah/pekerjaan/*/")
    page.reload()
    assert problems == []
