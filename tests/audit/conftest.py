from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from audit.services import audit_record

TABLE = "audit_auditevent"


@contextmanager
def triggers_disabled():
    """Simulate a tamperer with owner/superuser rights (the tests connect as superuser)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")


def sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


@pytest.fixture
def user():
    return get_user_model().objects.create_user(username="petugas1", password="x" * 12)


@pytest.fixture
def five_events(user):
    return [
        audit_record(actor=user, action="person.view", persons=[f"P{i:010d}"], detail={"i": i})
        for i in range(5)
    ]
