from django.db import migrations

from signatures.roles import ensure_moderators_group_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0002_seed_parties"),
        ("verification", "0001_initial"),
        ("petition", "0002_load_first_petition"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [
        migrations.RunPython(ensure_moderators_group_in_migration, migrations.RunPython.noop),
    ]
