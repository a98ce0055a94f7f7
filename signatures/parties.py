"""French parties offered in the form on a fresh install (editable in the admin).

(name, abbreviation, aliases, refused). Refused: the campaign refuses the far
right; the Ministry of the Interior classes RN, REC, UXD, EXD and UDR lists as
« extrême droite ». Debout la France is left for the campaign to decide.
"""

PARTIES = [
    ("La France insoumise", "LFI", "FI, France insoumise", False),
    ("Parti socialiste", "PS", "", False),
    ("Les Écologistes", "EELV", "Europe Écologie Les Verts, Les Verts", False),
    ("Parti communiste français", "PCF", "", False),
    ("Place publique", "PP", "", False),
    ("Génération·s", "G·s", "Generations", False),
    ("Gauche républicaine et socialiste", "GRS", "", False),
    ("L'Après", "APRÈS", "Association pour une République écologique et sociale", False),
    ("Génération écologie", "GE", "", False),
    ("Parti radical de gauche", "PRG", "", False),
    ("Nouveau Parti anticapitaliste", "NPA", "", False),
    ("Lutte ouvrière", "LO", "", False),
    ("Régions et peuples solidaires", "R&PS", "", False),
    ("Renaissance", "RE", "En Marche, LREM, Ensemble", False),
    ("Mouvement démocrate", "MoDem", "", False),
    ("Horizons", "HOR", "", False),
    ("Union des démocrates et indépendants", "UDI", "", False),
    ("Parti radical", "PRV", "Parti radical valoisien", False),
    ("Les Républicains", "LR", "UMP", False),
    ("Debout la France", "DLF", "", False),
    ("Rassemblement national", "RN", "Front national, FN", True),
    ("Reconquête", "REC", "Reconquete", True),
    ("Union des droites pour la République", "UDR", "", True),
    ("Identité-Libertés", "IDL", "Identite Libertes", True),
    ("Les Patriotes", "LP", "Patriotes", True),
    ("Parti de la France", "PDF", "", True),
    ("Comités Jeanne", "", "Comites Jeanne", True),
    ("Ligue du Sud", "", "", True),
    ("Mouvement national républicain", "MNR", "", True),
]

# The Ministry of the Interior's « nuances » for lists and candidates without a party,
# after the parties, before « Autre ». Refused like the far-right parties: DXD.
DIVERS = [
    ("Divers gauche", "DVG", "", False),
    ("Divers centre", "DVC", "", False),
    ("Divers droite", "DVD", "", False),
    ("Divers", "DIV", "", False),
    ("Divers extrême droite", "DXD", "Divers extreme droite", True),
]

UNAFFILIATED = "Sans étiquette"
OTHER = "Autre"


def _seed(party_model, rows, first_position):
    for position, (name, short, aliases, refused) in enumerate(rows, start=first_position):
        party_model.objects.get_or_create(name=name, defaults={
            "short_name": short, "aliases": aliases, "refused": refused, "position": position})


def seed_parties(party_model):
    _seed(party_model, PARTIES, 10)
    seed_divers(party_model)
    party_model.objects.get_or_create(name=UNAFFILIATED, defaults={"position": 1})
    party_model.objects.get_or_create(name=OTHER, defaults={"position": 999,
                                                            "requires_detail": True})


def seed_divers(party_model):
    """Also run by migration 0100 on installs seeded before these were offered."""
    _seed(party_model, DIVERS, 990)


REJECTION_REASONS = [
    ("far-right", "Parti d'extrême droite"),
    ("not-elected", "Pas un·e élu·e, ou mandat invérifiable"),
    ("duplicate", "Doublon"),
    ("abusive", "Contenu abusif"),
    ("withdrawn", "Retrait à la demande du ou de la signataire"),
    ("other", "Autre"),
]


def seed_rejection_reasons(reason_model):
    for position, (code, label) in enumerate(REJECTION_REASONS, start=1):
        reason_model.objects.get_or_create(code=code, defaults={"label": label,
                                                                "position": position})
