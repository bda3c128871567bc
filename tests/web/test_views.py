"""Django-client tests of the web views: permission per role (404 + audited denial), the
purpose prompt, search/person/household through the selectors, and the upload flow."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from registry.models import ImportBatch, SourceRecord
from tests.web.conftest import ROLES, csv_bytes

pytestmark = pytest.mark.django_db

PURPOSE = {"code": "verifikasi-bansos", "text": "uji halaman web"}


def give_purpose(client, next_url="/"):
    response = client.post(reverse("purpose"), {**PURPOSE, "next": next_url})
    assert response.status_code == 302, response.content[:2000]
    return response


# Which roles may open which page (others: 404). Person pages: registry.roles.PERSON_ROLES.
PERSON_PAGE_ROLES = {"walidata", "operator", "analyst", "planner"}
PAGES = {
    "person_search": ({}, PERSON_PAGE_ROLES),
    "upload": ({}, {"operator"}),
    "batch_list": ({}, {"operator", "walidata"}),
}


def test_anonymous_is_sent_to_login(client, cast):
    for name in ("home", "person_search", "upload", "batch_list", "purpose"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_login_page_is_indonesian_by_default_and_english_on_request(client, cast):
    page = client.get(reverse("login")).content.decode()
    assert 'lang="id"' in page
    assert "Masuk" in page
    english = client.get("/en" + reverse("login")).content.decode()
    assert 'lang="en"' in english
    assert "Log in" in english


def test_login_with_password_lands_on_home(client, cast):
    response = client.post(
        reverse("login"), {"username": "analyst", "password": "kata-sandi-uji-yang-panjang-1"}
    )
    assert response.status_code == 302
    home = client.get(response.url).content.decode()
    assert "Cari orang" in home  # the analyst's tiles include person search


def test_logout_is_post_only(client, cast, login):
    login(cast, "walidata")
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_permission_per_role(client, cast, login, role, page):
    kwargs, allowed = PAGES[page]
    login(cast, role)
    give_purpose(client)
    before = AuditEvent.objects.filter(action="page.view", outcome="denied").count()
    response = client.get(reverse(page, kwargs=kwargs))
    if role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        denied = AuditEvent.objects.filter(action="page.view", outcome="denied").order_by("-id")
        assert denied.count() == before + 1
        event = denied.first()
        assert event.actor_username == role
        assert event.role == role
        assert event.object_id == page


@pytest.mark.parametrize("role", ROLES)
def test_person_and_household_pages_per_role(client, cast, login, role):
    login(cast, role)
    give_purpose(client)
    person = client.get(reverse("person_detail", args=[cast.father.public_id]))
    household = client.get(reverse("household_detail", args=[cast.household.public_id]))
    # The planner's agency holds no grant on these datasets: the page is allowed, the selector
    # finds nothing visible, and missing looks like forbidden.
    expected = 200 if role in {"walidata", "analyst", "operator"} else 404
    assert person.status_code == expected
    assert household.status_code == expected


def test_navigation_shows_only_pages_of_the_role(client, cast, login):
    login(cast, "operator")
    page = client.get(reverse("home")).content.decode()
    assert reverse("upload") in page
    login(cast, "auditor")
    page = client.get(reverse("home")).content.decode()
    assert reverse("upload") not in page
    assert reverse("person_search") not in page


def test_person_pages_ask_for_a_purpose_first(client, cast, login):
    login(cast, "walidata")
    url = reverse("person_detail", args=[cast.father.public_id])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("purpose"))
    form = client.get(response.url).content.decode()
    assert "Verifikasi penerima bantuan sosial" in form
    bad = client.post(reverse("purpose"), {"code": "nonsense", "text": "x", "next": url})
    assert bad.status_code == 200  # error shown, nothing remembered
    assert client.get(url).status_code == 302
    response = client.post(reverse("purpose"), {**PURPOSE, "next": url})
    assert response.url == url
    assert client.get(url).status_code == 200
    event = AuditEvent.objects.filter(action="person.view").order_by("-id").first()
    assert event.purpose_code == "verifikasi-bansos"
    assert event.purpose_text == "uji halaman web"
    assert event.persons == [cast.father.public_id]


def test_purpose_next_must_stay_on_site(client, cast, login):
    login(cast, "walidata")
    response = client.post(reverse("purpose"), {**PURPOSE, "next": "https://evil.example/"})
    assert response.url == reverse("home")


def test_purpose_expires_after_thirty_minutes(client, cast, login):
    from datetime import timedelta

    from django.utils import timezone

    login(cast, "walidata")
    give_purpose(client)
    session = client.session
    old = (timezone.now() - timedelta(minutes=31)).isoformat()
    session["web_purposes"]["verifikasi-bansos"]["at"] = old
    session.save()
    response = client.get(reverse("person_search"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("purpose"))


def test_search_by_misspelled_name_finds_the_person(client, cast, login):
    login(cast, "walidata")
    give_purpose(client)
    page = client.get(reverse("person_search"), {"name": "Inmam Santosa"}).content.decode()
    assert cast.father.public_id in page
    assert AuditEvent.objects.filter(action="person.search", outcome="allowed").exists()


def test_search_by_nik_and_empty_search(client, cast, login):
    login(cast, "analyst")
    give_purpose(client)
    # An exact NIK hit opens the profile directly.
    response = client.get(reverse("person_search"), {"nik": "3671013008740001"})
    assert response.status_code == 302
    assert response.url == reverse("person_detail", args=[cast.father.public_id])
    empty = client.get(reverse("person_search"), {"birth_date": "1974-08-30"}).content.decode()
    assert "Isikan NIK, nomor KK atau nama." in empty


def test_person_page_shows_sources_versions_household_and_aid(client, cast, login):
    login(cast, "walidata")
    give_purpose(client)
    page = client.get(reverse("person_detail", args=[cast.father.public_id])).content.decode()
    assert "Inmam Santoso" in page
    assert "Disdukcapil" in page and "Dinas Sosial" in page
    assert "Jl. Ki Samaun No. 80" in page  # the older version
    assert "PKH" in page and "Rp750.000" in page
    assert "FATIMAH" in page  # household member, linked
    assert reverse("household_detail", args=[cast.household.public_id]) in page
    assert "Istri" in page
    # The registry value itself, not only the source rows, shows the birth date.
    assert re.search(r'<th scope="row">Tanggal lahir</th>\s*<td>30 Agu 1974</td>', page)


def test_planner_sees_masked_numbers_and_no_aid(client, cast, login):
    login(cast, "planner")
    give_purpose(client)
    page = client.get(reverse("household_detail", args=[cast.household.public_id]))
    # The planner's agency has no grant here: no visible member means 404.
    assert page.status_code == 404


def test_merged_id_redirects_to_the_survivor(client, cast, login):
    login(cast, "walidata")
    give_purpose(client)
    response = client.get(reverse("person_detail", args=[cast.merged.public_id]))
    assert response.status_code == 302
    assert response.url == reverse("person_detail", args=[cast.father.public_id])


def test_unknown_person_is_404_and_audited(client, cast, login):
    login(cast, "walidata")
    give_purpose(client)
    assert client.get(reverse("person_detail", args=["PNOPE"])).status_code == 404
    assert AuditEvent.objects.filter(
        action="person.view", outcome="denied", object_id="PNOPE"
    ).exists()


# --- uploads ------------------------------------------------------------------------------


def _upload(client, cast, rows, name="penduduk.csv"):
    content = csv_bytes(rows)
    return client.post(
        reverse("upload"),
        {"dataset": cast.penduduk.pk, "file": SimpleUploadedFile(name, content, "text/csv")},
    )


BAD_ROW = ["CAP-9", "", "", "", "X", "Tangerang",
           "31-31-1990", "Jl. Baru 1", "1", "2", "Sukarasa", "Tangerang", "ANAK", "", "", "", "",
           ""]  # fmt: skip
GOOD_ROW = ["CAP-8", "3671011708000001", "3671010310080006", "Rina Wati", "P", "Tangerang",
            "2000-08-17", "Jl. Baru 2", "1", "2", "Sukarasa", "Tangerang", "ANAK", "", "", "", "",
            ""]  # fmt: skip


def test_upload_shows_report_before_import_then_imports_valid_rows(client, cast, login):
    login(cast, "operator")
    batches_before = ImportBatch.objects.count()
    response = _upload(client, cast, [GOOD_ROW, BAD_ROW])
    assert response.status_code == 302
    report_url = response.url
    page = client.get(report_url).content.decode()
    assert ImportBatch.objects.count() == batches_before  # nothing written yet
    assert "Nama" in page  # no name and no NIK or KK: the row cannot be used
    assert ">3<" in page  # line 3 holds the bad row
    assert 'value="all"' not in page  # import-all is not offered with errors
    token = report_url.rstrip("/").split("/")[-2]
    confirm = reverse("upload_confirm", args=[token])
    response = client.post(confirm, {"mode": "valid"})
    assert response.status_code == 302
    batch = ImportBatch.objects.order_by("-id").first()
    assert batch.status == "partial"
    assert batch.created_by == cast.users["operator"]
    assert SourceRecord.objects.filter(source_record_id="CAP-8").exists()
    assert not SourceRecord.objects.filter(source_record_id="CAP-9").exists()
    detail = client.get(response.url).content.decode()
    assert "Sebagian diimpor" in detail or "partial" in detail
    # the staged file is gone: confirming twice is impossible
    assert client.post(confirm, {"mode": "valid"}).status_code == 404


def test_clean_upload_imports_all(client, cast, login):
    login(cast, "operator")
    report_url = _upload(client, cast, [GOOD_ROW]).url
    page = client.get(report_url).content.decode()
    assert 'value="all"' in page
    token = report_url.rstrip("/").split("/")[-2]
    client.post(reverse("upload_confirm", args=[token]), {"mode": "all"})
    assert ImportBatch.objects.order_by("-id").first().status == "imported"


def test_staged_upload_belongs_to_its_uploader(client, cast, login, django_user_model):
    from registry.roles import Role
    from registry.services.accounts import account_create

    login(cast, "operator")
    report_url = _upload(client, cast, [GOOD_ROW]).url
    other = account_create(
        actor=None, username="operator2", password="kata-sandi-uji-yang-panjang-2",
        role=Role.OPERATOR, agency=cast.capil,
    )  # fmt: skip
    client.force_login(other)
    assert client.get(report_url).status_code == 404


def test_cancel_discards_the_staged_file(client, cast, login, upload_dir):
    login(cast, "operator")
    report_url = _upload(client, cast, [GOOD_ROW]).url
    token = report_url.rstrip("/").split("/")[-2]
    assert (upload_dir / token).is_dir()
    client.post(reverse("upload_confirm", args=[token]), {"mode": "cancel"})
    assert not (upload_dir / token).exists()


def test_unreadable_and_wrong_type_files_are_refused(client, cast, login):
    login(cast, "operator")
    wrong = client.post(
        reverse("upload"),
        {"dataset": cast.penduduk.pk, "file": SimpleUploadedFile("x.pdf", b"%PDF", "text/plain")},
    )
    assert wrong.status_code == 422
    assert "CSV atau XLSX" in wrong.content.decode()
    no_header = client.post(
        reverse("upload"),
        {"dataset": cast.penduduk.pk, "file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")},
    )
    assert no_header.status_code == 422
    assert "tidak dapat dibaca" in no_header.content.decode()


def test_operator_cannot_upload_into_another_agencys_dataset(client, cast, login):
    login(cast, "operator")
    response = client.post(
        reverse("upload"),
        {"dataset": cast.dtks.pk, "file": SimpleUploadedFile("d.csv", csv_bytes([GOOD_ROW]))},
    )
    assert response.status_code == 422  # form error: not a choice
    assert not ImportBatch.objects.filter(dataset=cast.dtks, created_by__isnull=False).exists()


def test_batch_history_is_the_operators_agency_only(client, cast, login):
    login(cast, "operator")
    page = client.get(reverse("batch_list")).content.decode()
    assert "penduduk" in page and "dtks" not in page
    dtks_batch = ImportBatch.objects.filter(dataset=cast.dtks).first()
    assert client.get(reverse("batch_detail", args=[dtks_batch.pk])).status_code == 404
    login(cast, "walidata")
    page = client.get(reverse("batch_list")).content.decode()
    assert "penduduk" in page and "dtks" in page


def test_language_switch_keeps_the_page(client, cast, login):
    login(cast, "walidata")
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("batch_list")}
    )
    assert response.status_code == 302
    assert response.url == "/en" + reverse("batch_list")
