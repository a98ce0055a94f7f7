from django.db import migrations


def load(apps, schema_editor):
    from petition.seed import load_first_petition

    load_first_petition(apps.get_model("petition", "Petition"))


class Migration(migrations.Migration):
    dependencies = [("petition", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
