"""Confirmed web uploads are linked at once; large ones stream their import progress."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import ImportBatch, RecordLink, SourceRecord
from tests.api.conftest import run_jobs
from tests.web.conftest import build_cast, csv_bytes
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


def test_large_upload_is_queued_and_the_worker_imports_it(client, cast_committed, settings):
    """A large upload never imports (nor forks validation workers) in the web request: it
    becomes a job; its page follows the job and then shows the batch."""
    settings.WEB_IMPORT_PROGRESS_MIN_ROWS = 1
    client.force_login(cast_committed.users["operator"])
    before = ImportBatch.objects.count()
    response = _confirm(client, cast_committed)
    assert response.status_code == 302
    assert ImportBatch.objects.count() == before  # nothing imported in the request
    page = client.get(response.url)
    assert page.status_code == 200
    assert b'http-equiv="refresh"' in page.content
    run_jobs()
    page = client.get(response.url).content.decode()
    batch = ImportBatch.objects.latest("id")
    assert ImportBatch.objects.count() == before + 1
    assert reverse("batch_detail", args=[batch.pk]) in page
    assert 'http-equiv="refresh"' not in page
    assert batch.status == "imported" and batch.rows_new == 1
    record = SourceRecord.objects.get(source_record_id="CAP-8", is_current=True)
    assert RecordLink.objects.filter(record=record).exists()
    # someone else's job page: 404
    client.force_login(cast_committed.users["walidata"])
    assert client.get(response.url).status_code in (403, 404)


def test_linking_failure_after_the_import_says_pending_not_nothing_imported(
    client, cast_committed, monkeypatch
):
    client.force_login(cast_committed.users["operator"])

    def broken(*args, **kwargs):
        raise RuntimeError("linking failed")

    monkeypatch.setattr("registry.linking.link_new_records", broken)
    response = _confirm(client, cast_committed)
    batch = ImportBatch.objects.latest("id")
    assert response.url == reverse("batch_detail", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "Penautan tertunda" in page  # "linking pending", in Bahasa Indonesia
    assert "tidak ada yang diimpor" not in page.lower()  # not "nothing was imported"
    assert not RecordLink.objects.filter(record__batch=batch).exists()
    # the queued link places the stored records
    monkeypatch.undo()
    run_jobs()
    assert not SourceRecord.objects.filter(batch=batch, link__isnull=True).exists()
    assert "Penautan tertunda" not in client.get(response.url).content.decode()


@pytest.mark.django_db
def test_the_upload_report_never_forks_in_the_request(client, cast, login, monkeypatch):
    """Validation workers must not be children of a web server process: the dry run of the
    upload report validates in the request's own process, whatever the file's size."""
    monkeypatch.setattr("registry.services.imports.PARALLEL_MIN_ROWS", 1)

    def no_pool(*args, **kwargs):
        raise AssertionError("validation workers forked inside a web request")

    monkeypatch.setattr("registry.services.imports.ProcessPoolExecutor", no_pool)
    login(cast, "operator")
    response = _upload(client, cast, [GOOD_ROW, ["CAP-9", *GOOD_ROW[1:]]])
    assert response.status_code == 302, response.content[:300]
    assert "/laporan/" in response.url


def test_large_strict_upload_keeps_strict_in_the_worker(client, cast_committed, settings):
    """The "Ketat" (strict) checkbox holds for a queued large upload too: the worker refuses
    the row with a future birth date instead of storing it flagged."""
    from tests.web.test_upload_problems import FUTURE_ROW

    settings.WEB_IMPORT_PROGRESS_MIN_ROWS = 1
    client.force_login(cast_committed.users["operator"])
    future = ["CAP-7", *FUTURE_ROW[1:]]
    response = client.post(
        reverse("upload"),
        {
            "dataset": cast_committed.penduduk.pk,
            "file": SimpleUploadedFile("baru.csv", csv_bytes([GOOD_ROW, future])),
            "strict": "on",
        },
    )
    token = response.url.rstrip("/").split("/")[-2]
    confirmed = client.post(reverse("upload_confirm", args=[token]), {"mode": "valid"})
    assert "/unggah/pekerjaan/" in confirmed.url, confirmed.url
    run_jobs()
    batch = ImportBatch.objects.latest("id")
    assert (batch.rows_new, batch.rows_invalid) == (1, 1)
    assert SourceRecord.objects.filter(source_record_id="CAP-8", is_current=True).exists()
    assert not SourceRecord.objects.filter(source_record_id="CAP-7").exists()
    assert [(e["line"], e["reason"]) for e in batch.errors] == [(3, "birth_date:future")]
    page = client.get(reverse("batch_detail", args=[batch.pk])).content.decode()
    assert "tanggal lahir di masa depan" in page
