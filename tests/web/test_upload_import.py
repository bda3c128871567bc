"""Confirmed web uploads are linked at once; large ones stream their import progress."""

import pytest
from django.urls import reverse

from registry.models import ImportBatch, RecordLink, SourceRecord
from tests.web.conftest import build_cast
from tests.web.test_views import GOOD_ROW, _upload


def _confirm(client, cast):
    response = _upload(client, cast, [GOOD_ROW])
    token = response.url.rstrip("/").split("/")[-2]
    return client.post(reverse("upload_confirm", args=[token]), {"mode": "all"})


@pytest.mark.django_db
def test_confirmed_upload_is_linked_to_a_person_at_once(client, cast, login):
    login(cast, "operator")
    response = _confirm(client, cast)
    assert response.status_code == 302
    record = SourceRecord.objects.select_related("link__person").get(
        source_record_id="CAP-8", is_current=True
    )
    assert record.link.person is not None
    assert record.link.person.full_name == "RINA WATI"


@pytest.fixture
def cast_committed(transactional_db, upload_dir):
    # The import of a large upload runs in its own thread and database connection: the
    # fixture's rows must be committed for it to see them.
    return build_cast()


def test_large_upload_streams_progress_then_lands_whole(client, cast_committed, settings):
    settings.WEB_IMPORT_PROGRESS_MIN_ROWS = 1
    client.force_login(cast_committed.users["operator"])
    response = _confirm(client, cast_committed)
    assert response.status_code == 200 and response.streaming
    page = b"".join(response.streaming_content).decode()
    batch = ImportBatch.objects.order_by("-id").first()
    assert "showProgress(1, 1)" in page
    assert reverse("batch_detail", args=[batch.pk]) in page
    assert batch.status == "imported" and batch.rows_new == 1
    record = SourceRecord.objects.get(source_record_id="CAP-8", is_current=True)
    assert RecordLink.objects.filter(record=record).exists()
