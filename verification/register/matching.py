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

Names that differ in real life are looked up too: one of the register's
given names only (« Marie » for « Anne-Marie »), and one of the names of a
compound or married name (« Roussel » for « Bertrand-Roussel »). Those lines
are "probable" at best, with the reason said, never "exact".

A line in another département is never a match, whatever the name: the
register holds thousands of homonyms. It is only mentioned in the note. A
line that matches by name and place but gives another mandate (a mayor who
signs as a senator) is "in the register, with another mandate", naming it.

The verdict also carries what the desk shows among the evidence: the
register's political nuance for the signer and whether the Ministry classes
it as extreme right (`far_right`), and the end of the mandate when the line
gives one (`ended_on`). `check()` stores them on the signature, and marks a
signature whose confirming line a newer release no longer holds.
"""

import itertools
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Max, Q, Value, When
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from petition.web import pagecache
from signatures.models import Signature
from signatures.places import regions
from signatures.titles import Mandate

from . import files as rne
from .models import FarRightNuance, RegisterEntry, RegisterFile, RegisterMatch

# Which files hold each mandate a signer can choose, the one that states it best first.
MANDATE_FILES = {
    Mandate.MUNICIPAL_COUNCILLOR: ("cm", "mai"),
    Mandate.MAYOR: ("mai", "cm"),
    Mandate.DEPUTY_MAYOR: ("cm",),
    Mandate.DISTRICT_COUNCILLOR: ("ca",),
    Mandate.COMMUNITY_COUNCILLOR: ("epci",),
    Mandate.DEPARTMENTAL_COUNCILLOR: ("cd",),
    Mandate.REGIONAL_COUNCILLOR: ("cr",),
    Mandate.TERRITORIAL_ASSEMBLY: ("ma", "cac"),
    Mandate.DEPUTY: ("dep",),
    Mandate.SENATOR: ("sen",),
    Mandate.MEP: ("rpe",),
    Mandate.CONSULAR_COUNCILLOR: ("cons", "afe"),
}
COMMUNE_FILES = {"cm", "mai", "ca"}
PLACELESS_FILES = {"rpe", "cons", "afe"}
# Paris, Lyon and Marseille: an arrondissement's code stands for its commune.
ARRONDISSEMENTS = [("751", "75056"), ("6938", "69123"), ("132", "13055")]
# Saint-Barthélemy (977) and Saint-Martin (978) elect one deputy together; the
# register files the seat under 977.
SHARED_SEATS = {"977", "978"}
REGIONAL_FILES = {"cr", "ma", "cac"}
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
    regional = kind in REGIONAL_FILES
    if regional and code and len(code) <= 3 and not commune:
        return (SAME, "") if code == entry.region_code else (ELSEWHERE, "")
    shared_seat = kind == "dep" and {departement, entry.departement} <= SHARED_SEATS
    # Another département is never the same person: homonyms abound.
    if departement and entry.departement and departement != entry.departement \
            and not shared_seat:
        if regional and same_region(departement, entry.departement):
            return SAME, ""
        return ELSEWHERE, ""
    if not departement:
        return NEAR, _("no territory given")
    if kind in COMMUNE_FILES and not COMMUNE_FILES & set(MANDATE_FILES.get(signature.mandate,
                                                                          ())):
        return SAME, ""  # a senator's line as a mayor: the département is the place
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
    names_differ: bool = False

    @property
    def rank(self):
        # Fewest differences first; then the file that states the mandate best
        # (the mayors' file before the municipal one for a mayor).
        return (len(self.reasons), not self.holds, not self.preferred, self.entry.line)


@dataclass
class Verdict:
    """The register's answer; what the moderators' desk shows among the evidence."""

    result: str  # a RegisterMatch value, or "" when the register cannot tell yet
    note: str
    entry: RegisterEntry | None = None
    # The register's political nuance of the signer's line(s), where given.
    nuance: str = ""
    # That nuance is one the Ministry classes as extreme right (FarRightNuance).
    far_right: bool = False
    # The line gives its mandate an end date, and it has passed.
    ended_on: object = None

    @property
    def other_mandate(self) -> str:
        """For "in the register, with another mandate": the mandate the register gives."""
        if self.result == RegisterMatch.OTHER_MANDATE and self.entry:
            return describe_mandate(self.entry)
        return ""


def judge(signature, entry, swapped=False) -> Judgement:
    place, why = compare_place(signature, entry)
    judgement = Judgement(entry, place, holds=holds(signature.mandate, entry),
                          preferred=entry.kind == MANDATE_FILES.get(signature.mandate, ("",))[0])
    if swapped:
        judgement.reasons.append(_("first and last names swapped"))
    elif rne.last_name_key(signature.last_name) != entry.last_key:
        judgement.names_differ = True
        judgement.reasons.append(_(
            "last name differs: %(signed)s vs %(register)s (compound, married or usual "
            "name)") % {"signed": signature.last_name.strip(), "register": entry.last_name})
    signed = rne.fold(signature.last_name if swapped else signature.first_name)
    if signed != entry.first_key:
        judgement.names_differ = True
        values = {"signed": (signature.last_name if swapped else signature.first_name).strip(),
                  "register": entry.first_name}
        if signed.split(" ", 1)[0] == entry.first_head:
            judgement.reasons.append(_("first name differs: %(signed)s vs %(register)s")
                                     % values)
        else:
            judgement.reasons.append(_(
                "first name differs: %(signed)s vs %(register)s (another of the given "
                "names)") % values)
    if judgement.holds and is_mayor_of_a_delegated_commune(signature.mandate, entry):
        judgement.reasons.append(_(
            "the register has %(function)s: mayor of a commune déléguée, not of the whole "
            "commune") % {"function": entry.function})
    if not judgement.holds:
        judgement.reasons.append(_("mandate differs: the register has %(mandate)s") % {
            "mandate": describe_mandate(entry)})
    if why:
        judgement.reasons.append(why)
    sex = {"F": "F", "M": "M", "H": "M"}.get(entry.sex)
    if sex and signature.civility in ("F", "M") and sex != signature.civility:
        judgement.reasons.append(_("civility differs from the register's sex code"))
    return judgement


def is_mayor_of_a_delegated_commune(mandate, entry) -> bool:
    """« Maire délégué(e) »: the mayor of a commune déléguée, not of the commune."""
    return mandate == Mandate.MAYOR and rne.fold(entry.function).startswith("maire deleg")


def candidates(signature):
    """Lines that may be the signer's, and lines with the two names swapped.

    By last name: the same, or one of the names of a compound or married name,
    on either side. By first name: a given name in common (« Jean » finds
    « Jean-Marc », « Marie » finds « Anne-Marie »).
    """
    last = rne.last_name_key(signature.last_name)
    given = rne.fold(signature.first_name).split()
    if not last or not given:
        return [], []
    swapped_last = rne.last_name_key(signature.first_name)
    swapped_first = rne.fold(signature.last_name).split(" ", 1)[0]
    here = signature.departement or departement_of(signature.locality_code.strip().upper())

    def lines(names, first_names):
        return list(RegisterEntry.objects.filter(names, first_names)
                    .annotate(here=Case(When(departement=here, then=Value(0)),
                                        default=Value(1)))
                    .order_by("here", "kind", "line")[:CANDIDATE_LIMIT])

    keys = {last, *rne.last_name_parts(signature.last_name)}
    # The first given name, or a second one (« Marie » for « Anne-Marie »), each
    # spelled out with the last name so that each uses its own index.
    by_name = (Q(last_key__in=keys, first_head__in=given)
               | Q(last_key__in=keys, second_head__in=given)
               | ((Q(last_head_key__in=keys) | Q(last_tail_key__in=keys))
                  & (Q(first_head__in=given) | Q(second_head__in=given))))
    straight = [entry for entry in lines(by_name, Q())
                if set(entry.first_key.split()) & set(given)]
    swapped = [] if (swapped_last, swapped_first) == (last, given[0]) else lines(
        Q(last_key=swapped_last), Q(first_head=swapped_first))
    return straight, swapped


def imported_kinds() -> set:
    return set(RegisterFile.objects.values_list("kind", flat=True))


def match(signature, imported=None, far_right=None) -> Verdict:
    """The register's answer for one signature, and why, in words for the moderator."""
    imported = imported_kinds() if imported is None else imported
    far_right = FarRightNuance.codes() if far_right is None else far_right
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
    holding = [j for j in near if j.holds]
    if near:
        # A line that gives the claimed mandate, however weak, before one that
        # contradicts it.
        best = (holding or near)[0]
        if not holding:
            result = RegisterMatch.OTHER_MANDATE
        else:
            result = RegisterMatch.PROBABLE if best.reasons else RegisterMatch.EXACT
        note = describe(best.entry)
        if best.reasons:
            note = sentence("; ".join(best.reasons)) + " " + note
        # The nuance of the signer's own lines: the one chosen, and the others that
        # carry their very name, in the same place.
        nuances = [best.entry.nuance] + [j.entry.nuance for j in near if j.place == SAME
                                         and not j.names_differ]
        flagged = next((code for code in nuances if code in far_right), "")
        ended_on = best.entry.mandate_ended_on
        if ended_on and ended_on > timezone.localdate():
            ended_on = None
        return Verdict(result, note, best.entry, nuance=flagged or best.entry.nuance or next(
            (code for code in nuances if code), ""), far_right=bool(flagged),
            ended_on=ended_on)
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
    if entry.mandate_ended_on:
        parts.append(_("until %(date)s") % {
            "date": date_format(entry.mandate_ended_on, "SHORT_DATE_FORMAT")})
    if entry.nuance:
        parts.append(_("nuance %(code)s") % {"code": entry.nuance})
    source = _("%(file)s, line %(line)d") % {"file": rne.KINDS[entry.kind].file_name,
                                             "line": entry.line}
    return _("Register: %(line)s [%(source)s].") % {"line": " – ".join(parts),
                                                    "source": source}


# --- storing the verdict ---------------------------------------------------------

FOUND = {RegisterMatch.EXACT, RegisterMatch.PROBABLE}


def imported_on() -> dict:
    """Each kind's release date, or the day it was imported when the name had none."""
    return {kind: released or timezone.localtime(at).date() for kind, released, at in
            RegisterFile.objects.values_list("kind", "released_on", "imported_at")}


def mandate_ended_on(signature, verdict, releases):
    """Since when the register no longer holds the mandate that confirmed the signer, or None.

    A line with a past end date ends it; so does a newer release without the
    line, for a signer the register confirmed before. Once marked, the date
    stays until a release confirms the mandate again.
    """
    if not verdict.result:  # the file is not imported (any more): nothing new is known
        return signature.register_mandate_ended_on
    if verdict.result in FOUND:
        return verdict.ended_on
    if signature.register_mandate_ended_on:
        return signature.register_mandate_ended_on
    if signature.register_match in FOUND:
        return max((releases[kind] for kind in MANDATE_FILES.get(signature.mandate, ())
                    if kind in releases), default=timezone.localdate())
    return None


def check(signature_ids) -> int:
    """Match these signatures and store the verdicts; returns how many were checked.

    Notes are written in the site's language, the moderators' own. A
    far-right nuance flags the signature unless a moderator cleared the flag.
    """
    imported, far_right, releases = imported_kinds(), FarRightNuance.codes(), imported_on()
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for signature in (
                Signature.objects.filter(pk__in=list(signature_ids), purged_at__isnull=True)
                .only("pk", "civility", "first_name", "last_name", "mandate", "locality",
                      "locality_code", "departement", "circonscription", "state",
                      "register_match", "register_mandate_ended_on",
                      "register_nuance_cleared_at")):
            verdict = match(signature, imported, far_right)
            ended_on = mandate_ended_on(signature, verdict, releases)
            note = verdict.note
            if ended_on:
                note = _("Mandate no longer in the register (since %(date)s).") % {
                    "date": date_format(ended_on, "SHORT_DATE_FORMAT")} + " " + note
            rows.append((signature, verdict, note, ended_on))
    now = timezone.now()
    public_change = False
    # One commit for the batch; a signature erased meanwhile keeps nothing of its signer.
    with transaction.atomic():
        for signature, verdict, note, ended_on in rows:
            Signature.objects.filter(pk=signature.pk, purged_at__isnull=True).update(
                register_match=verdict.result, register_match_note=note,
                register_checked_at=now, register_nuance=verdict.nuance,
                register_nuance_flag=verdict.far_right
                and signature.register_nuance_cleared_at is None,
                register_mandate_ended_on=ended_on)
            public_change |= (signature.state == Signature.State.APPROVED
                              and ended_on != signature.register_mandate_ended_on)
        if public_change:  # the public list shows mandates that ended
            transaction.on_commit(pagecache.bump)
    return len(rows)


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
