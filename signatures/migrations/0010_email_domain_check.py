from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [('signatures', '0009_register_match')]

    operations = [
    ]
