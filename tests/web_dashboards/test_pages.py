"""Every dashboard page: 200 for the roles that may see it, 404 plus an audited denial for the
others; exports are XLSX and audited."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent

ROLES = ("walidata", "analyst", "planner", "operator", "auditor", "public")
TARGETING = {"walidata", "analyst"}
PLANNING = {"walidata", "planner", "analyst"}
WALIDATA = {"walidata"}
AUDIT = {"walidata", "auditor"}

PAGES = [
    ("targeting:index", {}, TARGETING),
    ("targeting:list", {"check": "deceased"}, TARGETING),
    ("targeting:export", {"check": "double_payment"}, TARGETING),
    ("planning:dashboard", {}, PLANNING),
    ("planning:households", {}, PLANNING),
    ("board:index", {}, WALIDATA),
    ("board:quality", {"agency_code": "dinsos"}, WALIDATA),
    ("board:quality_export", {"agency_code": "dinsos"}, WALIDATA),
    ("auditor:index", {}, AUDIT),
    ("auditor:access", {}, AUDIT),
    ("auditor:unusual", {}, AUDIT),
    ("auditor:subject", {}, WALIDATA),
    ("review:queue", {}, WALIDATA),
]


def login(client, city, role):
    client.force_login(city.users[role])
    client.post(
        reverse("purpose"),
        {"code": "verifikasi-bansos", "text": "uji halaman", "next": "/"},
    )


@pytest.mark.parametrize("name,kwargs,allowed", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role", ROLES)
def test_page_permissions(client, city, name, kwargs, allowed, role):
    login(client, city, role)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(reverse(name, kwargs=kwargs))
    if role in allowed:
        assert response.status_code == 200, response.content[:500]
    else:
        assert response.status_code == 404
        denial = AuditEvent.objects.filter(id__gt=before, outcome="denied").get()
        assert denial.action == "page.view" and denial.actor_id == city.users[role].pk


def test_targeting_list_page_shows_deceased_recipient(client, city):
    login(client, city, "analyst")
    response = client.get(reverse("targeting:list", kwargs={"check": "deceased"}))
    assert b"PXP1" in response.content
    assert b"2026-Q2" in response.content


def test_unknown_check_is_404(client, city):
    login(client, city, "analyst")
    assert client.get(reverse("targeting:list", kwargs={"check": "nope"})).status_code == 404


def test_targeting_export_is_xlsx_and_audited(client, city):
    login(client, city, "analyst")
    response = client.get(reverse("targeting:export", kwargs={"check": "deceased"}))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # header + the deceased recipient
    assert "PXP1" in rows[1]
    # The NIK stays text (16 digits would be rounded as a number).
    assert any(isinstance(v, str) and len(v) == 16 and v.isdigit() for v in rows[1])
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "report.targeting.export"
    assert event.query["export"] == "xlsx" and event.persons == ["PXP1"]
    assert event.purpose_code == "verifikasi-bansos"


def test_quality_export_is_xlsx_and_audited(client, city):
    login(client, city, "walidata")
    response = client.get(reverse("board:quality_export", kwargs={"agency_code": "dinsos"}))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["nik_invalid", "nik_differs", "name_differs", "birth_date_differs"]
    assert book["nik_differs"].max_row == 2
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "report.quality.export" and event.object_id == "dinsos"


def test_list_pages_ask_for_a_purpose_first(client, city):
    client.force_login(city.users["analyst"])
    response = client.get(reverse("targeting:list", kwargs={"check": "deceased"}))
    assert response.status_code == 302 and reverse("purpose") in response["Location"]


def test_household_query_counts_list_and_saved_query(client, city):
    login(client, city, "walidata")
    url = reverse("planning:households")
    response = client.get(url, {"run": "1", "school": "child_not_enrolled"})
    assert response.context["result"].households == 1
    assert response.context["result"].rows == []
    response = client.get(url, {"run": "1", "school": "child_not_enrolled", "list": "1"})
    assert [r["public_id"] for r in response.context["result"].rows] == ["HHH1"]
    client.post(url + "?run=1&school=child_not_enrolled", {"name": "anak tidak sekolah"})
    saved = city.users["walidata"].saved_household_queries.get()
    assert saved.filters == {"school": "child_not_enrolled"}
    response = client.get(url, {"saved": saved.pk})
    assert response.context["result"].households == 1
    event = AuditEvent.objects.filter(action="report.household_query").order_by("-id").first()
    assert event.query["saved_query"] == saved.pk


def test_saved_queries_are_private(client, city):
    from registry.models import SavedHouseholdQuery

    other = SavedHouseholdQuery.objects.create(owner=city.users["walidata"], name="x", filters={})
    login(client, city, "planner")
    assert client.get(reverse("planning:households"), {"saved": other.pk}).status_code == 404


def test_dashboard_renders_svg_without_cdn(client, city):
    login(client, city, "walidata")
    response = client.get(reverse("planning:dashboard"))
    body = response.content.decode()
    assert "<svg" in body and "&lt;11" in body
    assert "http://" not in body.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in body


def test_auditor_finds_the_targeting_list_view(client, city):
    login(client, city, "analyst")
    client.get(reverse("targeting:list", kwargs={"check": "deceased"}))
    client.logout()
    login(client, city, "auditor")
    response = client.get(reverse("auditor:access"), {"person": "PXP1"})
    rows = response.context["rows"]
    assert any(
        r.action == "report.targeting.list" and r.actor_username == "u_analyst" for r in rows
    )


def test_chain_verification_page(client, city):
    login(client, city, "auditor")
    response = client.post(reverse("auditor:verify"))
    assert response.status_code == 200
    assert response.context["result"].ok
    assert AuditEvent.objects.order_by("-id").first().action == "audit.verify"


def test_subject_access_report_page(client, city):
    login(client, city, "walidata")
    response = client.get(reverse("auditor:subject"), {"person": "PXP2", "ref": "SURAT-1"})
    assert response.status_code == 200
    assert response.context["report"].public_id == "PXP2"


def test_review_pair_and_decision(client, city):
    from registry.models import Person, RecordLink, ReviewTask

    a = city.record("disdukcapil", "P4")
    b = city.record("dinkes", None, full_name="Warga P4", name_key="warga p4")
    other = Person.objects.create(public_id="PXOTHER")
    RecordLink.objects.create(record=b, person=other)
    task = ReviewTask.objects.create(
        record_a=a,
        record_b=b,
        probability=0.5,
        explanation={"fields": [{"field": "name", "level": "exact", "weight": 4.2}]},
    )
    login(client, city, "walidata")
    response = client.get(reverse("review:queue"))
    assert [t.id for t in response.context["tasks"]] == [task.pk]
    response = client.get(reverse("review:pair", kwargs={"task_id": task.pk}))
    assert response.status_code == 200 and b"4,20" in response.content  # Indonesian decimal comma
    response = client.post(
        reverse("review:decide", kwargs={"task_id": task.pk}), {"decision": "same"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == ReviewTask.Status.DECIDED
    assert Person.objects.get(public_id="PXOTHER").status == Person.Status.MERGED
    assert AuditEvent.objects.order_by("-id").first().action == "review.decide"
    assert (
        client.post(
            reverse("review:decide", kwargs={"task_id": 999999}), {"decision": "x"}
        ).status_code
        == 404
    )
