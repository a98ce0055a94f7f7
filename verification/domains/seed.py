"""The first email domain rules, loaded by migration 0004_domain_rules.

A starting point, not a register: moderators add, correct and delete rules in
the admin (Verification › Email domain rules). The councils' domains below
are their main public ones; several councils use other domains as well.
"""

from django.utils.translation import gettext, gettext_noop

OFFICIAL = [
    # Parliament and the State.
    "assemblee-nationale.fr", "senat.fr", "europarl.europa.eu", "*.gouv.fr",
    # Regional councils and single territorial collectivities.
    "auvergnerhonealpes.fr", "bourgognefranchecomte.fr", "bretagne.bzh", "centre-valdeloire.fr",
    "isula.corsica", "grandest.fr", "hautsdefrance.fr", "iledefrance.fr", "normandie.fr",
    "nouvelle-aquitaine.fr", "laregion.fr", "paysdelaloire.fr", "maregionsud.fr",
    "regionguadeloupe.fr", "collectivitedemartinique.mq", "ctguyane.fr", "regionreunion.com",
    # Departmental councils (and Paris, commune and département at once).
    "ain.fr", "aisne.fr", "allier.fr", "ardeche.fr", "ardennes.fr", "ariege.fr", "aube.fr",
    "aude.fr", "aveyron.fr", "calvados.fr", "cantal.fr", "charente.fr", "charente-maritime.fr",
    "cher.fr", "correze.fr", "cotedor.fr", "cotesdarmor.fr", "creuse.fr", "deux-sevres.fr",
    "dordogne.fr", "doubs.fr", "drome.fr", "essonne.fr", "eure.fr", "eurelien.fr",
    "finistere.fr", "gard.fr", "gers.fr", "gironde.fr", "haute-garonne.fr", "hautes-alpes.fr",
    "haute-marne.fr", "hautes-pyrenees.fr", "haute-saone.fr", "hautesavoie.fr",
    "haute-vienne.fr", "hauts-de-seine.fr", "herault.fr", "ille-et-vilaine.fr", "indre.fr",
    "isere.fr", "jura.fr", "landes.fr", "loire.fr", "loire-atlantique.fr", "loiret.fr", "lot.fr",
    "lozere.fr", "maine-et-loire.fr", "manche.fr", "marne.fr", "mayenne.fr", "meuse.fr",
    "morbihan.fr", "moselle.fr", "nievre.fr", "lenord.fr", "oise.fr", "orne.fr",
    "pasdecalais.fr", "puy-de-dome.fr", "rhone.fr", "sarthe.fr", "savoie.fr", "seinemaritime.fr",
    "seine-et-marne.fr", "seinesaintdenis.fr", "somme.fr", "tarn.fr", "territoiredebelfort.fr",
    "valdoise.fr", "valdemarne.fr", "var.fr", "vaucluse.fr", "vendee.fr", "vienne.fr",
    "vosges.fr", "yonne.fr", "yvelines.fr", "alsace.eu", "departement06.fr",
    "departement13.fr", "paris.fr",
]

WEBMAIL = [
    "gmail.com", "googlemail.com", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net",
    "sfr.fr", "neuf.fr", "hotmail.fr", "hotmail.com", "outlook.fr", "outlook.com", "live.fr",
    "live.com", "msn.com", "yahoo.fr", "yahoo.com", "icloud.com", "me.com", "proton.me",
    "protonmail.com", "pm.me", "gmx.fr", "gmx.com", "aol.com", "bbox.fr", "numericable.fr",
    "club-internet.fr", "aliceadsl.fr",
]

# Addresses that belong to staff, not to elected officials.
NOT_MANDATE = {
    "clb-an.fr": gettext_noop("The Assemblée nationale's domain for deputies' collaborators."),
}

# Stored in English, as written here; shown in the reader's language (in_words).
SEED_NOTE = gettext_noop("Seeded with the first release.")
SEEDED_SENTENCES = [SEED_NOTE, *NOT_MANDATE.values()]


def in_words(note: str) -> str:
    """A rule's note, with the seed's own sentences translated."""
    for sentence in SEEDED_SENTENCES:
        if sentence in note:
            note = note.replace(sentence, gettext(sentence))
    return note


def seed_rules():
    """(pattern, kind, note) for every seeded rule."""
    return ([(pattern, "official", SEED_NOTE) for pattern in OFFICIAL]
            + [(pattern, "webmail", SEED_NOTE) for pattern in WEBMAIL]
            + [(pattern, "not_mandate", f"{note} {SEED_NOTE}")
               for pattern, note in NOT_MANDATE.items()])


def load_seed(rule_model):
    """Idempotent: a rule moderators have changed since is left as they made it.

    One INSERT; no save signal, so callers reclassify signatures themselves.
    """
    rule_model.objects.bulk_create(
        [rule_model(pattern=pattern, kind=kind, note=note) for pattern, kind, note in seed_rules()],
        ignore_conflicts=True)


def patterns_for(domain: str) -> list[str]:
    """The rule patterns that cover a domain, most specific first.

    a.b.gouv.fr → a.b.gouv.fr, *.b.gouv.fr, *.gouv.fr, *.fr
    """
    labels = domain.lower().strip(".").split(".")
    return [domain.lower().strip(".")] + [
        "*." + ".".join(labels[i:]) for i in range(1, len(labels))]
