import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from petition.models import Petition
from signatures import places
from signatures.figures import repair
from signatures.models import Party, Signature
from signatures.titles import Mandate

# First names that agree with the civility: no « sénatrice » named Olivier.
FEMININE = ["Anne", "Hélène", "Zoé", "Léa", "Nadia", "Marie-Hélène", "Inès", "Sophie", "Aïcha",
            "Gwenaëlle", "Claire", "Fatou"]
MASCULINE = ["Yann", "Paul", "Karim", "Jean", "Gwenaël", "Olivier", "Mathieu", "Loïc", "Thomas",
             "Samir"]
EPICENE = ["Camille", "Dominique", "Claude"]
LAST = ["Martin", "Le Goff", "Durand", "Kerjean", "Émery", "Moreau", "Benali", "Dupont-Moreau",
        "Lefèvre", "Nguyen", "Garcia", "Rousseau", "Le Bihan", "Fontaine", "Mercier", "Faure"]
# Roughly how France's elected officials are spread: mostly municipal.
MANDATE_WEIGHTS = {
    Mandate.MUNICIPAL_COUNCILLOR: 40, Mandate.MAYOR: 14, Mandate.DEPUTY_MAYOR: 14,
    Mandate.COMMUNITY_COUNCILLOR: 8, Mandate.DISTRICT_COUNCILLOR: 2,
    Mandate.DEPARTMENTAL_COUNCILLOR: 7, Mandate.REGIONAL_COUNCILLOR: 5,
    Mandate.TERRITORIAL_ASSEMBLY: 1, Mandate.DEPUTY: 4, Mandate.SENATOR: 3, Mandate.MEP: 1,
    Mandate.CONSULAR_COUNCILLOR: 1,
}


# Corse, Martinique and Guyane: an assembly instead of a regional council.
SINGLE_COLLECTIVITIES = {"94", "02", "03"}


def demo_person(rng):
    civility = rng.choice("FFFFMMMMMX")
    first = rng.choice({"F": FEMININE, "M": MASCULINE}.get(civility, EPICENE))
    return civility, first, rng.choice(LAST)


def demo_place(rng, mandate) -> dict:
    """A real place of the mandate's kind: a mayor of a commune, not « maire d'Oise »."""
    kind = places.territory_kind(mandate)
    if kind is None:
        return {"departement": places.ABROAD if mandate == Mandate.CONSULAR_COUNCILLOR else ""}
    candidates = [p for p in places.indexes()[kind].places
                  if p.subtype in ("", "m")  # communes and arrondissements, no déléguées
                  and p.departement not in places.WITHOUT_ELECTED_OFFICIALS
                  and p.code != places.ABROAD]
    if mandate == Mandate.TERRITORIAL_ASSEMBLY:
        candidates = [p for p in candidates if p.code in SINGLE_COLLECTIVITIES]
    elif mandate == Mandate.REGIONAL_COUNCILLOR:  # régions, not the overseas collectivities
        candidates = [p for p in candidates
                      if len(p.code) == 2 and p.code not in SINGLE_COLLECTIVITIES]
    # Bigger places have more councillors: draw by population, among the larger ones too.
    place = rng.choices(candidates, weights=[max(p.population, 1) ** 0.5
                                             for p in candidates])[0]
    fields = {"locality": place.name, "locality_code": place.code,
              "departement": place.departement}
    if mandate == Mandate.DEPUTY:
        fields["circonscription"] = str(rng.randint(1, 4))
    return fields


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
        mandates, weights = list(MANDATE_WEIGHTS), list(MANDATE_WEIGHTS.values())
        # Demo signatories get no approval email.
        with transaction.atomic(), override_settings(NOTIFY_SIGNER_ON_APPROVAL=False):
            # Run again, it replaces its own signatories (their addresses say they are demo).
            _rows, by_model = Signature.objects.filter(
                petition=petition, email__endswith=DEMO_DOMAIN).delete()
            replaced = by_model.get(Signature._meta.label, 0)
            created = []
            for n in range(count):
                civility, first, last = demo_person(rng)
                mandate = rng.choices(mandates, weights)[0]
                signature = Signature(
                    petition=petition, civility=civility, first_name=first, last_name=last,
                    email=f"demo{n}{DEMO_DOMAIN}", mandate=mandate, **demo_place(rng, mandate),
                    party=rng.choice(parties), consented_at=timezone.now(),
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
