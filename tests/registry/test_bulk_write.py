"""registry.bulk_write: indexes and foreign keys dropped around a bulk write come back, and
a row that breaks a foreign key is still refused."""

import pytest
from django.db import IntegrityError, connection, transaction

from registry.bulk_write import indexes_rebuilt, worth_rebuilding
from registry.models import Household, Membership, Person
from tests.registry.conftest import indexes_and_constraints

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = Membership._meta.db_table


def _definitions() -> list[tuple[str, str]]:
    return indexes_and_constraints(TABLE)


def _people_and_household() -> tuple[Person, Household]:
    person = Person.objects.create(public_id="PTEST0001")
    household = Household.objects.create(public_id="HTEST0001", kk_number="3671010310080006")
    return person, household


def test_indexes_and_keys_are_dropped_inside_and_back_after():
    before = _definitions()
    assert sum("FOREIGN KEY" in d for _, d in before) == 2
    person, household = _people_and_household()
    with transaction.atomic():
        with indexes_rebuilt(TABLE):
            inside = _definitions()
            Membership.objects.create(person=person, household=household, relationship="ANAK")
        assert not any("FOREIGN KEY" in d for _, d in inside)
        assert len(inside) < len(before)
    assert _definitions() == before
    assert Membership.objects.count() == 1


def test_a_broken_foreign_key_is_refused_when_the_key_comes_back():
    person, household = _people_and_household()
    refused = pytest.raises(IntegrityError)
    with refused, transaction.atomic(), indexes_rebuilt(TABLE), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (household_id, person_id, relationship) VALUES (%s, %s, '')",
            [household.pk, person.pk + 1000],
        )
    assert Membership.objects.count() == 0
    assert sum("FOREIGN KEY" in d for _, d in _definitions()) == 2


def test_only_a_large_share_is_worth_rebuilding(monkeypatch):
    assert not worth_rebuilding(TABLE, 10)
    monkeypatch.setattr("registry.bulk_write.REBUILD_MIN_ROWS", 5)
    assert worth_rebuilding(TABLE, 10)  # an empty table: all rows are new
    person, household = _people_and_household()
    Membership.objects.create(person=person, household=household)
    monkeypatch.setattr("registry.bulk_write.REBUILD_SHARE", 0.95)
    assert not worth_rebuilding(TABLE, 10)  # 10 of 11 rows
