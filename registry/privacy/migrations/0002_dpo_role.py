"""The data protection officer's role group (registry.roles.Role.DPO) on existing databases."""

from django.db import migrations


def roles_forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from registry.roles import roles_ensure

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(roles_forwards, migrations.RunPython.noop)]
