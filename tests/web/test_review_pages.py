"""Review queue pages (issue 16): count, paging and filters; names and kelurahan names instead
of codes; the next pair after a decision; a pair already in one person says so; agreement
levels in words; and the persons shown are named in the queue's audit event."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from registry.models import Region, ReviewTask, SourceRecord
from registry.web import review as review_pages


def _record(source_id):
    return SourceRecord.objects.get(source_record_id=source_id, is_current=True)


@pytest.fixture
def tasks(cast):
    same = ReviewTask.objects.create(
        record_a=_record("CAP-1"),
        record_b=_record("DTKS-1"),
        probability=0.95,
        explanation={"fields": [{"field": "name", "level": "phonetic", "weight": 4.2},
                                {"field": "nik", "level": "exact", "weight": 9.8}]},
    )  # fmt: skip
    apart = ReviewTask.objects.create(
        record_a=_record("CAP-2"), record_b=_record("CAP-3"), probability=0.5
    )
    return same, apart


@pytest.fixture
def walidata(cast, client):
    client.force_login(cast.users["walidata"])
    client.post(
        reverse("purpose"), {"code": "pemutakhiran-data", "text": "uji antrean", "next": "/"}
    )
    return client


def test_queue_counts_names_kelurahan_and_same_person(walidata, tasks, cast):
    page = walidata.get(reverse("review:queue")).content.decode()
    assert "2 pasangan terbuka" in page
    assert "INMAM SANTOSO" in page and "FATIMAH" in page
    kelurahan = Region.objects.get(code=_record("CAP-1").kelurahan_code).name
    assert f"{kelurahan} · capil:CAP-1" in page
    assert page.count("sudah satu orang") == 1  # CAP-1 and DTKS-1 are both the father's
    event = AuditEvent.objects.filter(action="review.queue").latest("id")
    assert cast.father.public_id in event.persons
    assert event.detail["total"] == 2


def test_queue_filters_and_pages(walidata, tasks, cast, monkeypatch):
    same, apart = tasks
    page = walidata.get(reverse("review:queue"), {"skor": "tinggi"}).content.decode()
    assert "1 pasangan terbuka" in page and f"/tinjauan/{same.pk}/?skor=tinggi" in page
    page = walidata.get(reverse("review:queue"), {"agency": "capil", "skor": "rendah"})
    assert f"/tinjauan/{apart.pk}/" in page.content.decode()
    assert f"/tinjauan/{same.pk}/" not in page.content.decode()
    monkeypatch.setattr(review_pages, "PAGE_SIZE", 1)
    first = walidata.get(reverse("review:queue")).content.decode()
    assert "Halaman 1 dari 2" in first and f"/tinjauan/{same.pk}/" in first
    second = walidata.get(reverse("review:queue"), {"hal": 2}).content.decode()
    assert f"/tinjauan/{apart.pk}/" in second and f"/tinjauan/{same.pk}/" not in second


def test_pair_page_says_same_person_levels_in_words_and_kelurahan_name(walidata, tasks):
    same, _apart = tasks
    page = walidata.get(reverse("review:pair", args=[same.pk])).content.decode()
    assert "Kedua rekaman sudah milik satu orang" in page
    assert "bunyinya sama (ejaan lama/baru)" in page and "identik" in page
    kelurahan = Region.objects.get(code=_record("CAP-1").kelurahan_code)
    assert f"{kelurahan.name} ({kelurahan.code})" in page


def test_decision_opens_the_next_pair_under_the_same_filters(walidata, tasks):
    same, apart = tasks
    response = walidata.post(
        reverse("review:decide", args=[same.pk]), {"decision": "skip", "q": "agency=capil"}
    )
    assert response.status_code == 302
    assert response.url == reverse("review:pair", args=[apart.pk]) + "?agency=capil"
    response = walidata.post(reverse("review:decide", args=[apart.pk]), {"decision": "skip"})
    assert response.url == reverse("review:queue")
    page = walidata.get(response.url).content.decode()
    assert "Tidak ada lagi pasangan untuk ditinjau." in page
    assert "0 pasangan terbuka" in page


def test_queue_is_walidata_only(cast, client, tasks):
    client.force_login(cast.users["analyst"])
    assert client.get(reverse("review:queue")).status_code == 404
