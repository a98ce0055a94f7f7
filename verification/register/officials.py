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
from types import SimpleNamespace
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
# What the register matching's judge() reads of a signature.
SIGNATURE_COLUMNS = ("first_name", "last_name", "civility", "mandate", "locality",
                     "locality_code", "departement", "circonscription", "name_key")


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
# (a decision on a signature and an import bump the pages' version): 110 départements.
_kept = pagecache.VersionedMemo(size=128)
# Their lines in the register, grouped and sorted, with the names a signature by each
# would carry: kept under the register's release, not the pages' version, so that
# after a decision on a signature (every few seconds in a campaign) the next visitor
# of each département has only the marks read again, not its 200 lines.
_departement_entries_kept = pagecache.VersionedMemo(
    size=128, version=lambda: (register_release() or {}).get("imported_at"))


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


def _current(rows, today):
    return rows.filter(Q(mandate_ended_on__isnull=True) | Q(mandate_ended_on__gte=today))


def officials_of(commune, petition) -> list[Group]:
    """The commune's officials by mandate, each marked signed or not (a few queries).

    The mayor is the commune's own; the other groups are the département's, the
    same for each of its communes: each process keeps them marked under the pages'
    version, and their lines under the register's release.
    """
    today = timezone.localdate()
    code = city(commune.code)
    entries = RegisterEntry.objects.only(*COLUMNS)
    mayors = list(_current(entries.filter(kind="mai", commune_code=code), today))
    if not mayors:
        mayors = [e for e in _current(entries.filter(kind="cm", commune_code=code), today)
                  if fold(e.function).startswith("maire") and "deleg" not in fold(e.function)]
    region = find(REGION, (find(DEPARTEMENT, commune.departement) or commune).parent or "")
    region_code = region.code if region else ""
    key = (commune.departement, region_code, today)
    others = _kept.get((petition.pk, *key), lambda: _marked(_departement_entries_kept.get(
        key, lambda: _departement_entries(*key)), petition))
    return [*_marked([(_("Mayor"), mayors, "")], petition), *others]


def _departement_entries(departement, region_code, today) -> list[tuple]:
    """(title, register lines, note) of each of the département's groups."""
    by_kind = {}
    for entry in _current(RegisterEntry.objects.only(*COLUMNS).filter(
            kind__in=["dep", "sen", "cd", "cr"], departement=departement), today):
        entry.name_keys = names_of(entry)
        by_kind.setdefault(entry.kind, []).append(entry)
    if region_code:
        by_kind["cr"] = [e for e in by_kind.get("cr", []) if e.region_code == region_code]
    return [
        (_("Members of the National Assembly of the département"),
         sorted(by_kind.get("dep", []), key=lambda e: int(e.circonscription or 0)),
         _("The register does not say which constituency a commune is in: yours is "
           "one of these.")),
        (_("Senators of the département"), by_kind.get("sen", []), ""),
        (_("Departmental councillors of the département"),
         sorted(by_kind.get("cd", []), key=lambda e: (e.territory_name, e.last_name)),
         _("By canton: the register does not say which canton a commune is in.")),
        (_("Regional councillors elected in the département"),
         sorted(by_kind.get("cr", []), key=lambda e: e.last_name), ""),
    ]


def _marked(groups, petition) -> list[Group]:
    """Each (title, register lines, note) as a Group of Officials, marked signed or not
    (one query for all of them)."""
    signed = signed_entries([e for _title, entries, _note in groups for e in entries],
                            petition)
    return [Group(title, [Official(e, id(e) in signed) for e in entries], note)
            for title, entries, note in groups]


def names_of(entry) -> set[str]:
    """The name_key a signature by this official would carry: the full first names, or
    the first of them (« Jean » for « Jean-Marc »)."""
    first = fold(entry.first_name)
    return {fold(f"{entry.last_name} {first}"), fold(f"{entry.last_name} {first.split(' ')[0]}")}


def signed_entries(entries, petition) -> set[int]:
    """Which of these lines an approved signature of the petition is by: one query on
    the signatures' name_key index, then the register matching's own judgement."""
    wanted = {}
    for entry in entries:
        for name in getattr(entry, "name_keys", None) or names_of(entry):
            wanted.setdefault(name, []).append(entry)
    if not wanted:
        return set()
    # By name alone: the mandate is checked below. With it in SQL, PostgreSQL read the
    # mandate index too (every approved mayor…) and took 8 ms at 600,000 where this takes 1.
    # Plain rows, and only those claiming one of their lines' mandates judged: common
    # names find a hundred signatures for a département, model instances of which
    # were most of this page's time.
    rows = (Signature.objects.approved()
            .filter(petition=petition, name_key__in=list(wanted))
            .values_list(*SIGNATURE_COLUMNS))
    name_at, mandate_at = SIGNATURE_COLUMNS.index("name_key"), SIGNATURE_COLUMNS.index("mandate")
    signed = set()
    for values in rows:
        for entry in wanted.get(values[name_at], ()):
            if MANDATE_OF_FILE.get(entry.kind) != values[mandate_at]:
                continue
            signature = SimpleNamespace(**dict(zip(SIGNATURE_COLUMNS, values, strict=True)))
            judgement = judge(signature, entry)
            if judgement.holds and judgement.place == SAME:
                signed.add(id(entry))
    return signed
