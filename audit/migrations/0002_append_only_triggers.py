"""Make audit_auditevent append-only at the database: UPDATE, DELETE and TRUNCATE raise.

Core PostgreSQL only (plpgsql), so it runs on the embedded pgserver too. A superuser or the
table owner can still disable or drop these triggers; the hash chain (audit.chain) plus an
exported head is what detects that kind of tampering.
"""

from django.db import migrations

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only'
        USING HINT = 'The audit trail can only be appended to (audit.services).';
END;
$$;
"""

# Test databases only: Django's TransactionTestCase (pytest-django transaction=True) empties
# every table with one TRUNCATE after each test, which the trigger above would refuse, breaking
# every transactional test in the project. There, TRUNCATE is allowed unless a session sets
# audit.enforce_truncate = 'on' (the audit tests do, to check the production behaviour).
# Production databases never get this variant.
TEST_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_setting('audit.enforce_truncate', true) IS DISTINCT FROM 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only'
        USING HINT = 'The audit trail can only be appended to (audit.services).';
END;
$$;
"""

TRIGGERS_SQL = """
CREATE TRIGGER audit_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_append_only();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_auditevent_no_update_delete ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_append_only();
"""


def allow_flush_in_test_database(apps, schema_editor):
    settings_dict = schema_editor.connection.settings_dict
    test_name = (settings_dict.get("TEST") or {}).get("NAME")
    if test_name and settings_dict["NAME"] == test_name:
        schema_editor.execute(TEST_FUNCTION_SQL)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunSQL(FUNCTION_SQL + TRIGGERS_SQL, reverse_sql=REVERSE_SQL),
        migrations.RunPython(allow_flush_in_test_database, migrations.RunPython.noop),
    ]
