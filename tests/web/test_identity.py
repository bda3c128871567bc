"""Merge and unmerge from a person page: walidata only, audited, kept by later link runs."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEvent
from registry.models import Person, PersonLinkEvent, SourceRecord
from tests.web.test_views import give_purpose

pytestmark = pytest.mark.django_db


def person_of(source_record_id):
    return SourceRecord.objects.get(source_record_id=source_record_id, is_current=True).link.person


def test_walidata_splits_a_record_off_then_merges_it_back(client, cast, login):
    login(cast, "walidata")
    father = cast.father.public_id
    give_purpose(client)
    page = client.get(reverse("person_detail", args=[father])).content.decode()
    assert reverse("person_unmerge", args=[father]) in page

    response = client.post(
        reverse("person_unmerge", args=[father]),
        {"records": ["dinsos:DTKS-1"], "reason": "different person per home visit"},
    )
    split_off = person_of("DTKS-1")
    assert split_off.public_id != father
    assert response.url == reverse("person_detail", args=[split_off.public_id])
    assert PersonLinkEvent.objects.filter(kind="split", other=split_off).exists()
    call_command("link", "--full", verbosity=0)
    assert person_of("DTKS-1").pk != person_of("CAP-1").pk  # the decision holds

    client.post(
        reverse("person_merge", args=[father]),
        {"other": split_off.public_id, "reason": "same person after all"},
    )
    assert person_of("DTKS-1").public_id == father
    assert Person.objects.get(pk=split_off.pk).status == "merged"
    call_command("link", "--full", verbosity=0)
    assert person_of("DTKS-1").public_id == father
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"person.merge", "person.unmerge"} <= actions


@pytest.mark.parametrize("role", ["analyst", "operator", "planner", "auditor"])
def test_only_the_walidata_may_merge_or_split(client, cast, login, role):
    login(cast, role)
    give_purpose(client)
    father = cast.father.public_id
    before = AuditEvent.objects.filter(outcome="denied").count()
    response = client.post(
        reverse("person_unmerge", args=[father]), {"records": ["dinsos:DTKS-1"], "reason": "x"}
    )
    assert response.status_code == 404
    assert person_of("DTKS-1").public_id == father
    assert AuditEvent.objects.filter(outcome="denied").count() > before
