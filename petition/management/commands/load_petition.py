from django.core.management.base import BaseCommand

from petition.models import Petition
from petition.seed import FIRST_PETITION, load_first_petition


class Command(BaseCommand):
    help = "Load the campaign's first petition if it is missing (idempotent)."

    def handle(self, *args, **options):
        created = load_first_petition(Petition)
        if created:
            self.stdout.write(f"The first petition ({FIRST_PETITION}) was loaded from "
                              "petition/content/.")
        else:
            # On a fresh clone the migrations have already loaded it: nothing is wrong.
            self.stdout.write(f"The first petition ({FIRST_PETITION}) is in the database "
                              "already (loaded by the migrations, or edited by staff): "
                              "left as it is.")
