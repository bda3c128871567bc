from django.conf import settings
from django.db import migrations


def load(apps, schema_editor):
    from registry.services.regions import regions_load

    regions_load(apps.get_model("registry", "Region"), settings.REGISTRY_REGENCY_CODE)


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_agency_column_mapping")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
