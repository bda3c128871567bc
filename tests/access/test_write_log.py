"""Database-level write audit: update(), bulk_create and raw SQL done for a user leave
hash-chained audit events; writes without an actor leave nothing staged."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.services import verify_chain
from registry.models import Person, RecordLink, SourceRecord
from registry.write_log import audit_actor, write_log_fold

pytestmark = pytest.mark.django_db


def _staged():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_write_log")
        return cursor.fetchone()[0]


def test_queryset_update_is_audited(cast):
    user = cast.users["walidata"]
    with audit_actor(user):
        Person.objects.filter(pk__in=[cast.father.pk, cast.son.pk]).update(birth_place="X")
    event = AuditEvent.objects.filter(action="person.db_update").get()
    assert event.actor_id == user.pk and event.role == "walidata"
    assert sorted(event.persons) == sorted([cast.father.public_id, cast.son.public_id])
    assert event.detail["rows"] == 2
    assert _staged() == 0
    assert verify_chain().ok


def test_bulk_create_and_raw_sql_are_audited(cast):
    user = cast.users["owner"]
    template = SourceRecord.objects.get(source_record_id="DTKS-1")
    person = template.link.person
    with audit_actor(user):
        template.pk = None
        template.source_record_id = "DTKS-99"
        (copy,) = SourceRecord.objects.bulk_create([template])
        RecordLink.objects.bulk_create([RecordLink(record=copy, person=person)])
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_sourcerecord SET flags = array_append(flags, 'manual') "
                "WHERE source_record_id = 'DTKS-2'"
            )
    insert = AuditEvent.objects.get(action="record.db_insert")
    assert insert.agency_code == "dinsos" and insert.detail["ids"] == [copy.pk]
    assert insert.persons == []  # not linked yet when its row was written
    # A new version is linked by a second write, to the link table: that one names the person.
    link = AuditEvent.objects.get(action="record_link.db_insert")
    assert link.persons == [cast.father.public_id] and link.detail["ids"] == [copy.pk]
    # A record's own row names the person it is linked to.
    update = AuditEvent.objects.get(action="record.db_update")
    assert update.persons == [cast.son.public_id]
    assert update.actor_id == user.pk
    assert verify_chain().ok


def test_relink_touches_both_persons_and_delete_keeps_public_id(cast):
    user = cast.users["walidata"]
    lonely = Person.objects.create(public_id="PLONELY00001")
    with audit_actor(user):
        RecordLink.objects.filter(record__source_record_id="KAS-1").update(person=cast.father)
        RecordLink.objects.filter(record__source_record_id="KAS-1").update(person=cast.mother)
        Person.objects.filter(pk=lonely.pk).delete()
    relink = AuditEvent.objects.get(action="record_link.db_update")
    # One event per (table, operation) per transaction: both statements, both persons.
    assert set(relink.persons) == {cast.father.public_id, cast.mother.public_id}
    assert relink.detail["rows"] == 2
    deleted = AuditEvent.objects.get(action="person.db_delete")
    assert deleted.persons == ["PLONELY00001"]


def test_writes_without_actor_stage_nothing(cast):
    before = AuditEvent.objects.count()
    Person.objects.filter(pk=cast.father.pk).update(birth_place="Y")
    assert _staged() == 0
    assert AuditEvent.objects.count() == before


def test_rollback_leaves_nothing(cast):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), audit_actor(cast.users["walidata"]):
        Person.objects.filter(pk=cast.father.pk).update(birth_place="Z")
        raise RuntimeError("boom")
    assert _staged() == 0
    assert AuditEvent.objects.count() == before
    cast.father.refresh_from_db()
    assert cast.father.birth_place != "Z"


def test_actor_does_not_leak_past_the_block(cast):
    with transaction.atomic():
        with audit_actor(cast.users["walidata"]):
            pass
        Person.objects.filter(pk=cast.father.pk).update(birth_place="W")
        assert _staged() == 0


def test_hand_set_actor_is_folded_later(cast):
    user = cast.users["owner"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.actor_id', %s, true)", [str(user.pk)])
        cursor.execute("UPDATE registry_person SET birth_place = 'V' WHERE id = %s",
                       [cast.son.pk])  # fmt: skip
        cursor.execute("SELECT set_config('app.actor_id', '', true)")
    assert _staged() == 1
    # Same test transaction, so fold this txid explicitly; in production the command folds
    # rows of committed transactions (pending=True).
    assert write_log_fold() == 1
    event = AuditEvent.objects.get(action="person.db_update")
    assert event.actor_id == user.pk and event.persons == [cast.son.public_id]
    call_command("fold_write_log", verbosity=0)
