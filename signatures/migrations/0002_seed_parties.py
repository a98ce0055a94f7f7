from django.db import migrations


def seed(apps, schema_editor):
    from signatures.parties import seed_parties

    seed_parties(apps.get_model("signatures", "Party"))


class Migration(migrations.Migration):
    dependencies = [("signatures", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
