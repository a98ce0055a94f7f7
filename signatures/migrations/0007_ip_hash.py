from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [('signatures', '0006_consent_version')]

    operations = [
        migrations.AddField(
            model_name='signature',
            name='ip_hash',
            field=models.CharField(blank=True, editable=False, max_length=16, verbose_name='IP hash'),
        ),
        migrations.AddIndex(
            model_name='signature',
            index=models.Index(fields=['created_at'], name='sig_created'),
        ),
    ]
