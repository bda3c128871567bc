"""Clerical review and manual merge/unmerge: applied at once, audited, honoured by link --full."""

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from registry.models import Agency, Person, PersonLinkEvent, ReviewTask, SourceRecord
from registry.roles import Role
from registry.selectors import NotFound, Purpose, viewer_for
from registry.services.accounts import account_create
from registry.services.reviews import (
    person_merge,
    person_unmerge,
    review_decide,
    review_queue_for_user,
    review_task_get_for_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["arrays", "copy"])
def write_path(request, monkeypatch):
    """Every test runs twice: the few-rows writes (array parameters) and the whole-city ones
    (temporary tables filled by COPY), which must give the same result."""
    if request.param == "copy":
        monkeypatch.setattr("registry.linking.profiles.BULK_ROWS", 0)
    return request.param


PURPOSE = Purpose.parse("pemutakhiran-data", "uji")


@pytest.fixture
def linked(family_csv):
    call_command(
        "import_records", "--agency", "capil", "--create-agency", "--agency-kind",
        "civil_registry", str(family_csv), verbosity=0,
    )  # fmt: skip
    call_command("link", "--full", verbosity=0)


@pytest.fixture
def walidata(db):
    agency = Agency.objects.create(code="kominfo", name="Diskominfo", kind="data_custodian")
    user = account_create(
        actor=None, username="wali", password="a-long-pass-2026", role=Role.WALIDATA, agency=agency
    )
    return user


def record(source_id):
    """The current version, with `person_id` (its link's person) and `link.person`."""
    return (
        SourceRecord.objects.with_person()
        .select_related("link__person")
        .get(source_record_id=source_id, is_current=True)
    )


def test_same_decision_merges_and_survives_full_relink(linked, walidata):
    head, wife = record("CAP-1"), record("CAP-2")
    task = ReviewTask.objects.create(record_a=head, record_b=wife, probability=0.4)
    viewer = viewer_for(walidata)
    assert [t.id for t in review_queue_for_user(viewer=viewer, purpose=PURPOSE)] == [task.pk]
    shown = review_task_get_for_user(viewer=viewer, task_id=task.pk, purpose=PURPOSE)
    assert {f["name"] for f in shown.fields} >= {"full_name", "nik", "birth_date"}

    review_decide(viewer=viewer, task_id=task.pk, decision="same", purpose=PURPOSE)

    survivor = record("CAP-1").link.person
    absorbed = Person.objects.get(pk=wife.person_id)
    assert record("CAP-2").link.person == survivor
    assert (absorbed.status, absorbed.merged_into) == ("merged", survivor)
    assert PersonLinkEvent.objects.filter(kind="merge", person=survivor).exists()
    assert AuditEvent.objects.filter(action="review.decide", outcome="allowed").exists()

    call_command("link", "--full", verbosity=0)
    assert record("CAP-2").person_id == record("CAP-1").person_id == survivor.pk


def test_different_decision_splits_and_survives_full_relink(linked, walidata):
    # Force the child into the father's person, then tell the registry they differ.
    head, child = record("CAP-1"), record("CAP-3")
    person_merge(
        actor=walidata, survivor=head.link.person.public_id,
        absorbed=child.link.person.public_id,
        reason="test",
    )  # fmt: skip
    assert record("CAP-3").person_id == head.person_id
    task = ReviewTask.objects.create(record_a=head, record_b=record("CAP-3"), probability=0.5)
    review_decide(
        viewer=viewer_for(walidata), task_id=task.pk, decision="different", purpose=PURPOSE
    )
    assert record("CAP-3").person_id != record("CAP-1").person_id
    call_command("link", "--full", verbosity=0)
    assert record("CAP-3").person_id != record("CAP-1").person_id


def test_manual_unmerge_keeps_history(linked, walidata):
    head, wife = record("CAP-1"), record("CAP-2")
    merged = person_merge(
        actor=walidata, survivor=head.link.person.public_id,
        absorbed=wife.link.person.public_id,
        reason="same person per KK check",
    )  # fmt: skip
    part = person_unmerge(
        actor=walidata, public_id=merged.public_id, record_ids=[wife.pk], reason="mistake"
    )
    assert record("CAP-2").link.person == part
    kinds = set(PersonLinkEvent.objects.values_list("kind", flat=True))
    assert kinds == {"merge", "split"}
    assert AuditEvent.objects.filter(action__in=["person.merge", "person.unmerge"]).count() == 2
    call_command("link", "--full", verbosity=0)
    assert record("CAP-2").person_id != record("CAP-1").person_id


def test_only_the_walidata_reviews(linked):
    agency = Agency.objects.create(code="dinsos", name="Dinsos", kind="social_affairs")
    analyst = account_create(
        actor=None, username="ana", password="a-long-pass-2026", role=Role.ANALYST, agency=agency
    )
    task = ReviewTask.objects.create(
        record_a=record("CAP-1"), record_b=record("CAP-2"), probability=0.4
    )
    with pytest.raises(NotFound):
        review_decide(viewer=viewer_for(analyst), task_id=task.pk, decision="same", purpose=PURPOSE)
    assert AuditEvent.objects.filter(action="review.decide", outcome="denied").exists()
    assert record("CAP-1").person_id != record("CAP-2").person_id
