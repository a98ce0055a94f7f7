import secrets

from django.db import migrations, models

import signatures.models


def give_public_ids(apps, schema_editor):
    """Existing rows get random ids too: one UPDATE on PostgreSQL, row by row elsewhere."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE signatures_signature SET public_id = "
            "floor(random() * 4611686018427387903)::bigint + 1")
        return
    Signature = apps.get_model("signatures", "Signature")
    for pk in Signature.objects.values_list("pk", flat=True).iterator():
        Signature.objects.filter(pk=pk).update(public_id=secrets.randbelow(2**62) + 1)


def flag_mixed_scripts(apps, schema_editor):
    from signatures.scripts import mixes_scripts

    Signature = apps.get_model("signatures", "Signature")
    rows = Signature.objects.values_list("pk", "first_name", "last_name").iterator()
    flagged = [pk for pk, first, last in rows if mixes_scripts(f"{first} {last}")]
    Signature.objects.filter(pk__in=flagged).update(mixed_script_flag=True)


class Migration(migrations.Migration):

    dependencies = [("signatures", "0030_signatures_received_outside_the_form")]

    operations = [
        migrations.AddField(
            model_name="signature", name="public_id",
            field=models.BigIntegerField(editable=False, null=True)),
        migrations.RunPython(give_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="signature", name="public_id",
            field=models.BigIntegerField(default=signatures.models.random_public_id,
                                         editable=False, unique=True)),
        migrations.AddField(
            model_name="signature", name="mixed_script_flag",
            field=models.BooleanField(default=False, editable=False,
                                      verbose_name="mixed scripts in the name")),
        migrations.RunPython(flag_mixed_scripts, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="signature", name="sig_public_list"),
        migrations.RemoveIndex(model_name="signature", name="sig_public_departement"),
        migrations.RemoveIndex(model_name="signature", name="sig_public_mandate"),
        migrations.AddIndex(
            model_name="signature",
            index=models.Index(fields=["petition", "state", "-approved_at", "-public_id"],
                               name="sig_public_list")),
        migrations.AddIndex(
            model_name="signature",
            index=models.Index(fields=["petition", "state", "departement", "-approved_at",
                                       "-public_id"], name="sig_public_departement")),
        migrations.AddIndex(
            model_name="signature",
            index=models.Index(fields=["petition", "state", "mandate", "-approved_at",
                                       "-public_id"], name="sig_public_mandate")),
    ]
