"""Browser walks of the daily flows issue 6 names beyond search → profile → household: a
planner's household query (counts, masked list, saved query, audited run), the walidata
deciding a pair in the review queue, the auditor finding a profile view just made, and the
analyst's aid-targeting drill-down with its audited XLSX export.

Same set-up as test_browser.py: one headless Debian Chromium per module (its `browser`
fixture) and the small imported + linked city of conftest.build_cast. The city cannot be
shared across tests: live_server forces transactional_db, which flushes every table after
each test, so each walk rebuilds it (a few seconds). Screenshots go to
test-artifacts/screenshots/ (names 20-59, after test_browser.py's 01-14).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from registry.linking import link, refresh_persons
from registry.models import (
    Person,
    RecordLink,
    ReviewTask,
    SavedHouseholdQuery,
    SourceRecord,
    new_public_id,
)
from registry.services.accounts import grant_create
from tests.web import test_browser as walks
from tests.web.conftest import ADDR, FATHER_NIK, KK, _import
from tests.web.test_browser import log_in, new_page, shot

pytestmark = walks.pytestmark  # browser marker; skipped without Debian chromium
# Fixtures reused from the first walks: one Chromium for this module, the imported + linked city.
browser = walks.browser
web = walks.web

FULL_NUMBER = re.compile(r"(?<!\d)\d{16}(?!\d)")  # an unmasked NIK or KK


def choose_purpose(page, code: str, text: str) -> None:
    page.wait_for_url("**/tujuan/**")
    page.get_by_role("combobox", name="Tujuan").select_option(code)
    page.get_by_label("Uraian tujuan").fill(text)
    page.get_by_role("button", name="Lanjutkan").click()


def menu_link(page, name: str):
    return page.get_by_role("navigation", name="Menu utama").get_by_role("link", name=name)


# --- 1. planner: household query -------------------------------------------------------------


def test_planner_household_query_counts_list_saved_and_audited(browser, web, live_server):
    # Bappeda may read the social-affairs register under a grant (the usual set-up for
    # planning); without one the planner's counts are all zero.
    grant_create(
        actor=web.users["walidata"],
        dataset=web.dtks,
        grantee=web.bappeda,
        purpose_code="perencanaan",
        purpose_text="RKPD 2026",
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    kelurahan = web.household.kelurahan_code
    base = live_server.url
    page = new_page(browser)
    log_in(page, base, "planner")
    menu_link(page, "Kueri keluarga").click()
    choose_purpose(page, "perencanaan", "uji peramban: sasaran RTLH 2026")
    page.wait_for_url("**/perencanaan/keluarga/")
    page.get_by_label("Kode kelurahan").fill(kelurahan)
    page.get_by_label("Desil sampai").fill("4")
    page.get_by_role("button", name="Jumlah", exact=True).click()

    # Counts first: one household of three, and no list until asked for.
    result = page.get_by_role("region", name="Hasil")
    result.wait_for()
    stats = result.locator(".stats .card")
    assert stats.nth(0).inner_text().split() == ["1", "keluarga"]
    assert stats.nth(1).inner_text().split()[0] == "3"
    assert result.get_by_role("table").count() == 0
    shot(page, "20-household-query-counts")

    # Save the query: back on the same counts, with the saved query listed.
    page.get_by_label("Simpan kueri ini sebagai").fill("Sukarasa desil 1-4")
    page.get_by_role("button", name="Simpan", exact=True).click()
    page.get_by_text("Kueri disimpan.").wait_for()
    saved_list = page.get_by_role("region", name="Kueri tersimpan Anda")
    assert saved_list.get_by_role("link", name="Sukarasa desil 1-4").is_visible()
    saved = SavedHouseholdQuery.objects.get(owner=web.users["planner"])
    assert saved.filters == {"kelurahan_code": kelurahan, "decile_max": 4}

    # Then the list, NIK and KK masked.
    page.get_by_role("link", name="Tampilkan daftar (NIK dan KK disamarkan)").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=web.household.public_id))
    row.wait_for()
    assert row.get_by_role("cell", name="Sukarasa").is_visible()
    assert row.locator("code").inner_text() == KK[:4] + "*" * 8 + KK[-4:]
    body = page.locator("body").inner_text()
    assert not FULL_NUMBER.search(body), FULL_NUMBER.search(body)
    html = page.content()
    assert KK not in html and FATHER_NIK not in html
    shot(page, "21-household-query-list")

    # The saved query runs again from its link.
    saved_list.get_by_role("link", name="Sukarasa desil 1-4").click()
    page.wait_for_url(f"**/perencanaan/keluarga/?saved={saved.pk}")
    assert page.get_by_role("region", name="Hasil").locator(".stat").first.inner_text() == "1"
    shot(page, "22-household-query-saved")

    # Every run is in the trail with its filters and purpose: count, list, saved re-run.
    runs = list(
        AuditEvent.objects.filter(action="report.household_query", actor_username="planner")
        .order_by("id")
        .values("query", "detail", "purpose_code", "purpose_text", "persons")
    )
    assert len(runs) >= 3, runs
    for run in runs:
        assert run["query"]["kelurahan_code"] == kelurahan
        assert run["query"]["decile_max"] == 4
        assert run["purpose_code"] == "perencanaan"
        assert run["purpose_text"] == "uji peramban: sasaran RTLH 2026"
    listed = [r for r in runs if r["query"].get("list")]
    assert len(listed) == 1 and listed[0]["detail"]["rows"] == 1
    assert web.father.public_id in listed[0]["persons"]
    assert runs[-1]["query"]["saved_query"] == saved.pk


# --- 2. walidata: review a pair --------------------------------------------------------------


def test_walidata_decides_same_in_the_review_queue(browser, web, live_server):
    # The linker left the father's DTKS row as a person of its own and put the pair in the
    # uncertain band (the DTKS address is an older house number).
    capil = SourceRecord.objects.get(agency=web.capil, source_record_id="CAP-1", is_current=True)
    dtks = SourceRecord.objects.get(agency=web.dinsos, source_record_id="DTKS-1", is_current=True)
    other = Person.objects.create(public_id=new_public_id("P"))
    RecordLink.objects.filter(record=dtks).update(person=other)
    refresh_persons([web.father.pk, other.pk])
    task = ReviewTask.objects.create(
        record_a=capil,
        record_b=dtks,
        probability=0.62,
        explanation={
            "fields": [
                {"field": "name", "level": "exact", "weight": 6.1},
                {"field": "nik", "level": "exact", "weight": 9.8},
                {"field": "birth_date", "level": "exact", "weight": 5.3},
                {"field": "sex", "level": "exact", "weight": 0.7},
                {"field": "location", "level": "same kk, other address", "weight": -1.2},
            ]
        },
    )

    base = live_server.url
    page = new_page(browser)
    log_in(page, base, "walidata")
    menu_link(page, "Antrean peninjauan").click()
    choose_purpose(page, "pemutakhiran-data", "uji peramban: tinjauan pasangan")
    page.wait_for_url("**/tinjauan/")
    row = page.get_by_role("row").filter(has_text="capil:CAP-1 ↔ dinsos:DTKS-1")
    assert row.get_by_role("cell", name="0,62").is_visible()
    shot(page, "30-review-queue")

    row.get_by_role("link", name="Tinjau").click()
    page.wait_for_url(f"**/tinjauan/{task.pk}/")
    assert page.get_by_role("heading", name=f"Tinjau pasangan #{task.pk}").is_visible()
    assert page.get_by_role("link", name=web.father.public_id).is_visible()
    assert page.get_by_role("link", name=other.public_id).is_visible()
    name_row = page.get_by_role("row").filter(has_text="INMAM SANTOSO").first
    assert name_row.get_by_role("cell", name="6,10").is_visible()  # the name weight
    address_row = page.get_by_role("row").filter(has_text="Alamat")
    assert address_row.get_by_text("berbeda").is_visible()
    shot(page, "31-review-pair")

    page.get_by_label("Catatan (opsional)").fill("NIK, KK dan tanggal lahir sama; alamat lama")
    page.get_by_role("button", name="Orang yang sama").click()
    page.wait_for_url("**/tinjauan/")
    page.get_by_text("Keputusan dicatat.").wait_for()
    assert page.get_by_text("Tidak ada yang perlu ditinjau.").is_visible()
    shot(page, "32-review-decided")

    # One person now: the DTKS record belongs to the father, the other id redirects.
    task.refresh_from_db()
    assert task.status == ReviewTask.Status.DECIDED
    assert task.decision.decision == "same"
    assert RecordLink.objects.get(record=dtks).person_id == web.father.pk
    other.refresh_from_db()
    assert (other.status, other.merged_into_id) == (Person.Status.MERGED, web.father.pk)
    decided = AuditEvent.objects.get(action="review.decide", object_id=str(task.pk))
    assert decided.actor_username == "walidata"
    assert decided.outcome == "allowed"
    assert decided.detail == {"decision": "same"}
    assert decided.purpose_code == "pemutakhiran-data"
    page.goto(f"{base}/orang/{other.public_id}/")
    page.wait_for_url(f"**/orang/{web.father.public_id}/")
    assert page.get_by_text(f"Orang {other.public_id} telah digabung ke").is_visible()
    assert page.get_by_role("heading", name="INMAM SANTOSO").is_visible()
    shot(page, "33-review-survivor")


# --- 3. auditor: the profile view just made --------------------------------------------------


def test_auditor_finds_the_profile_view_just_made(browser, web, live_server):
    base = live_server.url
    father = web.father.public_id
    purpose_text = "uji peramban: pengaduan warga no. 17"

    viewer = new_page(browser)
    log_in(viewer, base, "walidata")
    viewer.goto(f"{base}/orang/{father}/")
    choose_purpose(viewer, "penanganan-kasus", purpose_text)
    viewer.wait_for_url(f"**/orang/{father}/")
    assert viewer.get_by_role("heading", name="INMAM SANTOSO").is_visible()
    viewer.context.close()

    page = new_page(browser)
    log_in(page, base, "auditor")
    menu_link(page, "Jejak audit").click()
    page.wait_for_url("**/audit/")
    page.get_by_label("ID orang").fill(father)
    page.get_by_label("Tindakan").select_option("person.view")  # the catalogue's choices
    page.get_by_role("button", name="Saring").click()
    page.wait_for_url("**/audit/?*")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    event = rows.first
    assert event.get_by_role("link", name="walidata").is_visible()
    assert event.get_by_role("cell", name="Profil orang dilihat person.view").is_visible()
    assert event.get_by_text("penanganan-kasus").is_visible()
    assert event.get_by_text(purpose_text).is_visible()
    shot(page, "40-audit-trail-filtered")

    page.get_by_role("navigation", name="Halaman audit").get_by_role(
        "link", name="Siapa melihat siapa"
    ).click()
    page.wait_for_url("**/audit/akses/")
    page.get_by_label("ID orang").fill(father)
    page.get_by_role("button", name="Siapa yang melihat orang ini").click()
    page.get_by_role("heading", name=re.compile(f"Akses ke {father}")).wait_for()
    viewed = page.locator("tbody tr").filter(has_text="person.view")
    assert viewed.count() == 1
    assert viewed.get_by_role("link", name="walidata").is_visible()
    assert viewed.get_by_text(purpose_text).is_visible()
    shot(page, "41-audit-who-viewed")

    # Reading the trail is itself on the trail.
    reads = AuditEvent.objects.filter(actor_username="auditor", action="audit.view")
    assert reads.filter(object_type="audit_trail", query__action="person.view").exists()
    assert reads.filter(object_type="person", object_id=father).exists()


# --- 4. analyst: aid targeting, drill-down, XLSX export --------------------------------------


def test_analyst_targeting_drill_down_and_xlsx_export(browser, web, live_server):
    openpyxl = pytest.importorskip("openpyxl")
    # A second DTKS row pays the father PKH again in the same period.
    _import(
        web.dtks,
        [["DTKS-2", FATHER_NIK, KK, "INMAM SANTOSO", "L", "Pandeglang", "1974-08-30", ADDR, "11",
          "12", "Sukarasa", "Tangerang", "KEPALA KELUARGA", "", "2", "PKH", "2024-01",
          "750000"]],
    )  # fmt: skip
    link(full=True)

    base = live_server.url
    page = new_page(browser)
    log_in(page, base, "analyst")
    menu_link(page, "Ketepatan sasaran bansos").click()
    page.wait_for_url("**/sasaran-bansos/")
    tile = page.get_by_role("link").filter(has_text="Dibayar dua kali dalam satu program")
    assert tile.locator(".stat").inner_text() == "1"
    shot(page, "50-targeting")

    tile.click()
    choose_purpose(page, "verifikasi-bansos", "uji peramban: pemeriksaan PKH 2024-01")
    page.wait_for_url("**/sasaran-bansos/double_payment/")
    page.get_by_role("heading", name="1 baris").wait_for()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=web.father.public_id))
    shot(page, "51-targeting-list")
    assert row.get_by_role("cell", name="DTKS-1, DTKS-2").is_visible()
    assert row.get_by_role("cell", name="1.500.000").is_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Unduh XLSX").click()
    download = download_info.value
    assert re.fullmatch(r"sasaran-double-payment-\d{8}-\d{4}\.xlsx", download.suggested_filename)
    with open(download.path(), "rb") as handle:
        content = handle.read()
    assert content[:2] == b"PK"
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][:3] == ["ID orang", "Nama", "NIK"]
    assert len(table) == 2
    assert table[1][0] == web.father.public_id
    assert "DTKS-1, DTKS-2" in table[1]

    export = AuditEvent.objects.get(action="report.targeting.export")
    assert export.actor_username == "analyst"
    assert export.query["report"] == "targeting.double_payment"
    assert export.query["export"] == "xlsx"
    assert export.persons == [web.father.public_id]
    assert export.purpose_code == "verifikasi-bansos"
    assert export.detail == {"rows": 1}
    assert AuditEvent.objects.filter(
        action="report.targeting.list", actor_username="analyst"
    ).exists()
