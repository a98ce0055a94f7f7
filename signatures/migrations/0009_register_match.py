from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [('signatures', '0008_locality_codes')]

    operations = [
        migrations.AddField(
            model_name='signature',
            name='register_checked_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='register checked at'),
        ),
        migrations.AddField(
            model_name='signature',
            name='register_match',
            field=models.CharField(blank=True, choices=[('exact', 'listed'), ('probable', 'probably listed'), ('none', 'not found')], editable=False, max_length=10, verbose_name='register (RNE)'),
        ),
        migrations.AddField(
            model_name='signature',
            name='register_match_note',
            field=models.TextField(blank=True, editable=False, verbose_name='register (RNE) note'),
        ),
    ]
