from django.db import migrations, models


def other_is_unknown(apps, schema_editor):
    # The old heuristic's "other" is what the rules now call "unknown".
    apps.get_model("signatures", "Signature").objects.filter(
        email_domain_kind="other").update(email_domain_kind="unknown")


class Migration(migrations.Migration):

    dependencies = [('signatures', '0009_register_match')]

    operations = [
        migrations.AlterField(
            model_name='signature',
            name='email_domain_kind',
            field=models.CharField(blank=True, choices=[('official', 'official'), ('webmail', 'webmail'), ('not_mandate', "not a mandate's address"), ('unknown', 'unknown')], editable=False, max_length=16, verbose_name='domain kind'),
        ),
        migrations.AddField(
            model_name='signature',
            name='email_domain_check',
            field=models.CharField(blank=True, choices=[('ok', 'receives email'), ('no_mail', 'cannot receive email'), ('unchecked', 'unchecked (DNS did not answer)')], editable=False, max_length=12, verbose_name='email domain check'),
        ),
        migrations.RunPython(other_is_unknown, migrations.RunPython.noop),
    ]
