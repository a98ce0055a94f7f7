from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [('signatures', '0007_ip_hash')]

    operations = [
    ]
