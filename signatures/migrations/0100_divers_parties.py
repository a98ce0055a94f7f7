from django.db import migrations


def seed(apps, schema_editor):
    from signatures.parties import seed_divers

    seed_divers(apps.get_model("signatures", "Party"))


class Migration(migrations.Migration):
    dependencies = [("signatures", "0040_public_id_and_mixed_script_flag")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
