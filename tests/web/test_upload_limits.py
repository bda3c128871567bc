"""Upload bounds on the web page (issue 14 item 7): 413/422 with the reason in Bahasa
Indonesia, nothing staged."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.registry.test_read_limits import HEADER, ROW, workbook, zip_bomb

pytestmark = pytest.mark.django_db


def _upload(client, cast, name, content):
    return client.post(
        reverse("upload"), {"dataset": cast.penduduk.pk, "file": SimpleUploadedFile(name, content)}
    )


@pytest.mark.parametrize(
    ("name", "content", "status", "text"),
    [
        ("bom.xlsx", workbook({"A1": "ID", "XFD1048576": "x"}), 413, "terlalu besar untuk dibaca"),
        ("bomb.xlsx", zip_bomb(20 * 1024 * 1024), 413, "bom zip"),
        ("wide.csv", ("," * 1_000_000 + "\n").encode(), 422, "1000001 kolom"),
        ("big.csv", (HEADER + ROW * 3000).encode(), 413, "paling besar 0.1 MB"),
    ],
)
def test_bounded_uploads_are_refused_in_bahasa_indonesia(
    client, cast, login, settings, upload_dir, name, content, status, text
):
    settings.UPLOAD_MAX_BYTES = 100_000 if name == "big.csv" else 10 * 1024 * 1024
    login(cast, "operator")
    response = _upload(client, cast, name, content)
    assert response.status_code == status
    page = response.content.decode()
    assert text in page and "Berkas tidak dapat dibaca" in page
    assert len(page) < 200_000  # no report of a million columns
    assert not upload_dir.exists() or not any(upload_dir.iterdir())  # nothing staged


def test_declared_oversize_body_is_refused_before_reading(client, cast, login, settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    login(cast, "operator")
    response = _upload(client, cast, "big.csv", (HEADER + ROW * 2000).encode())
    assert response.status_code == 413
    assert "paling besar 0.01 MB" in response.content.decode()
