from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [('verification', '0004_domain_rules')]

    operations = [
    ]
