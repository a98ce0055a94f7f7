"""A small demo register that agrees with demo signatories (`make demo`, local use only).

For every département: mayors of its five most populous communes, deputies,
senators, departmental and regional councillors; about two in five of them have
signed, approved, with a demo address (signatures.management.commands.demo_data
replaces those on its next run, and this runs after it).
"""

import random

from django.db import transaction
from django.utils import timezone

from signatures.models import Party, Signature
from signatures.places import COMMUNE, DEPARTEMENT, REGION, departements, find, indexes
from signatures.titles import Mandate

from . import files as rne
from .models import RegisterEntry, RegisterFile

FIRST = ["Anne", "Camille", "Hélène", "Yann", "Paul", "Zoé", "Karim", "Nadia", "Gwenaël",
         "Inès", "Olivier", "Sophie", "Mathieu", "Aïcha", "Loïc", "Claire", "Bruno", "Léa"]
LAST = ["Kerbrat", "Morvan", "Lestrade", "Aubriot", "Fabre", "Delorme", "Hamadi", "Roussel",
        "Vasseur", "Quéré", "Bonnaud", "Castagné", "Jouve", "Marchetti", "Oyhenart", "Salaün"]
KINDS = {"mai": Mandate.MAYOR, "dep": Mandate.DEPUTY, "sen": Mandate.SENATOR,
         "cd": Mandate.DEPARTMENTAL_COUNCILLOR, "cr": Mandate.REGIONAL_COUNCILLOR}


def entry(kind, last_name, first_name, line, **territory) -> RegisterEntry:
    """A register line as the import would store it (keys folded the same way)."""
    first_key = rne.fold(first_name)
    given = first_key.split()
    return RegisterEntry(kind=kind, line=line, last_name=last_name, first_name=first_name,
                         last_key=rne.last_name_key(last_name)[:100], first_key=first_key,
                         first_head=given[0] if given else "",
                         second_head=given[1] if len(given) > 1 else "", **territory)


def signature_for(petition, entry, party, number) -> Signature:
    mandate = KINDS[entry.kind]
    place = {"mai": lambda: find(COMMUNE, entry.commune_code),
             "cr": lambda: find(REGION, entry.region_code)}.get(entry.kind, lambda: None)()
    return Signature(
        petition=petition, civility=entry.sex or "X", first_name=entry.first_name,
        last_name=entry.last_name, email=f"register{number}@demo.invalid", mandate=mandate,
        locality=place.name if place else entry.territory_name,
        locality_code=place.code if place else entry.departement,
        departement=entry.departement, circonscription=entry.circonscription,
        party=party, consented_at=timezone.now())


def load(petition) -> tuple[int, int]:
    rng = random.Random(17)
    communes = indexes()[COMMUNE].places
    biggest = {}
    for place in sorted((p for p in communes if not p.subtype), key=lambda p: -p.population):
        if len(biggest.setdefault(place.departement, [])) < 5:
            biggest[place.departement].append(place)
    rows, line = [], 0

    def add(kind, **territory):
        nonlocal line
        line += 1
        rows.append(entry(kind, rng.choice(LAST), rng.choice(FIRST), line,
                          sex=rng.choice("FM"), **territory))

    for code, name in departements().items():
        region = (find(DEPARTEMENT, code).parent if find(DEPARTEMENT, code) else "")
        for place in biggest.get(code, []):
            add("mai", departement=code, commune_code=place.code, territory_name=place.name,
                function="Maire")
        for number in range(1, rng.randint(2, 4)):
            add("dep", departement=code, circonscription=str(number), territory_name=name)
        for _n in range(2):
            add("sen", departement=code, territory_name=name)
            add("cd", departement=code, canton_code=f"{code}01", territory_name=f"Canton {name}")
            add("cr", departement=code, region_code=region, territory_name=name)
    party = Party.objects.filter(refused=False, requires_detail=False).first()
    with transaction.atomic():
        RegisterEntry.objects.filter(kind__in=KINDS).delete()
        RegisterEntry.objects.bulk_create(rows, batch_size=2000)
        for kind in KINDS:
            RegisterFile.objects.update_or_create(kind=kind, defaults={
                "file_name": f"demo-{rne.KINDS[kind].file_name}",
                "rows": sum(r.kind == kind for r in rows), "encoding": "utf-8",
                "released_on": timezone.localdate(), "imported_at": timezone.now(),
                "layout": "demo"})
        signers = [signature_for(petition, row, party, n) for n, row in enumerate(rows)
                   if rng.random() < 0.4]
        Signature.objects.filter(petition=petition, email__startswith="register",
                                 email__endswith="@demo.invalid").delete()
        for signature in signers:
            signature.save()
        moved = Signature.objects.filter(pk__in=[s.pk for s in signers])
        moved.move("confirm_email")
        moved.move("approve")
    return len(rows), len(signers)
