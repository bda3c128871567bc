"""Write-side audit at the database: statement-level triggers on registry_person and
registry_sourcerecord stage a row in registry_write_log whenever rows change while the
session variable app.actor_id is set (by registry.write_log.audit_actor), so QuerySet.update(),
bulk_create, COPY and raw SQL done for a user leave a trace.

Why a staging table instead of writing audit_auditevent directly: the audit hash chain uses a
canonical JSON (audit/chain.py: normalised decimals, json.dumps string escaping, key order)
that plpgsql cannot reproduce byte for byte, and a second hashing implementation would be a
second source of truth. audit_actor folds this transaction's staged rows into chained audit
events (audit.services.audit_record_many) before its transaction commits; rows staged by a
transaction that set app.actor_id by hand are folded later by `manage.py fold_write_log`.
"""

from django.db import migrations

CREATE_TABLE = """
CREATE TABLE registry_write_log (
    id bigserial PRIMARY KEY,
    staged_at timestamptz NOT NULL DEFAULT now(),
    txid bigint NOT NULL DEFAULT txid_current(),
    actor_raw text NOT NULL,
    table_name text NOT NULL,
    operation text NOT NULL,
    object_id bigint,
    person_id bigint,
    old_person_id bigint,
    public_id text
);
CREATE INDEX registry_write_log_txid ON registry_write_log (txid);
"""

# Row-level triggers guarded by WHEN: with app.actor_id unset the trigger is not even queued,
# so imports and linking runs pay nothing (statement-level triggers with transition tables
# were measured at +100 % on a 500k-row INSERT, because PostgreSQL materialises every row
# whether or not the function then uses them). One staged row per changed row; folding
# aggregates them into one audit event per (transaction, table, operation).
FUNCTION = """
CREATE OR REPLACE FUNCTION registry_write_log_capture() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    actor text := current_setting('app.actor_id', true);
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN  -- TRUNCATE
        INSERT INTO registry_write_log (actor_raw, table_name, operation)
        VALUES (actor, TG_TABLE_NAME, TG_OP);
    ELSIF TG_TABLE_NAME = 'registry_person' THEN
        IF TG_OP = 'DELETE' THEN
            INSERT INTO registry_write_log
                (actor_raw, table_name, operation, object_id, person_id, public_id)
            VALUES (actor, TG_TABLE_NAME, TG_OP, OLD.id, OLD.id, OLD.public_id);
        ELSE
            INSERT INTO registry_write_log
                (actor_raw, table_name, operation, object_id, person_id, public_id)
            VALUES (actor, TG_TABLE_NAME, TG_OP, NEW.id, NEW.id, NEW.public_id);
        END IF;
    ELSE
        IF TG_OP = 'DELETE' THEN
            INSERT INTO registry_write_log
                (actor_raw, table_name, operation, object_id, person_id)
            VALUES (actor, TG_TABLE_NAME, TG_OP, OLD.id, OLD.person_id);
        ELSIF TG_OP = 'UPDATE' THEN
            -- A relink moves a record between persons: both are touched.
            INSERT INTO registry_write_log
                (actor_raw, table_name, operation, object_id, person_id, old_person_id)
            VALUES (actor, TG_TABLE_NAME, TG_OP, NEW.id, NEW.person_id, OLD.person_id);
        ELSE
            INSERT INTO registry_write_log
                (actor_raw, table_name, operation, object_id, person_id)
            VALUES (actor, TG_TABLE_NAME, TG_OP, NEW.id, NEW.person_id);
        END IF;
    END IF;
    RETURN NULL;
END
$fn$;
"""

GUARD = "current_setting('app.actor_id', true) <> ''"


def _triggers(table):
    short = table.removeprefix("registry_")
    return f"""
CREATE TRIGGER {short}_write_log AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW WHEN ({GUARD}) EXECUTE FUNCTION registry_write_log_capture();
CREATE TRIGGER {short}_write_log_trunc BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT WHEN ({GUARD}) EXECUTE FUNCTION registry_write_log_capture();
"""


def _drop(table):
    short = table.removeprefix("registry_")
    return (
        f"DROP TRIGGER IF EXISTS {short}_write_log ON {table};"
        f"DROP TRIGGER IF EXISTS {short}_write_log_trunc ON {table};"
    )


TABLES = ("registry_person", "registry_sourcerecord")


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_saved_household_query")]

    operations = [
        migrations.RunSQL(CREATE_TABLE, "DROP TABLE IF EXISTS registry_write_log"),
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS registry_write_log_capture()"),
        *(migrations.RunSQL(_triggers(t), _drop(t)) for t in TABLES),
    ]
