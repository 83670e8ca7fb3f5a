"""Version 1 of the référentiel (referentiel/data/referentiel-v1.yaml), published.

A published version is never edited: later changes to the YAML file do not reach databases
that already ran this migration; a new version is imported under a new number instead.
"""

from pathlib import Path

from django.db import migrations

V1_FILE = Path(__file__).resolve().parent.parent / "data" / "referentiel-v1.yaml"


def load_v1(apps, schema_editor):
    from referentiel.yaml_io import import_version, load_yaml

    Referentiel = apps.get_model("referentiel", "Referentiel")
    if Referentiel.objects.filter(version=1).exists():
        return
    import_version(load_yaml(V1_FILE), publish=True, apps=apps)


class Migration(migrations.Migration):
    dependencies = [("referentiel", "0001_initial")]

    operations = [migrations.RunPython(load_v1, migrations.RunPython.noop)]
