from django.core.management.base import BaseCommand

from petition.models import Petition
from petition.seed import load_first_petition


class Command(BaseCommand):
    help = "Load the campaign's first petition if it is missing (idempotent)."

    def handle(self, *args, **options):
        created = load_first_petition(Petition)
        self.stdout.write("Petition loaded." if created else "Petition already present.")
