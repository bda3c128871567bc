"""The TRUNCATE allowance for Django's flush exists only in the configured test database."""

import importlib

migration = importlib.import_module("audit.migrations.0002_append_only_triggers")


class FakeEditor:
    def __init__(self, name, test_name):
        self.connection = type(
            "C", (), {"settings_dict": {"NAME": name, "TEST": {"NAME": test_name}}}
        )
        self.executed = []

    def execute(self, statement):
        self.executed.append(statement)


def test_production_database_keeps_the_strict_trigger():
    editor = FakeEditor("satudata", "test_satudata")
    migration.allow_flush_in_test_database(None, editor)
    assert editor.executed == []


def test_test_database_gets_the_flush_allowance():
    editor = FakeEditor("test_satudata", "test_satudata")
    migration.allow_flush_in_test_database(None, editor)
    assert editor.executed == [migration.TEST_FUNCTION_SQL]
    assert "RAISE EXCEPTION" in migration.FUNCTION_SQL
    assert "enforce_truncate" not in migration.FUNCTION_SQL
