"""Issue 16, the social affairs analyst's pages: a household's aid totalled at the top of the
household and person pages (monthly and quarterly periods meeting in their quarter), search by
KK number, exact NIK/KK hits opening the profile or household, and honest search (real totals,
pages, a minimum score, the audit naming exactly the persons shown)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from linkage.normalize.names import normalize_name
from registry.linking import link
from registry.models import Person, SourceRecord
from registry.reports.common import period_quarter
from registry.selectors.search import SEARCH_PAGE_MIN_SCORE, name_score
from registry.web.labels import period_label
from tests.web.conftest import ADDR, KK, _import
from tests.web.test_views import give_purpose

WIFE_NIK = "3671015802660001"
# The wife receives BPNT monthly, the father PKH (2024-01, from conftest) and BLT quarterly.
AID_ROWS = [
    ["DTKS-2", WIFE_NIK, KK, "FATIMAH", "P", "Tangerang", "1966-02-18", ADDR, "11", "12",
     "Sukarasa", "Tangerang", "ISTRI", "", "2", "BPNT", "2024-02", "200000"],
    ["DTKS-3", WIFE_NIK, KK, "FATIMAH", "P", "Tangerang", "1966-02-18", ADDR, "11", "12",
     "Sukarasa", "Tangerang", "ISTRI", "", "2", "BPNT", "2024-03", "200000"],
    ["DTKS-4", "3671013008740001", KK, "INMAM SANTOSO", "L", "Pandeglang", "1974-08-30", ADDR,
     "11", "12", "Sukarasa", "Tangerang", "KEPALA KELUARGA", "", "2", "BLT", "2024-Q2", "600000"],
]  # fmt: skip
SITI_NAMES = [
    "Aminah", "Badriah", "Chotimah", "Dewi", "Endah", "Fauziah", "Ginanjar", "Halimah",
    "Indah", "Jamilah", "Kartika", "Lestari", "Maryam", "Nurhayati", "Oktaviani", "Purnama",
    "Qomariah", "Rahayu", "Sarah", "Tuti", "Umi", "Valentina", "Wulandari", "Yuliani",
    "Zubaidah", "Aisyah", "Bariyah", "Cahyani", "Darmi", "Erna",
]  # fmt: skip


@pytest.fixture
def aid_cast(cast):
    _import(cast.dtks, AID_ROWS)
    link(full=True)
    cast.wife = SourceRecord.objects.get(
        agency=cast.capil, source_record_id="CAP-2", is_current=True
    ).link.person
    return cast


@pytest.fixture
def sitis(cast):
    rows = []
    for i, word in enumerate(SITI_NAMES):
        day, month = 1 + i % 28, 1 + i // 28
        rows.append(
            [f"SITI-{i}", f"367101{40 + day:02d}{month:02d}90{i + 1:04d}", "", f"Siti {word}",
             "P", "Tangerang", f"1990-{month:02d}-{day:02d}", f"Jl. Melati {i}", "1", "2",
             "Sukarasa", "Tangerang", "", "", "", "", "", ""]
        )  # fmt: skip
    _import(cast.penduduk, rows)
    link(full=True)
    return cast


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_period_quarter_and_label():
    assert period_quarter("2024-03") == "2024-Q1"
    assert period_quarter("2024-04") == "2024-Q2"
    assert period_quarter("2024-Q1") == "2024-Q1"
    assert period_quarter("2024") == "2024"
    assert period_label("2024-Q2") == "Triwulan II 2024"
    assert period_label("2024-03") == "Maret 2024"


def test_name_score_needs_every_word():
    def score(query, name):
        parts = normalize_name(query)
        other = normalize_name(name)
        return name_score(parts, other.key, other.phonetic)

    assert score("siti", "Siti Aminah") == 1.0
    assert score("Inmam Santosa", "Inmam Santoso") >= SEARCH_PAGE_MIN_SCORE
    # Split and joined names are one name.
    assert score("Siti Nur Haliza", "Siti Nurhaliza") >= SEARCH_PAGE_MIN_SCORE
    assert score("Siti Nurhaliza", "Siti Nur Haliza") >= SEARCH_PAGE_MIN_SCORE
    assert score("zzzzqqq", "Sukarni") < SEARCH_PAGE_MIN_SCORE
    assert score("zzzzqqq", "Siti Aminah") < SEARCH_PAGE_MIN_SCORE
    # A longer query is not "found" in a shorter name.
    assert score("Siti Aminah", "Siti") < SEARCH_PAGE_MIN_SCORE


def test_household_page_totals_members_aid_by_program_and_quarter(client, aid_cast, login):
    cast = aid_cast
    login(cast, "analyst")
    give_purpose(client)
    page = _html(client.get(reverse("household_detail", args=[cast.household.public_id])))
    # At the top: before the household facts and the member list.
    assert page.index("Bantuan yang diterima keluarga ini") < page.index("Anggota")
    assert "Rp1.750.000" in page  # 750,000 + 2 x 200,000 + 600,000
    # The monthly BPNT payments (Feb, Mar) and the January PKH meet in Q1 2024.
    q1 = page[page.index('<th scope="row">Triwulan I 2024</th>') :]
    q1 = q1[: q1.index("</tr>")]
    assert "Rp750.000" in q1 and "Rp400.000" in q1 and "Rp1.150.000" in q1
    assert "(2×)" in q1
    assert "Triwulan II 2024" in page and "Rp600.000" in page
    event = AuditEvent.objects.filter(action="household.view", actor_username="analyst").latest(
        "id"
    )
    assert event.detail["aid_receipts"] == 4
    assert {cast.father.public_id, cast.wife.public_id} <= set(event.persons)


def test_person_page_has_aid_and_household_aid_above_the_sources(client, aid_cast, login):
    cast = aid_cast
    login(cast, "analyst")
    give_purpose(client)
    page = _html(client.get(reverse("person_detail", args=[cast.wife.public_id])))
    top = page.index("Bantuan sekilas")
    assert top < page.index("Nilai registri") < page.index("Rekaman sumber")
    summary = page[top : page.index("Nilai registri")]
    assert "Rp400.000" in summary  # her own BPNT
    assert "Rp1.750.000" in summary  # the household's total
    assert "Maret 2024" in summary  # her last period, one format
    # Two audited reads: the person and, for the aid summary, the household.
    actions = list(
        AuditEvent.objects.filter(actor_username="analyst")
        .order_by("-id")
        .values_list("action", flat=True)[:2]
    )
    assert sorted(actions) == ["household.view", "person.view"]


def test_operator_without_aid_datasets_sees_no_aid_but_the_household(client, aid_cast, login):
    cast = aid_cast
    login(cast, "operator")  # Disdukcapil: reads its own register, holds no aid receipts
    give_purpose(client)
    page = _html(client.get(reverse("household_detail", args=[cast.household.public_id])))
    assert "Tidak ada bantuan tercatat" in page
    assert "Rp" not in page


def test_exact_nik_kk_hits_open_person_or_household(client, aid_cast, login):
    cast = aid_cast
    login(cast, "analyst")
    give_purpose(client)
    by_nik = client.get(reverse("person_search"), {"nik": WIFE_NIK})
    assert by_nik.status_code == 302
    assert by_nik.url == reverse("person_detail", args=[cast.wife.public_id])
    by_kk = client.get(reverse("person_search"), {"kk": KK})
    assert by_kk.status_code == 302
    assert by_kk.url == reverse("household_detail", args=[cast.household.public_id])
    # The KK number typed into the NIK field (a common slip) finds the household too.
    slip = client.get(reverse("person_search"), {"nik": KK})
    assert slip.status_code == 302
    assert slip.url == reverse("household_detail", args=[cast.household.public_id])
    event = AuditEvent.objects.filter(action="person.search").latest("id")
    assert event.query["nik_masked"] == "*" * len(KK)
    assert KK not in str(event.query)
    assert cast.household.public_id in event.detail["households"]
    # Search as you type never redirects: it gets the results fragment.
    fragment = _html(client.get(reverse("person_search"), {"kk": KK, "partial": "1"}))
    assert "<html" not in fragment and cast.household.public_id in fragment


def test_masked_role_may_not_search_by_kk(client, cast, login):
    login(cast, "planner")
    give_purpose(client)
    assert client.get(reverse("person_search"), {"kk": KK}).status_code == 404
    event = AuditEvent.objects.filter(action="person.search").latest("id")
    assert event.outcome == "denied" and event.reason == "nik_search_masked_role"


def test_search_gives_real_totals_pages_and_audits_what_was_shown(client, sitis, login):
    login(sitis, "walidata")
    give_purpose(client)
    first = _html(client.get(reverse("person_search"), {"name": "siti"}))
    assert "30 orang ditemukan" in first
    assert "Menampilkan 1–25 dari 30" in first
    assert "Halaman 1 dari 2" in first
    second = _html(client.get(reverse("person_search"), {"name": "siti", "page": "2"}))
    assert "Menampilkan 26–30 dari 30" in second
    event = AuditEvent.objects.filter(action="person.search").latest("id")
    assert event.detail["total"] == 30 and event.detail["hits"] == 5
    assert event.query["offset"] == 25
    shown = [p for p in Person.objects.values_list("public_id", flat=True) if p in second]
    assert sorted(event.persons) == sorted(shown) and len(shown) == 5


def test_nonsense_is_not_found(client, sitis, login):
    login(sitis, "walidata")
    give_purpose(client)
    page = _html(client.get(reverse("person_search"), {"name": "zzzzqqq"}))
    assert "Tidak ditemukan" in page
    assert "orang ditemukan" not in page
    event = AuditEvent.objects.filter(action="person.search").latest("id")
    assert event.persons == [] and event.detail["total"] == 0
