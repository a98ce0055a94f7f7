from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR_PERMISSIONS = [
    ("signatures", "view_signature"),
    ("signatures", "change_signature"),
    ("signatures", "moderate_signature"),
    ("signatures", "view_moderationdecision"),
    ("signatures", "view_rejectionreason"),
    ("signatures", "add_rejectionreason"),
    ("signatures", "change_rejectionreason"),
    ("signatures", "view_party"),
    ("signatures", "add_party"),
    ("signatures", "change_party"),
    ("verification", "view_emailchallenge"),
    ("petition", "view_petition"),
]


def create_group(apps, schema_editor):
    # Permissions are normally created after migrations; make sure they exist.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    for app_label, codename in MODERATOR_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0002_seed_parties"),
        ("verification", "0001_initial"),
        ("petition", "0002_load_first_petition"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
