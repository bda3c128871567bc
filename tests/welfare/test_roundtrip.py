"""Issue 18 "Done means", the round trip: the targeting check shows a desil-1 family without
aid -> Dinsos proposes it from that row -> the musyawarah kelurahan's approval is recorded ->
the walidata's exported file contains exactly that family -> an objection on another family
is filed, is overdue after the deadline, shows on the walidata board, and is resolved.

The decile comes from a DTSEN extract (issue 18 item 1). Pages through Django's test client
(the browser walks are in test_browser_welfare.py); the clock is fixed through the services'
`now=` argument."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from registry.ingest.reading import ParsedFile
from registry.models import AccessLevel, Dataset, DatasetKind, HouseholdDecile
from registry.reports.board import overdue_objections
from registry.reports.targeting import targeting_list
from registry.services.imports import records_import
from registry.welfare import services
from registry.welfare.models import Objection, Proposal
from tests.web.test_views import give_purpose

from .conftest import JPEG, OTHER_ROWS, POOR_KK, POOR_ROWS, PURPOSE, viewer


def desil1_family_without_aid(welfare) -> str:
    """Step 1: a DTSEN extract reaches Dinsos (its restricted DTSEN dataset, through the one
    import path); the targeting check then lists the Rahmawati family in desil 1 without aid,
    and says the decile came from DTSEN, not from Dinsos's own estimate."""
    dtsen = Dataset.objects.create(
        agency=welfare.dinsos, name="dtsen-desil", title="DTSEN", producer="Kemensos",
        access_level=AccessLevel.RESTRICTED, kind=DatasetKind.DTSEN,
    )  # fmt: skip
    extract = [(row[1], row[2], "1") for row in POOR_ROWS] + [
        (row[1], row[2], "3") for row in OTHER_ROWS
    ]
    parsed = ParsedFile(
        rows=[
            (line, {"nik": nik, "kk_number": kk, "welfare_decile": decile, "period": "2026-Q3"})
            for line, (nik, kk, decile) in enumerate(extract, start=2)
        ]
    )
    outcome = records_import(dataset=dtsen, parsed=parsed)
    assert outcome.batch.status == "imported", outcome.validation.errors
    assert HouseholdDecile.objects.filter(kk_number=POOR_KK, decile=1).count() == 1
    with translation.override("id"):
        page = targeting_list(viewer(welfare, "analyst"), "low_decile_no_aid", purpose=PURPOSE)
    desil1 = [r for r in page.rows if r["welfare_decile"] == 1]
    assert {r["household_public_id"] for r in desil1} == {welfare.poor.public_id}, page.rows
    assert {r["decile_source"] for r in desil1} == {"DTSEN Triwulan III 2026"}
    return desil1[0]["household_public_id"]


def test_round_trip_from_targeting_check_to_export_and_an_objection_resolved(welfare, client):
    household_id = desil1_family_without_aid(welfare)
    assert household_id == welfare.poor.public_id

    # Dinsos opens the check's list and follows the row's "Usulkan" link.
    client.force_login(welfare.users["analyst"])
    give_purpose(client)
    listing = client.get(reverse("targeting:list", args=["low_decile_no_aid"])).content.decode()
    links = re.findall(r'href="([^"]*/dtsen/usulan/baru/\?[^"]*)"', listing)
    (propose_url,) = [u.replace("&amp;", "&") for u in links if household_id in u]
    form = client.get(propose_url)
    assert form.status_code == 200 and "SITI RAHMAWATI" in form.content.decode()
    response = client.post(
        propose_url,
        {"kind": "add", "reason": "poor_not_listed", "reason_text": "belum terdata di DTSEN"},
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and proposal.state == "draft"
    assert proposal.household == welfare.poor and proposal.source_check == "low_decile_no_aid"

    # The kelurahan meeting agreed: date, minutes number and the scanned minutes.
    from django.core.files.uploadedfile import SimpleUploadedFile

    detail = reverse("welfare:proposal_detail", args=[proposal.pk])
    response = client.post(
        detail,
        {
            "action": "approve", "approve-meeting_date": timezone.localdate().isoformat(),
            "approve-minutes_ref": "BA-12/MUSKEL/SUKARASA/XI/2026",
            "approve-minutes": SimpleUploadedFile("berita-acara.jpg", JPEG),
        },
    )  # fmt: skip
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "approved" and proposal.attachments.get().purpose == "minutes"

    # The walidata exports the batch: exactly that family, member by member.
    client.force_login(welfare.users["walidata"])
    give_purpose(client)
    assert client.post(reverse("welfare:export_create")).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "sent"
    content = client.get(
        reverse("welfare:export_download", args=[proposal.export_id, "csv"])
    ).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert sorted((r["NIK"], r["NO_KK"], r["NAMA"]) for r in rows) == sorted(
        (r[1], r[2], r[3]) for r in POOR_ROWS
    )
    services.proposal_decide(viewer=viewer(welfare, "walidata"), proposal=proposal,
                             accepted=True)  # fmt: skip

    # An objection on another family (Hidayat, desil 3): filed 14.5 days ago, overdue now.
    filed_at = timezone.now() - dt.timedelta(days=14, hours=12)
    objection = services.objection_file(
        viewer=viewer(welfare, "analyst"), household_public_id=welfare.other.public_id,
        kind="exclusion", channel="citizen", latitude="-6.178306", longitude="106.631889",
        description="kepala keluarga sakit menahun, tidak menerima bantuan", now=filed_at,
    )  # fmt: skip
    count, overdue = overdue_objections(viewer(welfare, "walidata"))
    assert count == 1 and overdue[0].pk == objection.pk and overdue[0].days_overdue == 1
    board = client.get(reverse("board:index")).content.decode()
    assert 'id="overdue-objections">1<' in board

    # Assigned, verified in the field, decided: it leaves the board.
    walidata = viewer(welfare, "walidata")
    services.objection_assign(viewer=walidata, objection=objection,
                              assignee=welfare.users["petugas"])  # fmt: skip
    services.objection_verify(viewer=viewer(welfare, "petugas"), objection=objection,
                              note="benar: rumah tidak layak huni")  # fmt: skip
    services.objection_resolve(viewer=walidata, objection=objection, upheld=True,
                               resolution="diusulkan masuk DTSEN")  # fmt: skip
    assert Objection.objects.get().state == "upheld"
    assert overdue_objections(walidata) == (0, [])
    assert 'id="overdue-objections">0<' in client.get(reverse("board:index")).content.decode()
    trail = list(
        AuditEvent.objects.filter(action__startswith="proposal.").values_list("action", flat=True)
    ) + list(
        AuditEvent.objects.filter(action__startswith="objection.").values_list("action", flat=True)
    )
    assert trail == [
        "proposal.create", "proposal.approve", "proposal.export", "proposal.export",
        "proposal.decide", "objection.file", "objection.assign", "objection.verify",
        "objection.resolve",
    ]  # fmt: skip
