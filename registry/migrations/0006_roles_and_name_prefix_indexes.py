"""Role groups with their permissions, and prefix indexes for person search by name.

The prefix indexes use varchar_pattern_ops so `LIKE 'key%'` is index-backed whatever the
database collation (core PostgreSQL only: no pg_trgm).
"""

from django.db import migrations


def roles_forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from registry.roles import roles_ensure

    # Permissions are normally created after all migrations (post_migrate); create them now so
    # the groups can reference them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_ensure(apps)


PREFIX_INDEXES = [
    ("rec_name_key_prefix", "name_key"),
    ("rec_name_phon_prefix", "name_phonetic"),
    ("rec_name_sorted_prefix", "name_sorted"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_access_accounts_grants"),
        ("audit", "0002_append_only_triggers"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("guardian", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(roles_forwards, migrations.RunPython.noop),
        *(
            migrations.RunSQL(
                f"CREATE INDEX IF NOT EXISTS {name} ON registry_sourcerecord "
                f"({column} varchar_pattern_ops) WHERE is_current",
                f"DROP INDEX IF EXISTS {name}",
            )
            for name, column in PREFIX_INDEXES
        ),
    ]
