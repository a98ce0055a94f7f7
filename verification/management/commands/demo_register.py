from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from petition.models import Petition
from signatures.figures import repair
from verification.register import demo


class Command(BaseCommand):
    help = ("Load a small demo register (local use only) that agrees with demo signatories, "
            "to try « have your elected officials signed? ».")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="run even with DEBUG off (never on a real campaign)")

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo data is for local use: DEBUG is off (use --force).")
        petition = Petition.objects.featured()
        with override_settings(NOTIFY_SIGNER_ON_APPROVAL=False):
            lines, signed = demo.load(petition)
        repair([petition.pk])
        self.stdout.write(f"Demo register: {lines} lines, {signed} of them signed and approved "
                          f"on “{petition}”. Try {petition.absolute_url()}your-officials/")
