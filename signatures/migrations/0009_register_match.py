from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [('signatures', '0008_locality_codes')]

    operations = [
    ]
