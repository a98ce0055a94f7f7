import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from petition.models import Petition
from signatures.figures import repair
from signatures.models import Party, Signature
from signatures.places import departements
from signatures.titles import Mandate

FIRST = ["Anne", "Camille", "Hélène", "Yann", "Paul", "Zoé", "Léa", "Karim", "Nadia", "Jean",
         "Marie-Hélène", "Gwenaël", "Inès", "Olivier", "Sophie", "Mathieu", "Aïcha", "Loïc"]
LAST = ["Martin", "Le Goff", "Durand", "Kerjean", "Émery", "Moreau", "Benali", "Dupont-Moreau",
        "Lefèvre", "Nguyen", "Garcia", "Rousseau", "Le Bihan", "Fontaine", "Mercier", "Faure"]


DEMO_DOMAIN = "@demo.invalid"


class Command(BaseCommand):
    help = "Load approved demo signatories (local use only), to try the public pages."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=300)
        parser.add_argument("--force", action="store_true",
                            help="run even with DEBUG off (never on a real campaign)")

    def handle(self, *args, count, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo data is for local use: DEBUG is off (use --force).")
        rng = random.Random(2024)
        petition = Petition.objects.featured()
        parties = list(Party.objects.filter(refused=False, requires_detail=False))
        codes = list(departements())
        mandates = [m for m in Mandate.values if m != Mandate.OTHER]
        # Demo signatories get no approval email.
        with transaction.atomic(), override_settings(NOTIFY_SIGNER_ON_APPROVAL=False):
            # Run again, it replaces its own signatories (their addresses say they are demo).
            _rows, by_model = Signature.objects.filter(
                petition=petition, email__endswith=DEMO_DOMAIN).delete()
            replaced = by_model.get(Signature._meta.label, 0)
            created = []
            for n in range(count):
                code = rng.choice(codes[:96] * 3 + codes)
                signature = Signature(
                    petition=petition, civility=rng.choice("FMX"), first_name=rng.choice(FIRST),
                    last_name=rng.choice(LAST), email=f"demo{n}{DEMO_DOMAIN}",
                    mandate=rng.choice(mandates), locality=departements()[code],
                    departement=code, party=rng.choice(parties), consented_at=timezone.now(),
                )
                signature.save()
                created.append(signature.pk)
            moved = Signature.objects.filter(pk__in=created)
            moved.move("confirm_email")
            moved.move("approve")
        # Deleting rows moves no state: recount, so the running site shows the new figures.
        repair([petition.pk])
        self.stdout.write(f"{count} demo signatories approved on “{petition}”"
                          + (f" (replacing the {replaced} of an earlier run)." if replaced
                             else "."))
