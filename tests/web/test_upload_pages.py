"""The upload page's small helps (issue 16): the agency's only dataset preselected, skipped
rows explained in Bahasa Indonesia, and the batch page saying what linking did."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import ImportBatch, RecordLink, SourceRecord
from tests.web.conftest import ADDR, FATHER_NIK, HEADER, KK

FATHER_AGAIN = ["CAP-7", FATHER_NIK, KK, "Inmam Santoso", "L", "Pandeglang", "1974-08-30",
                ADDR, "11", "12", "Sukarasa", "Tangerang", "KEPALA KELUARGA", "", "", "", "",
                ""]  # fmt: skip
NEWCOMER = ["CAP-8", "3671011708000001", "3671010101990002", "Rina Wati", "P", "Tangerang",
            "2000-08-17", "Jl. Baru 2", "1", "2", "Sukarasa", "Tangerang", "KEPALA KELUARGA",
            "", "", "", "", ""]  # fmt: skip


def _file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["DATA PENDUDUK KELURAHAN SUKARASA"])  # a title above the header
    writer.writerow(HEADER)
    writer.writerow(FATHER_AGAIN)
    writer.writerow(NEWCOMER)
    writer.writerow(["", "", "", "JUMLAH", "", "", "", "", "", "", "", "", "", "", "", "", "", "2"])
    return out.getvalue().encode()


def test_upload_page_preselects_the_agencys_only_dataset(cast, login):
    page = login(cast, "operator").get(reverse("upload")).content.decode()
    assert f'<option value="{cast.penduduk.pk}" selected>' in page
    assert '<option value="" ' not in page and '<option value="">' not in page


def test_skipped_rows_in_indonesian_and_batch_page_shows_what_linking_did(cast, login):
    client = login(cast, "operator")
    response = client.post(
        reverse("upload"),
        {
            "dataset": cast.penduduk.pk,
            "file": SimpleUploadedFile("penduduk.csv", _file(), "text/csv"),
        },
    )
    assert response.status_code == 302
    report = client.get(response.url).content.decode()
    assert "Baris 1: baris judul di atas header" in report
    assert "Baris 5: baris jumlah" in report
    token = response.url.rstrip("/").split("/")[-2]
    response = client.post(reverse("upload_confirm", args=[token]), {"mode": "all"})
    batch = ImportBatch.objects.order_by("-id").first()
    assert batch.status == "imported" and batch.rows_new == 2
    # The father's second record joined his person; the newcomer is a new person.
    father = SourceRecord.objects.get(source_record_id="CAP-1", is_current=True).link.person_id
    assert RecordLink.objects.get(record__source_record_id="CAP-7").person_id == father
    page = client.get(reverse("batch_detail", args=[batch.pk])).content.decode()
    assert "Apa yang dilakukan penautan" in page

    def stat(label: str) -> str:
        before = page.split(label, 1)[0]
        return before.rsplit('<div class="stat">', 1)[1].split("<", 1)[0]

    assert stat("rekaman bergabung dengan orang yang sudah ada di registri") == "1"
    assert stat("orang baru") == "1"
    assert stat("rekaman belum tertaut") == "0"
    assert "Baris 1: baris judul di atas header" in page
