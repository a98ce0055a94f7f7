from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('signatures', '0012_choices_declared_by_verification'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='signature',
            options={'permissions': [('moderate_signature', 'Can approve or reject signatures'), ('clear_register_nuance_flag', "Can clear the register's far-right nuance flag of a signature")], 'verbose_name': 'signature', 'verbose_name_plural': 'signatures'},
        ),
        migrations.AddField(
            model_name='signature',
            name='register_mandate_ended_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='mandate no longer in the register since'),
        ),
        migrations.AddField(
            model_name='signature',
            name='register_nuance',
            field=models.CharField(blank=True, editable=False, max_length=10, verbose_name='political nuance (RNE)'),
        ),
        migrations.AddField(
            model_name='signature',
            name='register_nuance_cleared_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='far-right nuance cleared at'),
        ),
        migrations.AddField(
            model_name='signature',
            name='register_nuance_flag',
            field=models.BooleanField(default=False, editable=False, verbose_name='far-right nuance in the register'),
        ),
        migrations.AlterField(
            model_name='signature',
            name='register_match',
            field=models.CharField(blank=True, editable=False, max_length=16, verbose_name='register (RNE)'),
        ),
    ]
