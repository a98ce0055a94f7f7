"""« Have your elected officials signed? »: a commune's officials in the register, each
marked signed or not.

From the register (RegisterEntry) only public fields are read: names, the mandate and
the place it is held for. Birth dates and occupations are not even stored.

What the register and our reference data allow, and what they do not:
- the mayor: by the commune's INSEE code (the mayors' file, else the municipal file's
  « Maire » lines);
- deputies, senators, departmental councillors: by département. Neither the register
  nor the COG data we ship says which constituency or canton a commune is in, so the
  page lists the département's, each with their constituency or canton;
- regional councillors: those of the région elected on the département's list
  (the regional file's département section).

"Signed" means an approved signature of the petition by that official: the same
folded name (or its first given name), which the register matching judges to hold
that mandate in that place. Pending, rejected or withdrawn signatures read "not
signed", so that no state shows.
"""

from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petition.web import pagecache
from signatures.folding import fold
from signatures.models import Signature
from signatures.places import DEPARTEMENT, REGION, find
from signatures.titles import Mandate, circonscription_label

from .matching import SAME, city, judge
from .models import RegisterEntry, RegisterFile

# The mandates a signature must claim to count for each file.
MANDATE_OF_FILE = {"mai": Mandate.MAYOR, "cm": Mandate.MAYOR, "dep": Mandate.DEPUTY,
                   "sen": Mandate.SENATOR, "cd": Mandate.DEPARTMENTAL_COUNCILLOR,
                   "cr": Mandate.REGIONAL_COUNCILLOR}
COLUMNS = ["kind", "last_name", "first_name", "sex", "function", "departement",
           "commune_code", "canton_code", "region_code", "circonscription", "territory_name",
           "mandate_ended_on", "last_key", "first_key", "first_head", "line"]


@dataclass
class Official:
    entry: RegisterEntry
    signed: bool = False

    @property
    def name(self):
        return f"{self.entry.first_name} {self.entry.last_name}"

    @property
    def place(self):
        entry = self.entry
        if entry.kind == "dep" and entry.circonscription:
            return circonscription_label(entry.circonscription)
        return entry.territory_name


def invitation_mailto(petition) -> str:
    """The invitation an official who has not signed is sent: a mailto: with no address
    (the register gives none), the visitor adds it. The same for every official."""
    return "mailto:?subject={}&body={}".format(
        quote(str(petition.invitation_subject), safe=""),
        quote(str(petition.invitation_body), safe=""))


@dataclass
class Group:
    title: str
    officials: list = field(default_factory=list)
    note: str = ""

    @property
    def signed_count(self):
        return sum(official.signed for official in self.officials)


# The register's release, and each département's officials marked signed or not
# (a decision on a signature and an import bump the version): 110 départements.
_kept = pagecache.VersionedMemo(size=128)


def register_release():
    """The register as imported: None without any file (the page does not exist then).
    Kept per process under the pages' version, which an import bumps."""
    return _kept.get("release", _register_release)


def _register_release():
    files = list(RegisterFile.objects.order_by("kind"))
    if not files:
        return None
    dates = [f.released_on for f in files if f.released_on]
    return {"kinds": {f.kind for f in files}, "released_on": max(dates) if dates else None,
            "imported_at": max(f.imported_at for f in files)}


def _current(rows):
    today = timezone.localdate()
    return rows.filter(Q(mandate_ended_on__isnull=True) | Q(mandate_ended_on__gte=today))


def officials_of(commune, petition) -> list[Group]:
    """The commune's officials by mandate, each marked signed or not (a few queries).

    The mayor is the commune's own; the other groups are the département's, the
    same for each of its communes: each process keeps them under the pages'
    version, which a decision on a signature and a register import bump.
    """
    code = city(commune.code)
    entries = RegisterEntry.objects.only(*COLUMNS)
    mayors = list(_current(entries.filter(kind="mai", commune_code=code)))
    if not mayors:
        mayors = [e for e in _current(entries.filter(kind="cm", commune_code=code))
                  if fold(e.function).startswith("maire") and "deleg" not in fold(e.function)]
    region = find(REGION, (find(DEPARTEMENT, commune.departement) or commune).parent or "")
    region_code = region.code if region else ""
    others = _kept.get((petition.pk, commune.departement, region_code),
                       lambda: _departement_groups(commune.departement, region_code, petition))
    return [*_marked([Group(_("Mayor"), mayors)], petition), *others]


def _departement_groups(departement, region_code, petition) -> list[Group]:
    by_kind = {}
    for entry in _current(RegisterEntry.objects.only(*COLUMNS).filter(
            kind__in=["dep", "sen", "cd", "cr"], departement=departement)):
        by_kind.setdefault(entry.kind, []).append(entry)
    if region_code:
        by_kind["cr"] = [e for e in by_kind.get("cr", []) if e.region_code == region_code]
    groups = [
        Group(_("Members of the National Assembly of the département"),
              sorted(by_kind.get("dep", []), key=lambda e: int(e.circonscription or 0)),
              _("The register does not say which constituency a commune is in: yours is "
                "one of these.")),
        Group(_("Senators of the département"), by_kind.get("sen", [])),
        Group(_("Departmental councillors of the département"),
              sorted(by_kind.get("cd", []), key=lambda e: (e.territory_name, e.last_name)),
              _("By canton: the register does not say which canton a commune is in.")),
        Group(_("Regional councillors elected in the département"),
              sorted(by_kind.get("cr", []), key=lambda e: e.last_name)),
    ]
    return _marked(groups, petition)


def _marked(groups, petition) -> list[Group]:
    """The groups' register entries as Officials, marked signed or not (one query)."""
    signed = signed_entries([e for g in groups for e in g.officials], petition)
    for group in groups:
        group.officials = [Official(e, id(e) in signed) for e in group.officials]
    return groups


def names_of(entry) -> set[str]:
    """The name_key a signature by this official would carry: the full first names, or
    the first of them (« Jean » for « Jean-Marc »)."""
    first = fold(entry.first_name)
    return {fold(f"{entry.last_name} {first}"), fold(f"{entry.last_name} {first.split(' ')[0]}")}


def signed_entries(entries, petition) -> set[int]:
    """Which of these lines an approved signature of the petition is by: one query on
    the signatures' name_key index, then the register matching's own judgement."""
    wanted = {name: [] for entry in entries for name in names_of(entry)}
    for entry in entries:
        for name in names_of(entry):
            wanted[name].append(entry)
    if not wanted:
        return set()
    # By name alone: the mandate is checked below. With it in SQL, PostgreSQL read the
    # mandate index too (every approved mayor…) and took 8 ms at 600,000 where this takes 1.
    signatures = (Signature.objects.approved()
                  .filter(petition=petition, name_key__in=list(wanted))
                  .only("first_name", "last_name", "civility", "mandate", "locality",
                        "locality_code", "departement", "circonscription", "name_key"))
    signed = set()
    for signature in signatures:
        for entry in wanted.get(signature.name_key, ()):
            if MANDATE_OF_FILE.get(entry.kind) != signature.mandate:
                continue
            judgement = judge(signature, entry)
            if judgement.holds and judgement.place == SAME:
                signed.add(id(entry))
    return signed
