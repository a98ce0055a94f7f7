import sys

from django.core.management.base import BaseCommand, CommandError

from petition.models import Petition
from signatures.delivery.pdf import Area, write
from signatures.places import departements


class Command(BaseCommand):
    help = ("Write the delivery dossier (PDF) of a petition's approved signatories: all of "
            "them, a département's, or those handed to one of its parliamentarians.")

    def add_arguments(self, parser):
        parser.add_argument("--petition", metavar="SLUG",
                            help="the petition (default: the featured one)")
        parser.add_argument("--departement", metavar="CODE", default="")
        parser.add_argument("--circonscription", metavar="N", default="",
                            help="with --departement: for the deputy of this constituency")
        parser.add_argument("--senators", action="store_true",
                            help="with --departement: for its senators")
        parser.add_argument("--output", metavar="FILE.pdf", required=True)

    def handle(self, *args, petition, departement, circonscription, senators, output,
               **options):
        found = (Petition.objects.filter(slug=petition).first() if petition
                 else Petition.objects.featured())
        if found is None:
            raise CommandError(f"No petition {petition!r}." if petition
                               else "No featured petition: give --petition SLUG.")
        departement = departement.upper()
        if departement and departement not in departements() and departement != "99":
            raise CommandError(f"Unknown département {departement!r}.")
        if (circonscription or senators) and not departement:
            raise CommandError("--circonscription and --senators need --departement.")
        if circonscription and not (circonscription.isascii() and circonscription.isdigit()):
            raise CommandError("--circonscription is a number, like 3.")
        area = Area(departement, circonscription.lstrip("0"), senators)
        held = write(found, output, area, progress=self.bar)
        self.stderr.write("")
        self.stdout.write(f"{output}: {held} signatories ({area.describe()}).")

    def bar(self, done, total):
        share = done / total if total else 1
        filled = int(share * 40)
        self.stderr.write(f"\r[{'#' * filled}{'.' * (40 - filled)}] {share:4.0%} "
                          f"{done}/{total}", ending="")
        sys.stderr.flush()
