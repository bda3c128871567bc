"""Tell the sender (issue 13 item 7): the upload report and the batch page list flagged values
per line in Bahasa Indonesia, with a downloadable fix list (XLSX: line, field, value, problem)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import ImportBatch, SourceRecord
from tests.web.conftest import csv_bytes

SAMPLE = Path(__file__).parents[1] / "registry" / "data" / "dinsos-penerima-bansos-2026.xlsx"
FUTURE_ROW = ["CAP-8", "3671015708000001", "3671010310080006", "Rina Wati", "P", "Tangerang",
              "2062-08-17", "Jl. Baru 2", "1", "2", "Sukarasa", "Tangerang", "ANAK", "", "", "",
              "", ""]  # fmt: skip


def _upload(client, cast, name, content):
    return client.post(
        reverse("upload"),
        {"dataset": cast.penduduk.pk, "file": SimpleUploadedFile(name, content)},
    )


def _fix_list(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_sample_file_reports_its_unreliable_niks(client, cast, login):
    login(cast, "operator")
    response = _upload(client, cast, "dinsos.xlsx", SAMPLE.read_bytes())
    assert response.status_code == 302, response.content[:500]
    page = client.get(response.url).content.decode()
    assert "39 NIK rusak oleh Excel (15 digit)" in page
    assert "6 nomor KK tertulis di kolom NIK" in page
    assert "Tidak ada masalah" not in page and "No problems found" not in page
    token = response.url.rstrip("/").split("/")[-2]
    rows = _fix_list(client.get(reverse("upload_fix_list", args=[token])))
    assert rows[0][:4] == ("Baris", "Kolom", "Nilai", "Masalah")
    damaged = [r for r in rows[1:] if r[3] == "NIK rusak oleh Excel (15 digit)"]
    assert len(damaged) == 39
    assert all(r[1] == "NIK" and str(r[2]).endswith("0") and isinstance(r[0], int) for r in damaged)


@pytest.mark.django_db
def test_batch_page_and_fix_list_name_the_line(client, cast, login):
    login(cast, "operator")
    response = _upload(client, cast, "baru.csv", csv_bytes([FUTURE_ROW]))
    report = client.get(response.url).content.decode()
    assert "tanggal lahir di masa depan" in report
    token = response.url.rstrip("/").split("/")[-2]
    assert client.post(reverse("upload_confirm", args=[token]), {"mode": "all"}).status_code == 302
    batch = ImportBatch.objects.order_by("-id").first()
    assert batch.status == "imported" and batch.problem_counts == {"birth_date:future": 1}
    record = SourceRecord.objects.get(source_record_id="CAP-8")
    assert record.birth_date is None and record.original["birth_date"] == "2062-08-17"
    page = client.get(reverse("batch_detail", args=[batch.pk])).content.decode()
    assert "1 tanggal lahir di masa depan" in page and "2062-08-17" in page
    rows = _fix_list(client.get(reverse("batch_fix_list", args=[batch.pk])))
    assert rows[1][:5] == (2, "Tanggal lahir", "2062-08-17", "tanggal lahir di masa depan",
                           "diimpor; nilai ini ditandai")  # fmt: skip


@pytest.mark.django_db
def test_fix_list_of_another_agency_is_404(client, cast, login):
    login(cast, "operator")
    response = _upload(client, cast, "baru.csv", csv_bytes([FUTURE_ROW]))
    token = response.url.rstrip("/").split("/")[-2]
    client.logout()
    login(cast, "walidata")
    assert client.get(reverse("upload_fix_list", args=[token])).status_code in (403, 404)


@pytest.mark.django_db
def test_strict_upload_refuses_the_flagged_row(client, cast, login):
    login(cast, "operator")
    response = client.post(
        reverse("upload"),
        {
            "dataset": cast.penduduk.pk,
            "file": SimpleUploadedFile("baru.csv", csv_bytes([FUTURE_ROW])),
            "strict": "on",
        },
    )
    page = client.get(response.url).content.decode()
    assert 'value="all"' not in page and "tanggal lahir di masa depan" in page
    token = response.url.rstrip("/").split("/")[-2]
    before = ImportBatch.objects.count()
    client.post(reverse("upload_confirm", args=[token]), {"mode": "all"})  # not offered: refused
    assert not SourceRecord.objects.filter(source_record_id="CAP-8").exists()
    assert ImportBatch.objects.count() in (before, before + 1)
    if ImportBatch.objects.count() > before:
        assert ImportBatch.objects.order_by("-id").first().status == "rejected"
