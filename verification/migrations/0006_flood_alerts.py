from django.db import migrations, models

from signatures.roles import ensure_moderators_group_in_migration


class Migration(migrations.Migration):

    dependencies = [
        ('verification', '0005_register'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.CreateModel(
            name='FloodAlert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField(verbose_name='hour')),
                ('kind', models.CharField(choices=[('domain', 'email domain'), ('ip_hash', 'IP hash')], max_length=10, verbose_name='kind')),
                ('value', models.CharField(max_length=254, verbose_name='domain or IP hash')),
                ('signatures', models.PositiveIntegerField(verbose_name='signatures in the hour')),
                ('usual_per_hour', models.FloatField(verbose_name='usual per hour (past week)')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'flood alert',
                'verbose_name_plural': 'flood alerts',
                'ordering': ['-hour', '-signatures'],
                'constraints': [models.UniqueConstraint(fields=('hour', 'kind', 'value'), name='one_alert_per_hour_and_source')],
            },
        ),
        migrations.RunPython(ensure_moderators_group_in_migration, migrations.RunPython.noop),
    ]
