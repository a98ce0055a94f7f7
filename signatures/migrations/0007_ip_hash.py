from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [('signatures', '0006_consent_version')]

    operations = [
    ]
