"""Record -> person links live in RecordLink: what a link run writes there (and nothing into
SourceRecord), how a new version inherits its person, what deleting a person does, and the
migration that moved the column's values into the table."""

import pandas as pd
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from linkage.engine import link_records as engine_link_records
from registry.linking import link, load_records
from registry.models import AidReceipt, Person, RecordLink, SourceRecord
from tests.registry.conftest import (
    FAMILY,
    HEADER,
    WRITE_PATHS,
    load,
    stranger_row,
    use_write_path,
    write_csv,
)


@pytest.fixture(params=WRITE_PATHS)
def write_path(request, monkeypatch):
    """The write paths of write_links (conftest.use_write_path)."""
    return use_write_path(request.param, monkeypatch)


def _city(tmp_path, family_csv):
    """The family at the civil registry, and at the social agency the wife (old spelling, no
    NIK) and a stranger."""
    load(family_csv)
    wife = list(FAMILY[1])
    wife[0], wife[HEADER.index("nik")], wife[HEADER.index("full_name")] = "DS-1", "", "Fatimah"
    stranger = stranger_row()
    load(write_csv(tmp_path / "dinsos.csv", [wife, stranger]), "dinsos", "social_affairs")


def _record_tuples() -> dict[int, str]:
    """Record id -> physical position of its row: an UPDATE moves a row, whatever it sets."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, ctid::text FROM {SourceRecord._meta.db_table}")  # noqa: S608
        return dict(cursor.fetchall())


def _partition(labels: dict[int, object]) -> set[frozenset[int]]:
    groups: dict[object, set[int]] = {}
    for record_id, label in labels.items():
        groups.setdefault(label, set()).add(record_id)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.django_db
def test_full_link_writes_the_engines_clusters_and_never_a_record(
    family_csv, tmp_path, monkeypatch, write_path
):
    _city(tmp_path, family_csv)
    seen = []

    def spy(*args, **kwargs):
        seen.append(engine_link_records(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr("registry.linking.full.link_records", spy)
    tuples = _record_tuples()

    summary = link(full=True)

    clusters = seen[0].clusters
    links = dict(RecordLink.objects.values_list("record_id", "person_id"))
    current = set(SourceRecord.objects.filter(is_current=True).values_list("id", flat=True))
    assert set(links) == current
    assert _partition(links) == _partition(clusters.reindex(list(current)).to_dict())
    assert len(_partition(links)) == 4  # head, wife (both agencies), child, stranger
    assert summary.records_relinked == len(current)
    assert _record_tuples() == tuples  # not one SourceRecord row rewritten
    # aid receipts follow the same links
    for receipt in AidReceipt.objects.all():
        assert receipt.person_id == links[receipt.source_record_id]

    again = link(full=True)
    assert again.records_relinked == 0
    assert dict(RecordLink.objects.values_list("record_id", "person_id")) == links
    assert _record_tuples() == tuples


@pytest.mark.django_db
def test_only_changed_links_are_written_and_counted(family_csv, write_path):
    load(family_csv)
    call_command("link", "--full", verbosity=0)
    child = SourceRecord.objects.get(source_record_id="CAP-3")
    RecordLink.objects.filter(record=child).delete()

    summary = link()

    assert summary.records_relinked == 1
    assert RecordLink.objects.filter(record=child).exists()
    assert RecordLink.objects.count() == 3


@pytest.mark.django_db
def test_new_version_keeps_its_person_until_it_is_linked(family_csv, tmp_path, write_path):
    load(family_csv)
    call_command("link", "--full", verbosity=0)
    wife = Person.objects.get(nik="3671015802660001")
    old = SourceRecord.objects.get(source_record_id="CAP-2")

    moved = [list(row) for row in FAMILY]
    moved[1][HEADER.index("address")] = "Jl. Ki Samaun No. 81"
    load(write_csv(tmp_path / "capil2.csv", moved))

    new = SourceRecord.objects.get(source_record_id="CAP-2", is_current=True)
    assert new.pk != old.pk and new.version == 2
    assert not RecordLink.objects.filter(record=new).exists()
    assert RecordLink.objects.get(record=old).person == wife  # the old version keeps its link
    frame = load_records().set_index("record_id")
    assert frame.loc[new.pk, "person_id"] == wife.pk  # inherited from the version before
    assert old.pk not in frame.index

    summary = link()

    assert summary.records_relinked == 1
    assert RecordLink.objects.get(record=new).person == wife
    assert RecordLink.objects.get(record=old).person == wife
    assert Person.objects.filter(status="active").count() == 3
    wife.refresh_from_db()
    assert wife.address == "JL. KI SAMAUN NO. 81"


@pytest.mark.django_db
def test_deleting_a_person_leaves_its_records_unlinked(family_csv):
    load(family_csv)
    call_command("link", "--full", verbosity=0)
    wife = Person.objects.get(nik="3671015802660001")
    record = SourceRecord.objects.get(source_record_id="CAP-2")

    wife.delete()

    record.refresh_from_db()  # the record stays, only its link goes (as SET_NULL did)
    assert not RecordLink.objects.filter(record=record).exists()
    assert RecordLink.objects.count() == 2
    assert pd.isna(load_records().set_index("record_id").loc[record.pk, "person_id"])
    link()
    assert RecordLink.objects.filter(record=record).exists()


@pytest.mark.django_db
def test_deleting_a_record_deletes_its_link(family_csv):
    load(family_csv)
    call_command("link", "--full", verbosity=0)
    record = SourceRecord.objects.get(source_record_id="CAP-3")
    person = record.link.person
    record.delete()
    assert not RecordLink.objects.filter(record_id=record.pk).exists()
    assert Person.objects.filter(pk=person.pk).exists()


BEFORE = [("registry", "0013_sourcerecord_batch_key_only")]
AFTER = [("registry", "0014_record_link")]


@pytest.mark.django_db(transaction=True)
def test_migration_copies_the_links_and_back():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Agency = apps.get_model("registry", "Agency")
    Dataset = apps.get_model("registry", "Dataset")
    ImportBatch = apps.get_model("registry", "ImportBatch")
    Record = apps.get_model("registry", "SourceRecord")
    OldPerson = apps.get_model("registry", "Person")
    agency = Agency.objects.create(code="capil", name="Capil")
    dataset = Dataset.objects.create(agency=agency, name="penduduk", title="P", producer="C")
    batch = ImportBatch.objects.create(agency=agency, dataset=dataset, status="imported")
    a, b = (OldPerson.objects.create(public_id=p) for p in ("PA0000000001", "PB0000000001"))
    rows = [(1, a, True), (1, a, False), (2, b, True), (3, None, True)]  # (id, person, current)
    made = [
        Record.objects.create(
            agency=agency,
            dataset=dataset,
            batch=batch,
            source_record_id=f"R-{sid}",
            version=1 if current else 0,
            is_current=current,
            content_hash="h",
            original={},
            person=person,
        )  # fmt: skip
        for sid, person, current in rows
    ]
    expected = {r.pk: r.person_id for r in made if r.person_id}

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    assert dict(RecordLink.objects.values_list("record_id", "person_id")) == expected
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'registry_sourcerecord' AND column_name = 'person_id'"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'registry_recordlink'::regclass "
            "AND contype = 'f'"
        )
        assert cursor.fetchone()[0] == 2

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    back = apps.get_model("registry", "SourceRecord").objects.values_list("id", "person_id")
    assert {pk: person for pk, person in back if person} == expected

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
