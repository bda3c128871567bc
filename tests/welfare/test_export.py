"""The by-name-by-address batch for SIKS-NG: exactly the approved families, one row per
visible member, NIK/KK kept as text, every cell through the spreadsheet-cell rule; exporting
marks them sent; each download is audited naming the persons in it; walidata only."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from registry.welfare import services
from registry.welfare.export import COLUMNS
from registry.welfare.models import Proposal
from tests.web.test_views import give_purpose

from .conftest import POOR_KK, POOR_ROWS, viewer


@pytest.fixture
def batch(welfare):
    """The Rahmawati family approved; the Hidayat family drafted only; the Santoso family
    approved then withdrawn."""
    analyst = viewer(welfare, "analyst")

    def draft(household, text=""):
        return services.proposal_create(
            viewer=analyst, household_public_id=household.public_id, kind="add",
            reason="poor_not_listed" if not text else "other", reason_text=text,
        )  # fmt: skip

    def approve(p):
        return services.proposal_approve(
            viewer=analyst, proposal=p, meeting_date=timezone.localdate(), minutes_ref="BA-1"
        )

    poor = approve(draft(welfare.poor, text="=1+1 rumah bocor"))  # a formula-like free text
    draft(welfare.other)
    withdrawn = approve(draft(welfare.household))
    services.proposal_withdraw(viewer=analyst, proposal=withdrawn)
    return poor


def _download(client, export, fmt):
    response = client.get(reverse("welfare:export_download", args=[export.pk, fmt]))
    assert response.status_code == 200, response.content[:300]
    assert response["Cache-Control"] == "no-store"
    return response.content


def test_export_holds_exactly_the_approved_families(welfare, client, batch):
    client.force_login(welfare.users["walidata"])
    give_purpose(client)
    response = client.post(reverse("welfare:export_create"))
    export = batch.__class__.objects.get(pk=batch.pk).export
    assert response.status_code == 302 and response["Location"].endswith(f"/{export.pk}/")
    assert set(Proposal.objects.values_list("state", flat=True)) == {"sent", "draft", "withdrawn"}

    content = _download(client, export, "csv")
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == [h for _k, h in COLUMNS]
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert sorted(r["NIK"] for r in body) == sorted(r[1] for r in POOR_ROWS)
    assert {r["NO_KK"] for r in body} == {POOR_KK}
    assert {r["NAMA"] for r in body} == {"SITI RAHMAWATI", "ANDI PRATAMA"}
    assert {(r["RT"], r["RW"], r["KELURAHAN"], r["KECAMATAN"]) for r in body} == {
        ("004", "007", "Sukarasa", "Tangerang")
    }
    assert {r["JENIS_USULAN"] for r in body} == {"Tambah keluarga"}
    assert {r["ALASAN"] for r in body} == {"Lainnya"}
    assert {r["KETERANGAN"] for r in body} == {"'=1+1 rumah bocor"}  # the cell rule

    sheet = load_workbook(io.BytesIO(_download(client, export, "xlsx"))).active
    values = list(sheet.values)
    assert list(values[0]) == [h for _k, h in COLUMNS]
    assert sorted(v[0] for v in values[1:]) == sorted(r[1] for r in POOR_ROWS)
    assert all(isinstance(v[0], str) and isinstance(v[1], str) for v in values[1:])
    assert {v[12] for v in values[1:]} == {"'=1+1 rumah bocor"}

    downloads = AuditEvent.objects.filter(action="proposal.export").order_by("id")
    assert [e.detail.get("format") for e in downloads] == [None, "csv", "xlsx"]
    for event in downloads:
        assert sorted(event.persons) == welfare.poor_members
        assert event.purpose_code == "verifikasi-bansos"


def test_a_second_export_has_nothing_left(welfare, batch):
    services.proposals_export(viewer=viewer(welfare, "walidata"), purpose=None)
    with pytest.raises(Exception, match="tidak ada usulan"):
        services.proposals_export(viewer=viewer(welfare, "walidata"), purpose=None)


@pytest.mark.parametrize("who", ["analyst", "operator", "planner", "auditor"])
def test_only_the_walidata_exports(welfare, client, batch, who):
    client.force_login(welfare.users[who])
    give_purpose(client)
    assert client.post(reverse("welfare:export_create")).status_code == 404
    assert Proposal.objects.get(pk=batch.pk).state == "approved"
    assert AuditEvent.objects.filter(actor=welfare.users[who], outcome="denied").exists()
