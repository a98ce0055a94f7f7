import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from signatures.roles import ensure_moderators_group


class Command(BaseCommand):
    help = "Create (or reset) the local moderator account of `make run` and print its login."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Only for the local embedded setup (DEBUG on).")
        User = get_user_model()
        user, _ = User.objects.get_or_create(
            username="moderator", defaults={"email": "moderator@localhost"})
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_staff = True
        user.save()
        user.groups.add(ensure_moderators_group())
        # Locally, the one account also writes campaign updates (a permission of its own).
        user.user_permissions.add(Permission.objects.get(
            content_type__app_label="petition", codename="send_update"))
        self.stdout.write(
            f"Local moderator: {settings.SITE_URL}{reverse('admin:index')}  "
            f"username: moderator  password: {password}"
        )
