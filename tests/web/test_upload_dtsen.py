"""A DTSEN extract uploaded from the browser by a Dinsos operator (issue 18 item 1): the dry-run
report applies the extract's rules (line and field of each bad row), nothing lands until the
operator confirms, and a confirmed extract becomes household decile facts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from registry.models import AccessLevel, Dataset, DatasetKind, HouseholdDecile, ImportBatch
from registry.roles import Role
from registry.services.accounts import account_create
from tests.web.conftest import FATHER_NIK, KK, PASSWORD, csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["NIK", "NO KK", "DESIL", "TRIWULAN"]


@pytest.fixture
def dinsos_operator(cast):
    cast.dtsen = Dataset.objects.create(
        agency=cast.dinsos, name="dtsen", title="Desil DTSEN", producer="Kemensos",
        access_level=AccessLevel.RESTRICTED, kind=DatasetKind.DTSEN,
    )  # fmt: skip
    return account_create(
        actor=None, username="op.dinsos", password=PASSWORD, role=Role.OPERATOR,
        agency=cast.dinsos,
    )  # fmt: skip


def _upload(client, cast, rows):
    content = csv_bytes(rows, header=HEADER)
    return client.post(
        reverse("upload"),
        {"dataset": cast.dtsen.pk, "file": SimpleUploadedFile("dtsen.csv", content, "text/csv")},
    )


def test_dtsen_upload_report_then_confirm(client, cast, dinsos_operator):
    client.force_login(dinsos_operator)
    rows = [
        [FATHER_NIK, KK, "4", "Triwulan III 2026"],
        ["3671015802660001", KK, "12", "Triwulan III 2026"],
    ]
    with translation.override("id"):
        response = _upload(client, cast, rows)
        assert response.status_code == 302
        report = client.get(response.url).content.decode()
    assert "bukan desil kesejahteraan" in report or "12" in report
    assert (
        not HouseholdDecile.objects.exists()
        and not ImportBatch.objects.filter(dataset=cast.dtsen).exists()
    )
    token = response.url.rstrip("/").split("/")[-2]
    # all or nothing: refused while a row is bad
    client.post(reverse("upload_confirm", args=[token]), {"mode": "all"})
    assert ImportBatch.objects.get(dataset=cast.dtsen).status == "rejected"
    assert not HouseholdDecile.objects.exists()
    # the valid rows only, as the operator chooses
    response = _upload(client, cast, rows)
    token = response.url.rstrip("/").split("/")[-2]
    response = client.post(reverse("upload_confirm", args=[token]), {"mode": "valid"})
    assert response.status_code == 302
    fact = HouseholdDecile.objects.get()
    assert (fact.kk_number, fact.quarter, fact.decile) == (KK, "2026-Q3", 4)
    batch = fact.batch
    assert batch.status == "partial" and batch.errors[0]["line"] == 3
    assert batch.errors[0]["field"] == "welfare_decile"
    assert client.get(reverse("batch_detail", args=[batch.pk])).status_code == 200
