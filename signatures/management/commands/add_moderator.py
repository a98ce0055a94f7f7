from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from signatures.roles import ensure_moderators_group


class Command(BaseCommand):
    help = ("Add a campaign moderator by email and print a one-time link to set a password. "
            "Running it again for the same email prints a new link.")

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an email address: {email}") from error
        User = get_user_model()
        user, created = User.objects.get_or_create(username=email, defaults={"email": email})
        if created:
            user.set_unusable_password()
        user.is_staff = True
        user.save()
        user.groups.add(ensure_moderators_group())
        # The link works once: the token depends on the password hash and last login.
        path = reverse("password_set", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                             default_token_generator.make_token(user)])
        self.stdout.write(f"{'Added' if created else 'Updated'} moderator {email}.")
        self.stdout.write(f"One-time link to set the password: {settings.SITE_URL}{path}")
        if settings.ADMIN_OTP_REQUIRED:
            # A new key each time: running the command again replaces a lost phone.
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
            self.stdout.write("Second factor: add this to an authenticator app "
                              "(pass it on as privately as the link above):")
            self.stdout.write(f"  {device.config_url}")
