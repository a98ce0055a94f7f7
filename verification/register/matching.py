"""Does the Répertoire national des élus list this signer, with this mandate, here?

A signature is compared with the register's lines that carry the same folded
last name and the same first given name (so "Jean" finds « Jean-Marc »). Each
line is then judged on three things, and every difference is said in words:

- the first names (« Jean-Pierre » and "Jean Pierre" are equal; "Jean" for
  « Jean-Marc » is only probable);
- the mandate (a mayor is in the mayors' file, or in the municipal file with
  the function « Maire »; a deputy mayor has an « adjoint » function);
- the territory, by code when the signature has one (commune INSEE, EPCI
  SIREN, région, circonscription), else by département and locality name.

A line in another département is never a match, whatever the name: the
register holds thousands of homonyms. It is only mentioned in the note.
"""

import itertools
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Max, Q, Value, When
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from signatures.models import Signature
from signatures.places import regions
from signatures.titles import Mandate

from . import files as rne
from .models import RegisterEntry, RegisterFile, RegisterMatch

# Which files hold each mandate a signer can choose, the one that states it best first.
MANDATE_FILES = {
    Mandate.MUNICIPAL_COUNCILLOR: ("cm", "mai"),
    Mandate.MAYOR: ("mai", "cm"),
    Mandate.DEPUTY_MAYOR: ("cm",),
    Mandate.DISTRICT_COUNCILLOR: ("ca",),
    Mandate.COMMUNITY_COUNCILLOR: ("epci",),
    Mandate.DEPARTMENTAL_COUNCILLOR: ("cd",),
    Mandate.REGIONAL_COUNCILLOR: ("cr",),
    Mandate.TERRITORIAL_ASSEMBLY: ("ma",),
    Mandate.DEPUTY: ("dep",),
    Mandate.SENATOR: ("sen",),
    Mandate.MEP: ("rpe",),
    Mandate.CONSULAR_COUNCILLOR: ("cons", "afe"),
}
COMMUNE_FILES = {"cm", "mai", "ca"}
PLACELESS_FILES = {"rpe", "cons", "afe"}
# Paris, Lyon and Marseille: an arrondissement's code stands for its commune.
ARRONDISSEMENTS = [("751", "75056"), ("6938", "69123"), ("132", "13055")]
# "Jean Martin" has a few hundred lines in the municipal file: the signer's
# département comes first, so a limit never hides the right one.
CANDIDATE_LIMIT = 1000


def city(code: str) -> str:
    for prefix, commune in ARRONDISSEMENTS:
        if code.startswith(prefix) and code != commune:
            return commune
    return code


def holds(mandate: str, entry: RegisterEntry) -> bool:
    """Does this line give the signer the mandate they claim?"""
    if entry.kind not in MANDATE_FILES.get(mandate, ()):
        return False
    function = rne.fold(entry.function)
    if mandate == Mandate.MAYOR and entry.kind == "cm":
        return function.startswith("maire")  # « Maire », « Maire délégué »
    if mandate == Mandate.DEPUTY_MAYOR:
        return "adjoint" in function.split()
    return True


SAME, NEAR, ELSEWHERE = "same", "near", "elsewhere"


def departement_of(code: str) -> str:
    """The département of a commune's INSEE code (97411 -> 974, 2A004 -> 2A)."""
    if len(code) != 5:
        return ""
    return code[:3] if code.startswith("97") else code[:2]


def compare_place(signature, entry) -> tuple[str, str]:
    """(SAME | NEAR | ELSEWHERE, why) for the signature's territory against the line's."""
    code = signature.locality_code.strip().upper()
    commune = code if len(code) == 5 else ""
    departement = signature.departement or departement_of(commune)
    locality = rne.fold(signature.locality)
    kind = entry.kind
    if kind in PLACELESS_FILES:
        return SAME, ""
    # Codes first: they say more than a département does.
    if kind in COMMUNE_FILES and commune and city(commune) == city(entry.commune_code):
        return SAME, ""
    if kind == "epci" and len(code) == 9 and code == entry.epci_siren:
        return SAME, ""
    regional = kind in ("cr", "ma")
    if regional and code and len(code) <= 3 and not commune:
        return (SAME, "") if code == entry.region_code else (ELSEWHERE, "")
    # Another département is never the same person: homonyms abound.
    if departement and entry.departement and departement != entry.departement:
        if regional and same_region(departement, entry.departement):
            return SAME, ""
        return ELSEWHERE, ""
    if not departement:
        return NEAR, _("no territory given")
    if kind in COMMUNE_FILES:
        if commune or (locality and locality != rne.fold(entry.territory_name.split(" – ")[0])):
            return NEAR, _("same name, other commune")
        if locality:
            return SAME, ""
        return NEAR, _("same département, no commune given")
    if kind == "epci":
        if len(code) == 9:
            return NEAR, _("same name, other intercommunality")
        if locality and locality == rne.fold(entry.territory_name):
            return SAME, ""
        return NEAR, _("same département, intercommunality not confirmed")
    if kind == "dep":
        wanted = rne.circonscription_number(signature.circonscription)
        if wanted and entry.circonscription and wanted != entry.circonscription:
            return NEAR, _("other constituency: the register says %(number)s") % {
                "number": entry.circonscription}
    return SAME, ""


def same_region(first: str, second: str) -> bool:
    return any(first in codes and second in codes for codes in regions().values())


@dataclass
class Judgement:
    entry: RegisterEntry
    place: str
    reasons: list = field(default_factory=list)
    holds: bool = True
    preferred: bool = False  # from the file that states the claimed mandate best

    @property
    def rank(self):
        # Fewest differences first; then the file that states the mandate best
        # (the mayors' file before the municipal one for a mayor).
        return (len(self.reasons), not self.holds, not self.preferred, self.entry.line)


@dataclass
class Verdict:
    result: str  # a RegisterMatch value, or "" when the register cannot tell yet
    note: str
    entry: RegisterEntry | None = None


def judge(signature, entry, swapped=False) -> Judgement:
    place, why = compare_place(signature, entry)
    judgement = Judgement(entry, place, holds=holds(signature.mandate, entry),
                          preferred=entry.kind == MANDATE_FILES.get(signature.mandate, ("",))[0])
    if swapped:
        judgement.reasons.append(_("first and last names swapped"))
    signed = rne.fold(signature.last_name if swapped else signature.first_name)
    if signed != entry.first_key:
        judgement.reasons.append(_("first name differs: %(signed)s vs %(register)s") % {
            "signed": (signature.last_name if swapped else signature.first_name).strip(),
            "register": entry.first_name})
    if not judgement.holds:
        judgement.reasons.append(_("mandate differs: the register has %(mandate)s") % {
            "mandate": describe_mandate(entry)})
    if why:
        judgement.reasons.append(why)
    sex = {"F": "F", "M": "M", "H": "M"}.get(entry.sex)
    if sex and signature.civility in ("F", "M") and sex != signature.civility:
        judgement.reasons.append(_("civility differs from the register's sex code"))
    return judgement


def candidates(signature):
    """Lines with the same last name and first given name, or the two names swapped."""
    last = rne.last_name_key(signature.last_name)
    first = rne.fold(signature.first_name).split(" ", 1)[0]
    if not last or not first:
        return [], []
    swapped_last = rne.last_name_key(signature.first_name)
    swapped_first = rne.fold(signature.last_name).split(" ", 1)[0]
    here = signature.departement or departement_of(signature.locality_code.strip().upper())

    def lines(last_key, first_head):
        return list(RegisterEntry.objects.filter(last_key=last_key, first_head=first_head)
                    .annotate(here=Case(When(departement=here, then=Value(0)),
                                        default=Value(1)))
                    .order_by("here", "kind", "line")[:CANDIDATE_LIMIT])

    swapped = [] if (swapped_last, swapped_first) == (last, first) else lines(
        swapped_last, swapped_first)
    return lines(last, first), swapped


def imported_kinds() -> set:
    return set(RegisterFile.objects.values_list("kind", flat=True))


def match(signature, imported=None) -> Verdict:
    """The register's answer for one signature, and why, in words for the moderator."""
    imported = imported_kinds() if imported is None else imported
    wanted = set(MANDATE_FILES.get(signature.mandate, rne.KINDS))
    if not imported & wanted:
        files = ", ".join(sorted(rne.KINDS[kind].file_name for kind in wanted))
        return Verdict("", _("Not checked: the register file is not imported (%(files)s).")
                       % {"files": files})
    straight, swapped = candidates(signature)
    judgements = [judge(signature, entry) for entry in straight] + [
        judge(signature, entry, swapped=True) for entry in swapped]
    near = sorted((j for j in judgements if j.place != ELSEWHERE), key=lambda j: j.rank)
    elsewhere = sorted((j for j in judgements if j.place == ELSEWHERE and j.holds),
                       key=lambda j: j.rank)
    if near:
        best = near[0]
        if not best.reasons:
            return Verdict(RegisterMatch.EXACT, describe(best.entry), best.entry)
        return Verdict(RegisterMatch.PROBABLE,
                       sentence("; ".join(best.reasons)) + " " + describe(best.entry),
                       best.entry)
    if elsewhere:
        others = len(elsewhere) - 1
        note = _("Same name only in another département: %(line)s") % {
            "line": describe(elsewhere[0].entry)}
        if others:
            note += " " + _("(and %(count)d other lines)") % {"count": others}
        return Verdict(RegisterMatch.NONE, note)
    return Verdict(RegisterMatch.NONE, _("No line in the register with this name."))


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def describe_mandate(entry) -> str:
    label = str(Mandate(rne.KINDS[entry.kind].mandate).label)
    return f"{label} ({entry.function})" if entry.function else label


def describe(entry) -> str:
    """The register's line as a moderator reads it; it never holds a birth date."""
    codes = ", ".join(code for code in (entry.commune_code or entry.epci_siren
                                        or entry.region_code, entry.departement) if code)
    place = entry.territory_name
    if codes:
        place = f"{place} ({codes})" if place else codes
    parts = [f"{entry.last_name} {entry.first_name}", describe_mandate(entry)]
    if place:
        parts.append(place)
    if entry.circonscription and entry.kind == "dep":
        parts.append(_("constituency %(number)s") % {"number": entry.circonscription})
    if entry.mandate_started_on:
        parts.append(_("since %(date)s") % {
            "date": date_format(entry.mandate_started_on, "SHORT_DATE_FORMAT")})
    source = _("%(file)s, line %(line)d") % {"file": rne.KINDS[entry.kind].file_name,
                                             "line": entry.line}
    return _("Register: %(line)s [%(source)s].") % {"line": " – ".join(parts),
                                                    "source": source}


# --- storing the verdict ---------------------------------------------------------

def check(signature_ids) -> int:
    """Match these signatures and store the verdicts; returns how many were checked.

    Notes are written in the site's language, the moderators' own.
    """
    imported = imported_kinds()
    with translation.override(settings.LANGUAGE_CODE):
        verdicts = [(signature.pk, match(signature, imported)) for signature in (
            Signature.objects.filter(pk__in=list(signature_ids), purged_at__isnull=True)
            .only("pk", "civility", "first_name", "last_name", "mandate", "locality",
                  "locality_code", "departement", "circonscription"))]
    now = timezone.now()
    # One commit for the batch; a signature erased meanwhile keeps nothing of its signer.
    with transaction.atomic():
        for pk, verdict in verdicts:
            Signature.objects.filter(pk=pk, purged_at__isnull=True).update(
                register_match=verdict.result, register_match_note=verdict.note,
                register_checked_at=now)
    return len(verdicts)


def due():
    """Signatures never checked, or checked before the latest register import."""
    latest = RegisterFile.objects.aggregate(latest=Max("imported_at"))["latest"]
    stale = Q(register_checked_at__isnull=True)
    if latest:
        stale |= Q(register_checked_at__lt=latest)
    return (Signature.objects.live().filter(purged_at__isnull=True).filter(stale)
            .order_by("pk"))


BATCH = 500


def due_batches(limit=None):
    """The signatures due a check, in batches of ids, for the workers to share.

    Beat passes a limit so that a slow worker does not see the same
    signatures queued again and again while it catches up.
    """
    ids = due().values_list("pk", flat=True)
    for batch in itertools.batched((ids[:limit] if limit else ids).iterator(
            chunk_size=BATCH * 4), BATCH, strict=False):
        yield list(batch)
