"""The Moderators group: exactly what review needs, nothing more."""

MODERATOR_PERMISSIONS = [
    ("signatures", "view_signature"),
    ("signatures", "change_signature"),
    ("signatures", "moderate_signature"),
    ("signatures", "view_moderationdecision"),
    ("signatures", "view_party"),
    ("signatures", "add_party"),
    ("signatures", "change_party"),
    ("signatures", "view_rejectionreason"),
    ("signatures", "add_rejectionreason"),
    ("signatures", "change_rejectionreason"),
    ("verification", "view_emailchallenge"),
    ("verification", "view_floodalert"),
    # Email domain rules: moderators meet the domains first (no delete).
    ("verification", "view_domainrule"),
    ("verification", "add_domainrule"),
    ("verification", "change_domainrule"),
    ("verification", "view_registerfile"),  # which register release matched
    ("verification", "view_farrightnuance"),  # why the register flags a signer
    ("petition", "view_petition"),
    # The delivery dossiers: asked for and downloaded by moderators (no delete).
    ("signatures", "view_deliverydossier"),
    ("signatures", "add_deliverydossier"),
]


def ensure_moderators_group(group_model=None, permission_model=None):
    if group_model is None:
        from django.contrib.auth.models import Group as group_model
        from django.contrib.auth.models import Permission as permission_model
    group, _ = group_model.objects.get_or_create(name="Moderators")
    # In an early migration, later apps' models do not exist yet: the migration
    # that creates them calls this again.
    for app_label, codename in MODERATOR_PERMISSIONS:
        group.permissions.add(*permission_model.objects.filter(
            content_type__app_label=app_label, codename=codename))
    return group


def ensure_moderators_group_in_migration(apps, schema_editor):
    """Migrations call this after adding a model whose permissions moderators need."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrations; make sure they exist.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    ensure_moderators_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
