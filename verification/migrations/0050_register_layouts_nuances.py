from django.db import migrations, models

from signatures.roles import ensure_moderators_group_in_migration
from verification.register.nuances import seed_far_right_nuances


def seed_far_right(apps, schema_editor):
    seed_far_right_nuances(apps.get_model("verification", "FarRightNuance"))


class Migration(migrations.Migration):

    dependencies = [
        ('verification', '0006_flood_alerts'),
    ]

    operations = [
        migrations.CreateModel(
            name='FarRightNuance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(help_text='As the register writes it: RN, LRN, EXD…', max_length=10, unique=True, verbose_name='nuance code')),
                ('label', models.CharField(blank=True, max_length=120, verbose_name='label')),
            ],
            options={
                'verbose_name': 'far-right nuance (RNE)',
                'verbose_name_plural': 'far-right nuances (RNE)',
                'ordering': ['code'],
            },
        ),
        migrations.AddField(
            model_name='registerentry',
            name='last_head_key',
            field=models.CharField(blank=True, max_length=50),
        ),
        migrations.AddField(
            model_name='registerentry',
            name='last_tail_key',
            field=models.CharField(blank=True, max_length=50),
        ),
        migrations.AddField(
            model_name='registerentry',
            name='mandate_ended_on',
            field=models.DateField(blank=True, null=True, verbose_name='mandate end'),
        ),
        migrations.AddField(
            model_name='registerentry',
            name='nuance',
            field=models.CharField(blank=True, max_length=10, verbose_name='political nuance'),
        ),
        migrations.AddField(
            model_name='registerfile',
            name='dates_dropped',
            field=models.PositiveIntegerField(default=0, help_text='Mandate start dates in a form the import could not read.', verbose_name='mandate dates dropped'),
        ),
        migrations.AddField(
            model_name='registerfile',
            name='dates_read',
            field=models.PositiveIntegerField(default=0, verbose_name='mandate dates read'),
        ),
        migrations.AddField(
            model_name='registerfile',
            name='ended',
            field=models.PositiveIntegerField(default=0, verbose_name='lines with an end date'),
        ),
        migrations.AddField(
            model_name='registerfile',
            name='layout',
            field=models.CharField(blank=True, max_length=80, verbose_name='layout'),
        ),
        migrations.AddField(
            model_name='registerfile',
            name='nuances',
            field=models.PositiveIntegerField(default=0, verbose_name='lines with a political nuance'),
        ),
        migrations.AddField(
            model_name='registerfile',
            name='unknown_columns',
            field=models.TextField(blank=True, verbose_name='unknown columns'),
        ),
        migrations.AlterField(
            model_name='registerentry',
            name='kind',
            field=models.CharField(choices=[('cm', 'municipal councillors'), ('mai', 'mayors'), ('epci', 'community councillors'), ('cd', 'departmental councillors'), ('cr', 'regional councillors'), ('ca', 'district councillors'), ('ma', 'members of a territorial assembly'), ('cac', 'members of the Corsican executive'), ('dep', 'members of the National Assembly'), ('sen', 'senators'), ('rpe', 'members of the European Parliament'), ('cons', 'councillors for French citizens abroad'), ('afe', 'members of the Assembly of French citizens abroad')], max_length=4, verbose_name='file'),
        ),
        migrations.AlterField(
            model_name='registerfile',
            name='kind',
            field=models.CharField(choices=[('cm', 'municipal councillors'), ('mai', 'mayors'), ('epci', 'community councillors'), ('cd', 'departmental councillors'), ('cr', 'regional councillors'), ('ca', 'district councillors'), ('ma', 'members of a territorial assembly'), ('cac', 'members of the Corsican executive'), ('dep', 'members of the National Assembly'), ('sen', 'senators'), ('rpe', 'members of the European Parliament'), ('cons', 'councillors for French citizens abroad'), ('afe', 'members of the Assembly of French citizens abroad')], max_length=4, unique=True, verbose_name='file'),
        ),
        migrations.AddIndex(
            model_name='registerentry',
            index=models.Index(condition=models.Q(('last_head_key', ''), _negated=True), fields=['last_head_key'], name='register_name_head'),
        ),
        migrations.AddIndex(
            model_name='registerentry',
            index=models.Index(condition=models.Q(('last_tail_key', ''), _negated=True), fields=['last_tail_key'], name='register_name_tail'),
        ),
        migrations.AddField(
            model_name='registerentry',
            name='second_head',
            field=models.CharField(blank=True, max_length=50),
        ),
        migrations.AddIndex(
            model_name='registerentry',
            index=models.Index(condition=models.Q(('second_head', ''), _negated=True), fields=['last_key', 'second_head'], name='register_second_name'),
        ),
        migrations.RunPython(seed_far_right, migrations.RunPython.noop),
        # Moderators see the table that explains a flag.
        migrations.RunPython(ensure_moderators_group_in_migration, migrations.RunPython.noop),
    ]
