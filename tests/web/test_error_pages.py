"""Issue 14 item 9: the project's own error pages in Bahasa Indonesia with debug on and off,
JSON errors for unknown /api/ paths, no blank 405 for the verify page."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from registry.models import Agency, AgencyKind
from registry.roles import Role
from registry.services.accounts import account_create
from tests.audit.test_external_head import rewrite_chain_from

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.web.error_urls")]

PASSWORD = "kata-sandi-uji-yang-panjang-1"  # noqa: S105


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def web():
    return Client(raise_request_exception=False)


@pytest.fixture
def planner():
    bappeda = Agency.objects.create(code="bappeda", name="Bappeda", kind=AgencyKind.PLANNING)
    return account_create(
        actor=None, username="perencana", password=PASSWORD, role=Role.PLANNER, agency=bappeda
    )


@pytest.fixture
def auditor():
    return account_create(actor=None, username="auditor", password=PASSWORD, role=Role.AUDITOR)


def _page(response, status, title):
    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert title in body
    # Not Django's technical pages (the debug 404 lists every URL pattern).
    assert "URLconf" not in body and "Traceback" not in body and "DEBUG = True" not in body
    return body


def test_unknown_page_and_refused_page(debug, web, planner):
    _page(web.get("/tidak-ada/"), 404, "Halaman tidak ditemukan")
    web.force_login(planner)
    _page(web.get(reverse("auditor:index")), 404, "Halaman tidak ditemukan")
    assert AuditEvent.objects.filter(action="page.view", outcome="denied").count() == 1


def test_view_errors_get_the_project_pages(debug, web):
    _page(web.get("/uji/forbidden/"), 403, "Tidak diizinkan")
    _page(web.get("/uji/bad/"), 400, "Permintaan tidak valid")
    _page(web.get("/uji/boom/"), 500, "Terjadi kesalahan")


def test_bare_405_and_csrf_failure(debug, planner):
    web = Client(enforce_csrf_checks=True)
    response = web.get(reverse("logout"))
    _page(response, 405, "Tidak tersedia dengan cara ini")
    assert response["Allow"] == "POST, OPTIONS"
    _page(web.post(reverse("login"), {"username": "x", "password": "y"}), 403,
          "Formulir ini sudah kedaluwarsa")  # fmt: skip


def test_english_pages_too(debug, web):
    _page(web.get("/en/tidak-ada/"), 404, "Page not found")


def test_api_errors_are_json_in_the_one_shape(debug, web):
    for path, status, code in [
        ("/api/tidak-ada", 404, "not_found"),
        ("/api/uji/boom/", 500, "internal_error"),
        ("/api/stats/areas", 405, "method_not_allowed"),
    ]:
        response = web.get(path) if status != 405 else web.delete(path)
        assert response.status_code == status
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == code
        assert set(response.json()["error"]) == {"code", "message", "details"}


def test_verify_page_answers_get_and_post(debug, web, auditor, five_audit_events):
    web.force_login(auditor)
    url = reverse("auditor:verify")
    page = _page(web.get(url), 200, "Verifikasi rantai")
    assert "Belum ada kepala rantai" in page
    web.post(url)
    from audit.head import head_export

    head_export()
    assert "Kepala rantai yang diekspor" in web.get(url).content.decode()
    rewrite_chain_from(five_audit_events[1].id, action="household.view")
    broken = web.post(url).content.decode()
    assert "Rantai putus pada peristiwa" in broken


@pytest.fixture
def five_audit_events():
    from audit.services import audit_record

    return [audit_record(actor=None, action="person.view", persons=[f"P{i}"]) for i in range(5)]


def test_a_foreign_host_header_gets_the_400_page(web, settings):
    settings.DEBUG = False
    _page(web.get("/", HTTP_HOST="evil.example"), 400, "Permintaan tidak valid")
    response = web.get("/api/persons", HTTP_HOST="evil.example")
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
