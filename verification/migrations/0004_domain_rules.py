from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [('verification', '0003_retention_and_delivery_events'), ('signatures', '0010_email_domain_check')]

    operations = [
    ]
