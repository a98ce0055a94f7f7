from django.db import migrations


def seed(apps, schema_editor):
    from signatures.parties import seed_parties, seed_rejection_reasons

    seed_parties(apps.get_model("signatures", "Party"))
    seed_rejection_reasons(apps.get_model("signatures", "RejectionReason"))


class Migration(migrations.Migration):
    dependencies = [("signatures", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
