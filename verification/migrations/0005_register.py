from django.db import migrations, models

KINDS = [('cm', 'municipal councillors'), ('mai', 'mayors'), ('epci', 'community councillors'), ('cd', 'departmental councillors'), ('cr', 'regional councillors'), ('ca', 'district councillors'), ('ma', 'members of a territorial assembly'), ('dep', 'members of the National Assembly'), ('sen', 'senators'), ('rpe', 'members of the European Parliament'), ('cons', 'councillors for French citizens abroad'), ('afe', 'members of the Assembly of French citizens abroad')]


class Migration(migrations.Migration):

    dependencies = [('verification', '0004_domain_rules')]

    operations = [
        migrations.CreateModel(
            name='RegisterFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=KINDS, max_length=4, unique=True, verbose_name='file')),
                ('file_name', models.CharField(max_length=255, verbose_name='file name')),
                ('rows', models.PositiveIntegerField(verbose_name='lines')),
                ('encoding', models.CharField(max_length=12, verbose_name='encoding')),
                ('released_on', models.DateField(blank=True, help_text="Read from the file's name when it has a date.", null=True, verbose_name='release date')),
                ('imported_at', models.DateTimeField(verbose_name='imported at')),
            ],
            options={
                'verbose_name': 'register file (RNE)',
                'verbose_name_plural': 'register files (RNE)',
                'ordering': ['kind'],
            },
        ),
        migrations.CreateModel(
            name='RegisterEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=KINDS, max_length=4, verbose_name='file')),
                ('line', models.PositiveIntegerField(verbose_name='line in the file')),
                ('last_name', models.CharField(max_length=100, verbose_name='last name')),
                ('first_name', models.CharField(max_length=100, verbose_name='first name')),
                ('last_key', models.CharField(max_length=100)),
                ('first_key', models.CharField(max_length=100)),
                ('first_head', models.CharField(max_length=50)),
                ('sex', models.CharField(blank=True, max_length=1, verbose_name='sex code')),
                ('function', models.CharField(blank=True, max_length=120, verbose_name='function')),
                ('departement', models.CharField(blank=True, max_length=3, verbose_name='département')),
                ('commune_code', models.CharField(blank=True, max_length=5, verbose_name='commune (INSEE)')),
                ('epci_siren', models.CharField(blank=True, max_length=9, verbose_name='EPCI (SIREN)')),
                ('canton_code', models.CharField(blank=True, max_length=10, verbose_name='canton')),
                ('region_code', models.CharField(blank=True, max_length=3, verbose_name='région')),
                ('circonscription', models.CharField(blank=True, max_length=10, verbose_name='constituency')),
                ('territory_name', models.CharField(blank=True, max_length=150, verbose_name='territory')),
                ('mandate_started_on', models.DateField(blank=True, null=True, verbose_name='mandate start')),
            ],
            options={
                'verbose_name': 'register line (RNE)',
                'verbose_name_plural': 'register lines (RNE)',
                'indexes': [models.Index(fields=['last_key', 'first_head'], name='register_name'), models.Index(fields=['kind'], name='register_kind')],
            },
        ),
    ]
