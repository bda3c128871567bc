"""Evidence files: typed by their first bytes, not by name or declared type; bounded in size;
stored outside every served path; streamed only through the permission-checked, audited view,
and refused (404, audited) to roles or agencies that may not see the household."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from registry.welfare import services
from registry.welfare.attachments import sniff_type
from registry.welfare.models import Attachment, Objection
from registry.welfare.services import Upload
from tests.web.test_views import give_purpose

from .conftest import JPEG, PDF, PNG, viewer


def test_type_comes_from_the_content_not_the_name():
    assert sniff_type(JPEG) == ("image/jpeg", ".jpg")
    assert sniff_type(PNG) == ("image/png", ".png")
    assert sniff_type(PDF) == ("application/pdf", ".pdf")
    assert sniff_type(b"<html><script>alert(1)</script>") is None
    assert sniff_type(b"MZ\x90\x00 executable") is None
    assert sniff_type(b"GIF89a") is None


def _file(welfare, photos=(), documents=()):
    return services.objection_file(
        viewer=viewer(welfare, "analyst"), household_public_id=welfare.other.public_id,
        kind="exclusion", description="desil 3, kepala keluarga sakit, tidak menerima bantuan",
        photos=photos, documents=documents,
    )  # fmt: skip


def test_files_are_typed_by_content_and_stored_outside_served_paths(welfare, attachment_dir):
    item = _file(
        welfare,
        photos=[Upload("rumah.png", JPEG)],  # a JPEG named .png is a JPEG
        documents=[Upload("surat.jpg", PDF)],
    )
    photo, letter = item.attachments.order_by("id")
    assert (photo.purpose, photo.content_type) == ("house_photo", "image/jpeg")
    assert (letter.purpose, letter.content_type) == ("evidence", "application/pdf")
    stored = attachment_dir / photo.storage_name
    assert stored.read_bytes() == JPEG and stored.suffix == ".jpg"
    for served in (settings.STATIC_ROOT, *getattr(settings, "STATICFILES_DIRS", ())):
        assert not str(stored.resolve()).startswith(str(served))
    assert "rumah" not in photo.storage_name
    event = AuditEvent.objects.get(action="objection.file")
    assert [a["type"] for a in event.detail["attachments"]] == ["image/jpeg", "application/pdf"]


@pytest.mark.parametrize(
    ("photos", "documents", "message"),
    [
        ([Upload("rumah.jpg", PDF)], [], "bukan JPEG atau PNG"),  # a PDF is no house photo
        ([], [Upload("surat.pdf", b"<html>bukan pdf</html>")], "bukan JPEG, PNG atau PDF"),
        ([], [Upload("kosong.pdf", b"")], "kosong"),
    ],
)
def test_wrong_content_is_refused_and_nothing_is_stored(
    welfare, attachment_dir, photos, documents, message
):
    with pytest.raises(ValidationError, match=message):
        _file(welfare, photos=photos, documents=documents)
    assert Objection.objects.count() == 0 and Attachment.objects.count() == 0
    assert not attachment_dir.exists() or not any(attachment_dir.iterdir())


def test_size_limit(welfare, settings, attachment_dir):
    settings.WELFARE_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="lebih besar dari 1 KiB"):
        _file(welfare, photos=[Upload("besar.jpg", JPEG + b"\x00" * 1024)])
    assert Attachment.objects.count() == 0
    assert _file(welfare, photos=[Upload("kecil.jpg", JPEG)]).attachments.count() == 1


def test_the_upload_form_refuses_a_renamed_file(welfare, client):
    client.force_login(welfare.users["analyst"])
    give_purpose(client)
    url = reverse("welfare:objection_new") + f"?keluarga={welfare.other.public_id}"
    response = client.post(
        url,
        {
            "kind": "exclusion", "channel": "citizen", "description": "tidak menerima bantuan",
            "photos": SimpleUploadedFile("rumah.jpg", b"#!/bin/sh\n", content_type="image/jpeg"),
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "isi berkas bukan JPEG atau PNG" in response.content.decode()
    assert Objection.objects.count() == 0


@pytest.fixture
def photo(welfare):
    item = _file(welfare, photos=[Upload("rumah.jpg", JPEG)])
    return item.attachments.get()


def test_the_officer_streams_the_file_and_the_opening_is_audited(welfare, client, photo):
    client.force_login(welfare.users["analyst"])
    give_purpose(client)
    response = client.get(reverse("welfare:attachment", args=[photo.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    event = AuditEvent.objects.get(action="attachment.view", outcome="allowed")
    assert event.object_id == str(photo.pk) and event.purpose_code == "verifikasi-bansos"
    assert event.detail["household"] == welfare.other.public_id
    assert event.persons  # names the family members the file is about


@pytest.mark.parametrize("who", ["operator", "planner", "auditor", "public", "analyst_dinkes"])
def test_roles_that_may_not_see_the_household_get_404_audited(welfare, client, photo, who):
    client.force_login(welfare.users[who])
    give_purpose(client)
    response = client.get(reverse("welfare:attachment", args=[photo.pk]))
    assert response.status_code == 404
    assert JPEG not in response.content
    assert AuditEvent.objects.filter(actor=welfare.users[who], outcome="denied").exists()
    assert not AuditEvent.objects.filter(action="attachment.view", outcome="allowed").exists()


def test_a_missing_file_answers_like_a_forbidden_one(welfare, client, photo):
    client.force_login(welfare.users["analyst"])
    give_purpose(client)
    response = client.get(reverse("welfare:attachment", args=[photo.pk + 1000]))
    assert response.status_code == 404
    denied = AuditEvent.objects.get(action="attachment.view", outcome="denied")
    assert denied.reason == "not_found"
