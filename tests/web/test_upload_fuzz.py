"""Fuzz pass of the web upload: generated files through upload, report and confirm; no
server error, every refusal says why (tests/fuzz_files.py)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings

from registry.models import ImportBatch
from tests.fuzz_files import FUZZ, agency_files, assert_named, print_peak  # noqa: F401


@pytest.mark.django_db
@pytest.mark.usefixtures("print_peak")
@settings(FUZZ, max_examples=12)  # each example is a request or three: kept short
@given(file=agency_files)
def test_web_upload(client, cast, login, file):
    login(cast, "operator")
    name, content = file
    response = client.post(
        reverse("upload"), {"dataset": cast.penduduk.pk, "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code in (302, 413, 422), response.status_code
    if response.status_code != 302:
        said = response.context["form"].errors or list(response.context["messages"])
        assert said  # the page says why
        return
    assert client.get(response.url).status_code == 200
    token = response.url.rstrip("/").split("/")[-2]
    before = ImportBatch.objects.count()
    response = client.post(reverse("upload_confirm", args=[token]), {"mode": "valid"})
    assert response.status_code == 302
    if ImportBatch.objects.count() > before:
        batch = ImportBatch.objects.order_by("-id").first()
        assert_named(batch.errors)
        assert client.get(reverse("batch_detail", args=[batch.pk])).status_code == 200
