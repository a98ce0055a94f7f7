from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [('signatures', '0007_ip_hash')]

    operations = [
        migrations.AddField(
            model_name='signature',
            name='locality_code',
            field=models.CharField(blank=True, max_length=10, verbose_name='locality code'),
        ),
        migrations.AddField(
            model_name='signature',
            name='circonscription',
            field=models.CharField(blank=True, max_length=3, verbose_name='constituency'),
        ),
    ]
