"""The public title of a signer: « conseillère municipale de Paris (75) ».

French titles agree with the signer's civility; the neutral form uses the
middle dot, as the campaign's own texts do.
"""

import functools
import re

from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Civility(models.TextChoices):
    MADAME = "F", _("Madam")
    MONSIEUR = "M", _("Sir")
    UNSTATED = "X", _("Not stated")


class Mandate(models.TextChoices):
    MUNICIPAL_COUNCILLOR = "municipal_councillor", pgettext_lazy("neutral", "municipal councillor")
    MAYOR = "mayor", pgettext_lazy("neutral", "mayor")
    DEPUTY_MAYOR = "deputy_mayor", pgettext_lazy("neutral", "deputy mayor")
    DISTRICT_COUNCILLOR = "district_councillor", pgettext_lazy("neutral", "district councillor")
    COMMUNITY_COUNCILLOR = "community_councillor", pgettext_lazy(
        "neutral", "intercommunal or metropolitan councillor")
    DEPARTMENTAL_COUNCILLOR = "departmental_councillor", pgettext_lazy(
        "neutral", "departmental councillor")
    REGIONAL_COUNCILLOR = "regional_councillor", pgettext_lazy("neutral", "regional councillor")
    TERRITORIAL_ASSEMBLY = "territorial_assembly", pgettext_lazy(
        "neutral", "member of a territorial assembly (Corsica, Martinique, Guyane…)")
    DEPUTY = "deputy", pgettext_lazy("neutral", "member of the National Assembly")
    SENATOR = "senator", pgettext_lazy("neutral", "senator")
    MEP = "mep", pgettext_lazy("neutral", "member of the European Parliament")
    CONSULAR_COUNCILLOR = "consular_councillor", pgettext_lazy(
        "neutral", "councillor for French citizens abroad")
    OTHER = "other", pgettext_lazy("neutral", "other")


# Titles as they read before a place name; keyed by civility.
_GENDERED = {
    Mandate.MUNICIPAL_COUNCILLOR: (
        pgettext_lazy("feminine", "municipal councillor"),
        pgettext_lazy("masculine", "municipal councillor"),
    ),
    Mandate.MAYOR: (pgettext_lazy("feminine", "mayor"), pgettext_lazy("masculine", "mayor")),
    Mandate.DEPUTY_MAYOR: (
        pgettext_lazy("feminine", "deputy mayor"),
        pgettext_lazy("masculine", "deputy mayor"),
    ),
    Mandate.DISTRICT_COUNCILLOR: (
        pgettext_lazy("feminine", "district councillor"),
        pgettext_lazy("masculine", "district councillor"),
    ),
    Mandate.COMMUNITY_COUNCILLOR: (
        pgettext_lazy("feminine", "intercommunal or metropolitan councillor"),
        pgettext_lazy("masculine", "intercommunal or metropolitan councillor"),
    ),
    Mandate.DEPARTMENTAL_COUNCILLOR: (
        pgettext_lazy("feminine", "departmental councillor"),
        pgettext_lazy("masculine", "departmental councillor"),
    ),
    Mandate.REGIONAL_COUNCILLOR: (
        pgettext_lazy("feminine", "regional councillor"),
        pgettext_lazy("masculine", "regional councillor"),
    ),
    Mandate.DEPUTY: (
        pgettext_lazy("feminine", "member of the National Assembly"),
        pgettext_lazy("masculine", "member of the National Assembly"),
    ),
    Mandate.SENATOR: (pgettext_lazy("feminine", "senator"),
                      pgettext_lazy("masculine", "senator")),
    Mandate.MEP: (
        pgettext_lazy("feminine", "member of the European Parliament"),
        pgettext_lazy("masculine", "member of the European Parliament"),
    ),
    Mandate.CONSULAR_COUNCILLOR: (
        pgettext_lazy("feminine", "councillor for French citizens abroad"),
        pgettext_lazy("masculine", "councillor for French citizens abroad"),
    ),
}
# An EPCI councillor sits in a communauté or a métropole: the title follows its kind.
_METROPOLITAN = (pgettext_lazy("feminine", "metropolitan councillor"),
                 pgettext_lazy("masculine", "metropolitan councillor"),
                 pgettext_lazy("neutral", "metropolitan councillor"))
_INTERCOMMUNAL = (pgettext_lazy("feminine", "intercommunal councillor"),
                  pgettext_lazy("masculine", "intercommunal councillor"),
                  pgettext_lazy("neutral", "intercommunal councillor"))


def is_metropole(epci_name: str) -> bool:
    """« Métropole de Lyon », « Toulouse Métropole », « Eurométropole de Strasbourg »."""
    return "métropole" in epci_name.lower()


def place_in_title(locality: str) -> str:
    """The name as a title reads it: « Paris 11e », « CC de l'Est Lyonnais ».

    The reference data writes « Paris 11e Arrondissement » and some EPCI add
    their acronym, « (CCEL) », which a title repeats needlessly.
    """
    name = re.sub(r" Arrondissement$", "", locality)
    return re.sub(r" \([A-Z0-9]{2,}\)$", "", name)


# In a title, the territorial assembly reads « membre de l'assemblée de Corse ».
_TERRITORIAL_TITLE = pgettext_lazy("title", "member of the assembly")

# Mandates held for a whole country or abroad: no place follows the title.
PLACELESS = {Mandate.MEP, Mandate.CONSULAR_COUNCILLOR}


def mandate_title(mandate: str, civility: str, other: str = "", locality: str = "") -> str:
    if mandate == Mandate.OTHER:
        return other
    metropolitan = None
    if mandate == Mandate.COMMUNITY_COUNCILLOR and locality:
        metropolitan = is_metropole(locality)
    return _translated_title(mandate, civility, metropolitan, get_language())


# A few dozen forms per language, asked for once per row: the CSV export asks for
# 43,000 titles at 600,000 signatures, and each translation lookup costs more than
# the rest of the title. `language` is the cache's key; the active one translates.
@functools.lru_cache(maxsize=1024)
def _translated_title(mandate: str, civility: str, metropolitan: bool | None,
                      language: str | None) -> str:
    if metropolitan is not None:
        forms = _METROPOLITAN if metropolitan else _INTERCOMMUNAL
        return str(forms[{Civility.MADAME: 0, Civility.MONSIEUR: 1}.get(civility, 2)])
    if mandate == Mandate.TERRITORIAL_ASSEMBLY:
        return str(_TERRITORIAL_TITLE)
    forms = _GENDERED.get(mandate)
    if forms is None:
        return str(Mandate(mandate).label)
    if civility == Civility.MADAME:
        return str(forms[0])
    if civility == Civility.MONSIEUR:
        return str(forms[1])
    return str(Mandate(mandate).label)


def french_of(place: str) -> str:
    """« de Paris », « d'Orléans », « du Havre », « des Lilas »."""
    lowered = place.lower()
    if lowered.startswith("le "):
        return "du " + place[3:]
    if lowered.startswith("les "):
        return "des " + place[4:]
    if lowered[:1] and lowered[:1] in "aeiouyâàéèêëîïôöûüœ":
        return "d'" + place
    return "de " + place


def circonscription_label(number: str) -> str:
    """« 1re circonscription », « 3e circonscription »; "constituency 3" in English."""
    if (get_language() or "fr").startswith("fr"):
        return f"{number}{'re' if number == '1' else 'e'} circonscription"
    return str(_("constituency %(number)s") % {"number": number})


def public_title(mandate, civility, locality="", departement="", other="", *, of=None,
                 circonscription="") -> str:
    """`of` is the French « des Alpes-Maritimes » when the reference data knows the article."""
    title = mandate_title(mandate, civility, other, locality)
    if not locality or mandate in PLACELESS:
        return title
    locality = place_in_title(locality)
    detail = departement
    if circonscription:
        detail = ", ".join(filter(None, [departement, circonscription_label(circonscription)]))
    if (get_language() or "fr").startswith("fr"):
        phrase = of or french_of(locality)
        return f"{title} {phrase} ({detail})" if detail else f"{title} {phrase}"
    place = f"{locality} ({detail})" if detail else locality
    return f"{title}, {place}"


_FORMER = {
    Civility.MADAME: pgettext_lazy("feminine", "former %(title)s"),
    Civility.MONSIEUR: pgettext_lazy("masculine", "former %(title)s"),
}
_FORMER_NEUTRAL = pgettext_lazy("neutral", "former %(title)s")


def former_title(title: str, civility: str) -> str:
    """« ancienne maire de Brest (29) », « ancien·ne maire … » without a civility."""
    return str(_FORMER.get(civility, _FORMER_NEUTRAL)) % {"title": title}


# How an email greets a signer: « Madame la Maire, », "Dear Madam Mayor,".
# (Literal calls, so that makemessages finds them.)
_COUNCILLOR = (pgettext_lazy("salutation, feminine", "Councillor"),
               pgettext_lazy("salutation, masculine", "Councillor"))
_SALUTATIONS = {
    Mandate.MAYOR: (
        pgettext_lazy("salutation, feminine", "Madam Mayor"),
        pgettext_lazy("salutation, masculine", "Mr Mayor")),
    Mandate.DEPUTY_MAYOR: (
        pgettext_lazy("salutation, feminine", "Madam Deputy Mayor"),
        pgettext_lazy("salutation, masculine", "Mr Deputy Mayor")),
    Mandate.DEPARTMENTAL_COUNCILLOR: (
        pgettext_lazy("salutation, feminine", "Departmental Councillor"),
        pgettext_lazy("salutation, masculine", "Departmental Councillor")),
    Mandate.REGIONAL_COUNCILLOR: (
        pgettext_lazy("salutation, feminine", "Regional Councillor"),
        pgettext_lazy("salutation, masculine", "Regional Councillor")),
    Mandate.DEPUTY: (
        pgettext_lazy("salutation, feminine", "Member of Parliament"),
        pgettext_lazy("salutation, masculine", "Member of Parliament")),
    Mandate.MEP: (
        pgettext_lazy("salutation, feminine", "Member of the European Parliament"),
        pgettext_lazy("salutation, masculine", "Member of the European Parliament")),
    Mandate.SENATOR: (
        pgettext_lazy("salutation, feminine", "Senator"),
        pgettext_lazy("salutation, masculine", "Senator")),
    Mandate.MUNICIPAL_COUNCILLOR: _COUNCILLOR,
    Mandate.DISTRICT_COUNCILLOR: _COUNCILLOR,
    Mandate.COMMUNITY_COUNCILLOR: _COUNCILLOR,
    Mandate.TERRITORIAL_ASSEMBLY: _COUNCILLOR,
    Mandate.CONSULAR_COUNCILLOR: _COUNCILLOR,
}


def salutation(mandate: str, civility: str) -> str:
    """« Madame la Maire »; empty without a civility or for an "other" mandate,
    when the email greets by name instead."""
    forms = _SALUTATIONS.get(mandate)
    if forms is None or civility not in (Civility.MADAME, Civility.MONSIEUR):
        return ""
    return str(forms[0] if civility == Civility.MADAME else forms[1])
