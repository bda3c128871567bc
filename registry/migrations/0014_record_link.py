"""SourceRecord.person moves into its own narrow table, registry_recordlink (one row per
linked record version, the versions whose person_id was set), and the column is dropped.

The copy writes the rows before the person index and the two foreign keys exist (on a
2-million-person city: 5.6 million rows, whose foreign keys checked row by row would queue
11 million deferred trigger events), then builds the index and validates each key by one
join. The write-log trigger function (0008) reads a record's person through the link table
from now on, and the link table gets the same triggers: a relink done for a user is audited
as 'record_link.db_<operation>' with both persons.
"""

import django.db.models.deletion
from django.db import migrations, models

LINK = "registry_recordlink"


def _index_and_foreign_keys(cursor) -> list[tuple[str, str, str]]:
    """(kind, name, definition) of the link table's secondary indexes and foreign keys."""
    cursor.execute(
        """SELECT 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i
            WHERE i.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
           UNION ALL
           SELECT 'fk', c.conname, pg_get_constraintdef(c.oid)
             FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype = 'f'""",
        [LINK, LINK],
    )
    return cursor.fetchall()


def copy_links(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM registry_sourcerecord WHERE person_id IS NOT NULL)"
        )
        if not cursor.fetchone()[0]:
            return
        rebuilt = _index_and_foreign_keys(cursor)
        for kind, name, _definition in rebuilt:
            if kind == "fk":
                cursor.execute(f'ALTER TABLE {LINK} DROP CONSTRAINT "{name}"')
            else:
                cursor.execute(f"DROP INDEX {name}")
        cursor.execute(
            f"""INSERT INTO {LINK} (record_id, person_id)
                SELECT id, person_id FROM registry_sourcerecord
                 WHERE person_id IS NOT NULL ORDER BY id"""
        )
        for kind, name, definition in rebuilt:
            if kind == "fk":
                cursor.execute(f'ALTER TABLE {LINK} ADD CONSTRAINT "{name}" {definition}')
            else:
                cursor.execute(definition)
        cursor.execute(f"ANALYZE {LINK}")


def copy_links_back(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE registry_sourcerecord r SET person_id = l.person_id
                  FROM {LINK} l WHERE r.id = l.record_id"""
        )


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
    ELSIF TG_TABLE_NAME = 'registry_recordlink' THEN
        IF TG_OP = 'DELETE' THEN
            INSERT INTO registry_write_log
                (actor_raw, table_name, operation, object_id, person_id)
            VALUES (actor, TG_TABLE_NAME, TG_OP, OLD.record_id, OLD.person_id);
        ELSIF TG_OP = 'UPDATE' THEN
            -- A relink moves a record between persons: both are touched.
            INSERT INTO registry_write_log
                (actor_raw, table_name, operation, object_id, person_id, old_person_id)
            VALUES (actor, TG_TABLE_NAME, TG_OP, NEW.record_id, NEW.person_id, OLD.person_id);
        ELSE
            INSERT INTO registry_write_log
                (actor_raw, table_name, operation, object_id, person_id)
            VALUES (actor, TG_TABLE_NAME, TG_OP, NEW.record_id, NEW.person_id);
        END IF;
    ELSE
        -- registry_sourcerecord: the person the version is linked to, if any.
        IF TG_OP = 'DELETE' THEN
            INSERT INTO registry_write_log
                (actor_raw, table_name, operation, object_id, person_id)
            VALUES (actor, TG_TABLE_NAME, TG_OP, OLD.id,
                    (SELECT l.person_id FROM registry_recordlink l WHERE l.record_id = OLD.id));
        ELSE
            INSERT INTO registry_write_log
                (actor_raw, table_name, operation, object_id, person_id)
            VALUES (actor, TG_TABLE_NAME, TG_OP, NEW.id,
                    (SELECT l.person_id FROM registry_recordlink l WHERE l.record_id = NEW.id));
        END IF;
    END IF;
    RETURN NULL;
END
$fn$;
"""

# The function of 0008, for going back (it reads registry_sourcerecord.person_id).
OLD_FUNCTION = """
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

TRIGGERS = f"""
CREATE TRIGGER recordlink_write_log AFTER INSERT OR UPDATE OR DELETE ON {LINK}
    FOR EACH ROW WHEN ({GUARD}) EXECUTE FUNCTION registry_write_log_capture();
CREATE TRIGGER recordlink_write_log_trunc BEFORE TRUNCATE ON {LINK}
    FOR EACH STATEMENT WHEN ({GUARD}) EXECUTE FUNCTION registry_write_log_capture();
"""

DROP_TRIGGERS = (
    f"DROP TRIGGER IF EXISTS recordlink_write_log ON {LINK};"
    f"DROP TRIGGER IF EXISTS recordlink_write_log_trunc ON {LINK};"
)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0013_sourcerecord_batch_key_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordLink",
            fields=[
                (
                    "record",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="link",
                        serialize=False,
                        to="registry.sourcerecord",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="record_links",
                        to="registry.person",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_links, copy_links_back),
        migrations.RunSQL(FUNCTION, OLD_FUNCTION),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.RemoveField(
            model_name="sourcerecord",
            name="person",
        ),
    ]
