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
    ("petition", "view_petition"),
]


def ensure_moderators_group(group_model=None, permission_model=None):
    if group_model is None:
        from django.contrib.auth.models import Group as group_model
        from django.contrib.auth.models import Permission as permission_model
    group, _ = group_model.objects.get_or_create(name="Moderators")
    for app_label, codename in MODERATOR_PERMISSIONS:
        group.permissions.add(permission_model.objects.get(
            content_type__app_label=app_label, codename=codename))
    return group
