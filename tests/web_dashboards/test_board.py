import datetime as dt

from audit.models import AuditEvent
from registry.reports import board
from tests.web_dashboards.conftest import PURPOSE


def test_submission_board_and_late_agencies(city):
    viewer = city.viewer("walidata")
    rows = {r.agency_code: r for r in board.submission_board(viewer)}
    assert rows["dinsos"].records == 12 and rows["dinsos"].rejected_rows == 1
    assert rows["dinsos"].submitted_this_quarter
    # Next year nobody has submitted yet; the walidata and planning office are not expected to.
    late = {
        a.code for a in board.late_agencies(viewer, today=dt.date.today() + dt.timedelta(days=400))
    }
    assert late == {"disdukcapil", "dinsos", "disdik", "bpjs", "dinkes"}
    assert board.late_agencies(city.viewer("analyst")) == []


def test_quality_report_known_rows_and_audit(city):
    before = AuditEvent.objects.count()
    report = board.quality_report(city.viewer("walidata"), "dinsos", purpose=PURPOSE)
    assert report.counts == {
        "nik_invalid": 1,
        "nik_differs": 1,
        "name_differs": 1,
        "birth_date_differs": 1,
    }
    (differs,) = report.rows["nik_differs"]
    assert differs["digits_apart"] == 1
    assert "*" in differs["nik"]
    assert report.rows["nik_invalid"][0]["flags"] == ["nik:bad_length"]
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "report.quality.view" and event.object_id == "dinsos"
    assert set(event.persons) == {"PXP3", "PXP5", "PXP6"}


def test_grants_listed(city):
    from django.utils import timezone

    from registry.models import DatasetGrant

    DatasetGrant.objects.create(
        dataset=city.datasets["disdukcapil"],
        grantee=city.agencies["dinsos"],
        purpose_code="verifikasi-bansos",
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    grants = board.grants(city.viewer("walidata"))  # this one and the fixture's death register
    assert len(grants) == 2 and all(g.grantee == "dinsos" and g.active for g in grants)
    assert board.grants(city.viewer("analyst")) == []
