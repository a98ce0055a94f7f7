"""Places: communes, EPCI, départements and régions (Etalab's COG 2026, see data/).

Two data files, both derived (see data/README.md):
- `departements.json`: the départements offered in forms, filters and the map;
- `places.json.gz`: every commune (with communes déléguées and associées and
  the municipal arrondissements of Paris, Lyon and Marseille), EPCI,
  département and région, with codes, postal codes and populations.

The second one is loaded once per process into an in-memory index: about
37,600 names is small enough that sorted arrays and binary search answer a
search in well under a millisecond, without a database round trip or a
search engine to run. The index is columns (one joined string per field, arrays
of integers), about 5 MB, not tens of thousands of objects: gunicorn's master
builds it and each worker's RSS counts it (docs/performance.md).
"""

import csv
import gzip
import io
import json
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from .folding import fold_ascii
from .titles import Mandate, place_in_title

ABROAD = "99"
DATA = Path(__file__).parent / "data"
PLACES_FILE = DATA / "places.json.gz"


# The TAAF and Clipperton have no inhabitants, so no elected officials: they are
# neither offered in the form nor drawn on the map.
WITHOUT_ELECTED_OFFICIALS = {"984", "989"}


@cache
def departements() -> dict[str, str]:
    data = json.loads((DATA / "departements.json").read_text())
    return {d["code"]: d["name"] for d in data["departements"]
            if d["code"] not in WITHOUT_ELECTED_OFFICIALS}


def departement_choices():
    yield ("", _("Choose a département"))
    for code, name in departements().items():
        yield (code, f"{code} – {name}")
    yield (ABROAD, f"{ABROAD} – " + str(_("French citizens abroad")))


@cache
def regions() -> dict[str, list[str]]:
    """Région name -> its départements' codes."""
    data = json.loads((DATA / "departements.json").read_text())
    by_region = {}
    for d in data["departements"]:
        if d["code"] in WITHOUT_ELECTED_OFFICIALS:
            continue
        by_region.setdefault(d["region"] or d["name"], []).append(d["code"])
    return dict(sorted(by_region.items()))


def departement_name(code: str) -> str:
    if code == ABROAD:
        return str(_("French citizens abroad"))
    return departements().get(code, "")


# --- Which territory a mandate is held for ---------------------------------

COMMUNE, ARRONDISSEMENT, EPCI, DEPARTEMENT, REGION = (
    "commune", "arrondissement", "epci", "departement", "region")
KINDS = (COMMUNE, ARRONDISSEMENT, EPCI, DEPARTEMENT, REGION)

# Mandates missing here (MEP, councillor abroad, "other") have no place in
# the reference data: the first two have none, "other" keeps free text.
MANDATE_KINDS = {
    Mandate.MUNICIPAL_COUNCILLOR: COMMUNE,
    Mandate.MAYOR: COMMUNE,
    Mandate.DEPUTY_MAYOR: COMMUNE,
    # Conseillers d'arrondissement exist only in Paris, Lyon and Marseille.
    Mandate.DISTRICT_COUNCILLOR: ARRONDISSEMENT,
    Mandate.COMMUNITY_COUNCILLOR: EPCI,
    Mandate.DEPARTMENTAL_COUNCILLOR: DEPARTEMENT,
    Mandate.SENATOR: DEPARTEMENT,
    Mandate.DEPUTY: DEPARTEMENT,
    Mandate.REGIONAL_COUNCILLOR: REGION,
    Mandate.TERRITORIAL_ASSEMBLY: REGION,
}
# Senators and deputies elected by the French abroad: their "département" is 99.
ELECTED_ABROAD = {Mandate.SENATOR, Mandate.DEPUTY}


def territory_kind(mandate: str) -> str | None:
    return MANDATE_KINDS.get(mandate)


# --- Places and their index ------------------------------------------------

# What a commune is in the COG, in the order homonyms are offered.
COMMUNE_TYPES = {"": 0, "m": 1, "d": 2, "a": 3}  # actual, arrondissement, déléguée, associée
SUBTYPE_LABELS = {"d": _("commune déléguée"), "a": _("commune associée")}

# The COG's TNCC ("type de nom en clair"): how « de » joins the name.
OF = {0: "de ", 1: "d'", 2: "du ", 3: "de la ", 4: "des ", 5: "de l'", 6: "des ", 7: "de las ",
      8: "de los "}


@dataclass(frozen=True, slots=True)
class Place:
    kind: str
    code: str
    name: str
    departement: str = ""
    postal_codes: tuple[str, ...] = ()
    population: int = 0
    # TNCC: 0 « de Bretagne », 3 « de la Gironde », 4 « des Landes »…
    liaison: int = 0
    subtype: str = ""  # communes only, see COMMUNE_TYPES
    # The commune of a déléguée, associée or arrondissement; a département's région.
    parent: str = ""

    @property
    def label(self) -> str:
        """The name a signer picks: homonyms differ by département (and type)."""
        if self.kind == REGION or not self.departement:
            return self.name
        if self.subtype in SUBTYPE_LABELS:
            return f"{self.name} ({self.departement}, {SUBTYPE_LABELS[self.subtype]})"
        return f"{self.name} ({self.departement})"

    def as_json(self) -> dict:
        return {"code": self.code, "name": self.name, "label": self.label,
                "departement": self.departement, "postal_codes": list(self.postal_codes)}


_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
# Words a search never starts at in the middle of a name: « de », « sur »…
_LINKING_WORDS = {"d", "l", "de", "du", "des", "la", "le", "les", "sur", "sous", "en", "et",
                  "aux", "lez", "a", "au", "s"}


def fold(text: str) -> str:
    """Accent-, case- and punctuation-free: « Saint-Étienne-de-Tinée » → "saint etienne de tinee".

    The ASCII fold (place names in the COG are written in the Latin alphabet),
    with "St" and "Ste" read as the « Saint » and « Sainte » the COG spells out.
    """
    return " ".join(_ABBREVIATIONS.get(word, word) for word in fold_ascii(text).split())


# Beyond this many matching names, a search walks the places in rank order.
WIDE = 1000

_DEPARTEMENT_HINT = re.compile(r"\(\s*(\d{2,3}|2[ab])\b[^)]*\)\s*$", re.IGNORECASE)


def split_hint(text: str) -> tuple[str, str]:
    """"Saint-Denis (974)" → ("Saint-Denis", "974"): the label our suggestions use."""
    match = _DEPARTEMENT_HINT.search(text)
    if not match:
        return text, ""
    return text[: match.start()], match.group(1).upper()


class Strings:
    """Many short strings held as one: their concatenation and where each one starts.

    Two objects instead of one per string (a str costs 49 bytes before its
    text): the index's names, codes and postal codes take a few megabytes, not
    tens, in each process that preloads it.
    """

    __slots__ = ("text", "starts")

    def __init__(self, strings):
        strings = list(strings)
        self.text = "".join(strings)
        self.starts = array("I", [0])
        self.starts.extend(accumulate(map(len, strings)))

    def __len__(self):
        return len(self.starts) - 1

    def __getitem__(self, i: int) -> str:
        return self.text[self.starts[i]:self.starts[i + 1]]

    def startswith(self, i: int, prefix: str, offset: int = 0) -> bool:
        return self.text.startswith(prefix, self.starts[i] + offset, self.starts[i + 1])

    def suffix(self, i: int, offset: int) -> str:
        return self.text[self.starts[i] + offset:self.starts[i + 1]]


class Places(Sequence):
    """One kind of place, column by column; a Place is made when it is asked for."""

    def __init__(self, places: list[Place]):
        self.kinds = Strings(p.kind for p in places)
        self.codes = Strings(p.code for p in places)
        self.names = Strings(p.name for p in places)
        self.departements = Strings(p.departement for p in places)
        self.postal_codes = Strings(" ".join(p.postal_codes) for p in places)
        self.populations = array("q", (p.population for p in places))
        self.liaisons = array("b", (p.liaison for p in places))
        self.subtypes = Strings(p.subtype for p in places)
        self.parents = Strings(p.parent for p in places)

    def __len__(self):
        return len(self.populations)

    def __getitem__(self, position: int) -> Place:
        if not 0 <= position < len(self.populations):
            raise IndexError(position)
        return Place(self.kinds[position], self.codes[position], self.names[position],
                     self.departements[position],
                     tuple(self.postal_codes[position].split()),
                     self.populations[position], self.liaisons[position],
                     self.subtypes[position], self.parents[position])


def _prefix_range(size: int, key, prefix: str) -> range:
    """The entries 0…size-1, sorted by key(i), whose key starts with `prefix`."""
    start = bisect_left(range(size), prefix, key=key)
    # Every key starting with the prefix sorts before prefix + the last code point.
    return range(start, bisect_left(range(size), prefix + "\U0010ffff", lo=start, key=key))


def _equal_range(size: int, key, value: str) -> range:
    start = bisect_left(range(size), value, key=key)
    return range(start, bisect_right(range(size), value, lo=start, key=key))


class Index:
    """One kind of place, searchable by name prefix, word prefix, code and postal code.

    Arrays of positions sorted by code, by name beginning and by postal code,
    searched by bisection, instead of dicts and lists of Python objects: the
    whole index is a few dozen objects (issue 19, a web worker's memory).
    """

    def __init__(self, places: list[Place]):
        self.places = Places(places)
        self.folded = Strings(fold(p.name) for p in places)
        size = len(places)
        self.by_code = array("I", sorted(range(size), key=lambda p: (places[p].code, p)))
        # Among equally good matches: communes before déléguées, then the most populous.
        self.by_rank = array("I", sorted(range(size), key=lambda p: (
            COMMUNE_TYPES.get(places[p].subtype, 0), -places[p].population, places[p].name,
            places[p].code)))
        self.order = array("I", bytes(4 * size))
        for rank, position in enumerate(self.by_rank):
            self.order[position] = rank
        # Each name once per word it may be searched from ("etienne de tinee"
        # finds Saint-Étienne-de-Tinée), sorted, for binary search.
        starts = []
        for position in range(size):
            name = self.folded[position]
            offset = 0
            for word in name.split(" "):
                if offset == 0 or word not in _LINKING_WORDS:
                    starts.append((name[offset:], position, offset))
                offset += len(word) + 1
        starts.sort()
        self.key_positions = array("I", (position for _key, position, _offset in starts))
        self.key_offsets = array("H", (offset for _key, _position, offset in starts))
        postal = sorted((code, position) for position, place in enumerate(places)
                        for code in place.postal_codes)
        self.postal_codes = Strings(code for code, _position in postal)
        self.postal_positions = array("I", (position for _code, position in postal))

    def _key(self, i: int) -> str:
        """The i-th name beginning, in sorted order."""
        return self.folded.suffix(self.key_positions[i], self.key_offsets[i])

    def _keys(self, prefix: str) -> range:
        return _prefix_range(len(self.key_positions), self._key, prefix)

    def _with_code(self, code: str):
        codes = self.places.codes
        for i in _equal_range(len(self.by_code), lambda i: codes[self.by_code[i]], code):
            yield self.by_code[i]

    def search(self, query: str, departement: str = "", limit: int = 10) -> list[Place]:
        folded = fold(query)
        if not folded:
            return []
        # position -> tier: 0 exact name or code, 1 postal code beginning,
        # 2 name beginning, 3 word beginning, 4 every word somewhere.
        tiers: dict[int, int] = {}
        departements, names, order = self.places.departements, self.folded, self.order

        def offer(position, tier):
            if departement and departements[position] != departement:
                return
            if tier < tiers.get(position, 9):
                tiers[position] = tier

        for position in self._with_code(folded.replace(" ", "").upper()):
            offer(position, 0)
        if folded.isdigit() and len(folded) >= 2 and self.postal_positions:
            for i in _prefix_range(len(self.postal_positions), self.postal_codes.__getitem__,
                                   folded):
                offer(self.postal_positions[i], 0 if len(folded) == 5 else 1)
        positions, offsets = self.key_positions, self.key_offsets
        span = self._keys(folded)
        # The exact name: a name's beginning at offset 0 equal to the query. Keys
        # equal to the query sort first among those it begins.
        for i in span:
            if self._key(i) != folded:
                break
            if not offsets[i]:
                offer(positions[i], 0)
        walked = False
        if len(span) > WIDE and not departement:
            # A short or common beginning ("s", "saint"): thousands of names
            # match. Walking the places in rank order and stopping early costs
            # microseconds where ranking the whole span costs milliseconds.
            enough = len(tiers) + 2 * limit
            for position in self.by_rank:
                if names.startswith(position, folded):
                    tiers.setdefault(position, 2)
                    if len(tiers) >= enough:
                        walked = True
                        break
        if not walked:
            for i in span:
                position = positions[i]
                if departement and departements[position] != departement:
                    continue
                tier = 3 if offsets[i] else 2
                if tier < tiers.get(position, 9):
                    tiers[position] = tier
        if not tiers and " " in folded:
            self._every_word(folded, offer)
        ranked = sorted(tiers, key=lambda position: (tiers[position], order[position]))
        seen, found = set(), []
        codes = self.places.codes
        for position in ranked:
            # A commune déléguée often has the code and name of its commune.
            if (codes[position], names[position]) in seen:
                continue
            seen.add((codes[position], names[position]))
            found.append(self.places[position])
            if len(found) == limit:
                break
        return found

    def _every_word(self, folded: str, offer):
        """"st etienne tinee": every typed word starts a word of the name, in any order."""
        words = [w for w in folded.split(" ") if w not in _LINKING_WORDS] or folded.split(" ")
        longest = max(words, key=len)
        for i in self._keys(longest):
            position = self.key_positions[i]
            name_words = self.folded[position].split(" ")
            if all(any(n.startswith(w) for n in name_words) for w in words):
                offer(position, 4)

    def nearest(self, query: str, departement: str = "", limit: int = 5) -> list[Place]:
        """Places whose name is closest to a query that matched nothing (typos)."""
        from difflib import SequenceMatcher

        folded = fold(query)
        candidates = set()
        # A typo late in the name: its beginning still matches… A binary search
        # finds the longest beginning some name has; only then a full search.
        for length in range(len(folded) - 1, 0, -1):
            if not self._keys(folded[:length]):
                continue
            found = self.search(folded[:length], departement, limit=30)
            if found:
                candidates.update(found)
                break
        # …early in the name: its other words still do.
        for word in set(folded.split(" ")) - _LINKING_WORDS:
            if len(word) >= 3:
                candidates.update(self.search(word, departement, limit=30))

        def closeness(place):
            return (-SequenceMatcher(None, folded, fold(place.name)).ratio(), -place.population)

        return sorted(candidates, key=closeness)[:limit]

    def find(self, code: str) -> Place | None:
        positions = list(self._with_code(code.strip().upper()))
        if not positions:
            return None
        return self.places[min(positions, key=self.order.__getitem__)]


# What preload_before_forking received from its child, until indexes() takes it.
_received: list[dict[str, Index]] = []


@cache
def indexes() -> dict[str, Index]:
    """Loaded once per process (about half a second), on first use."""
    import gc

    built = _received.pop() if _received else build_indexes(read_data(PLACES_FILE))
    # The index itself is a few dozen objects (arrays and joined strings); the
    # build's garbage is collected now, and what is loaded so far (in gunicorn's
    # master, the whole preloaded app) is frozen: a full collection in a worker
    # neither walks those long-lived objects nor writes to their shared pages.
    gc.collect()
    gc.freeze()
    return built


def preload_before_forking():
    """For gunicorn's master, before it forks its workers: `indexes()` as built by a
    short-lived child process and received pickled (about 5 MB).

    Built in the master, the JSON's objects and the build's lists (about 35 MB at
    the peak, freed at once) would leave its allocator holding some 10 MB more
    (arenas and heap kept for reuse), and every worker's RSS counts the master's
    pages from the fork. Called where no other thread runs: it forks.
    """
    indexes.cache_clear()
    _received[:] = [_built_in_a_child()]
    indexes()


def _built_in_a_child() -> dict[str, Index]:
    import os
    import pickle

    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(readable)
            with os.fdopen(writable, "wb") as pipe:
                pickle.dump(build_indexes(read_data(PLACES_FILE)), pipe, pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            # Nothing of the parent's (exit handlers, connections) runs in the child.
            os._exit(status)
    os.close(writable)
    try:
        with os.fdopen(readable, "rb") as pipe:
            return pickle.load(pipe)
    except EOFError:
        # The child failed: building here raises the same error, with its traceback.
        return build_indexes(read_data(PLACES_FILE))
    finally:
        os.waitpid(pid, 0)


def build_indexes(data: dict) -> dict[str, Index]:
    communes = [
        Place(COMMUNE, code, name, departement, tuple(postal.split()), population, liaison,
              subtype, parent)
        for code, name, departement, subtype, liaison, population, postal, parent
        in data["communes"]
    ]
    epci = [Place(EPCI, siren, name, departement, population=population, liaison=3)
            for siren, name, departement, population in data["epci"]]
    # Populations rank homonyms and beginnings: "ile de" offers Île-de-France first.
    population = {}
    for place in communes:
        if not place.subtype:
            population[place.departement] = population.get(place.departement, 0) + (
                place.population)
    departement_places = [
        Place(DEPARTEMENT, code, name, code, population=population.get(code, 0),
              liaison=liaison, parent=region)
        for code, name, region, liaison in data["departements"]]
    for place in departement_places:
        population[place.parent] = population.get(place.parent, 0) + place.population
    # The French abroad elect senators and deputies as a "département" 99.
    departement_places.append(
        Place(DEPARTEMENT, ABROAD, "Français établis hors de France", ABROAD, liaison=4))
    return {
        # Municipal councillors sit in Paris, Lyon or Marseille, not in one of their
        # arrondissements: those are offered to district councillors only.
        COMMUNE: Index([p for p in communes if p.subtype != "m"]),
        ARRONDISSEMENT: Index([p for p in communes if p.subtype == "m"]),
        EPCI: Index(epci),
        DEPARTEMENT: Index(departement_places),
        REGION: Index([Place(REGION, code, name, population=population.get(code, 0),
                             liaison=liaison)
                       for code, name, liaison in data["regions"]]),
    }


def search(kind: str, query: str, departement: str | None = None, limit: int = 10
           ) -> list[Place]:
    """Places of a kind whose name, code or postal code starts with the query, best first.

    A trailing "(93)" in the query, as in our own labels, narrows to that
    département like `departement` does.
    """
    query, hint = split_hint(query[:200])
    return indexes()[kind].search(query, hint or departement or "", limit)


def find(kind: str, code: str) -> Place | None:
    place = indexes()[kind].find(code)
    if place is None and kind == COMMUNE:
        # Signatures stored before arrondissements left the commune index keep theirs.
        place = indexes()[ARRONDISSEMENT].find(code)
    return place


@dataclass
class Match:
    """What a typed locality designates: one place, or suggestions to choose from."""

    place: Place | None = None
    suggestions: tuple[Place, ...] = ()
    ambiguous: bool = False


def match(kind: str, text: str, departement: str = "") -> Match:
    """The one place a signer typed, as the form accepts it without JavaScript.

    Accepted: an exact name (or code, or postal code) that designates one
    place, or a beginning only one place has. Anything else gets suggestions.
    """
    index = indexes()[kind]
    query, hint = split_hint(text[:200])
    departement = hint or departement
    folded = fold(query)
    if not folded:
        return Match()
    found = index.search(query, departement, limit=10)
    exact = [p for p in found
             if fold(p.name) == folded or p.code == folded.upper()
             or (folded.isdigit() and folded in p.postal_codes)]
    if len(exact) == 1:
        return Match(place=exact[0])
    if len(exact) > 1:
        return Match(suggestions=tuple(exact), ambiguous=True)
    if len(found) == 1:
        return Match(place=found[0])
    if not found and departement:
        # The département chosen may be the wrong one: look everywhere.
        found = index.search(query, "", limit=10)
        exact = [p for p in found if fold(p.name) == folded]
        return Match(suggestions=tuple(exact or found[:5]))
    return Match(suggestions=tuple(found[:5] or index.nearest(query, departement)))


def region_of(departement: str) -> Place | None:
    """The région a département belongs to (for a regional mandate given by département)."""
    place = find(DEPARTEMENT, departement)
    return find(REGION, place.parent) if place and place.parent else None


@cache
def _names_and_liaisons() -> dict[str, dict[str, tuple[str, int]]]:
    """Départements and régions only: titles need them without the whole index."""
    data = read_data(PLACES_FILE)
    return {
        DEPARTEMENT: {code: (name, liaison) for code, name, _r, liaison in data["departements"]}
        | {ABROAD: ("Français établis hors de France", 4)},
        REGION: {name: (code, liaison) for code, name, liaison in data["regions"]},
    }


# EPCI names that start with their kind take its article: « de la CA du Grand Avignon »,
# « de l'Eurométropole de Strasbourg ».
_EPCI_GENERIC_WORDS = {"CC": 3, "CA": 3, "CU": 3, "Métropole": 3, "Communauté": 3,
                       "Eurométropole": 5}


def of_place(mandate: str, locality: str, departement: str) -> str | None:
    """« des Alpes-Maritimes », « de la Gironde », « d'Île-de-France »; None when unknown.

    Commune names carry their article (« Le Havre »), so titles.french_of
    handles them; département and région names do not, and the COG says
    which article they take.
    """
    kind = territory_kind(mandate)
    if kind == DEPARTEMENT:
        name, liaison = _names_and_liaisons()[DEPARTEMENT].get(departement, ("", 0))
        if name != locality:
            return None
    elif kind == REGION:
        if locality not in _names_and_liaisons()[REGION]:
            return None
        liaison = _names_and_liaisons()[REGION][locality][1]
    elif kind == EPCI and locality:
        locality = place_in_title(locality)
        liaison = _EPCI_GENERIC_WORDS.get(locality.split()[0])
        if liaison is None:
            return None  # « de Toulouse Métropole », « de Brest Métropole »: as a place name
    else:
        return None
    return OF.get(liaison, "de ") + locality


# --- Building the data file ------------------------------------------------

SOURCE = "@etalab/decoupage-administratif@6.0.0 (MIT), COG 2026"
_ETALAB_TYPES = {"commune-actuelle": "", "arrondissement-municipal": "m",
                 "commune-deleguee": "d", "commune-associee": "a"}
_COG_TYPES = {"COM": "", "ARM": "m", "COMD": "d", "COMA": "a"}


def read_data(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return json.load(file)


def write_data(data: dict, path: Path):
    # mtime=0: the same data gives the same bytes, so git sees no change.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                compresslevel=9) as file:
        file.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


def data_from_etalab(directory: Path, source: str = SOURCE) -> dict:
    """The compact data from the package's data/ directory: communes, EPCI, départements…"""
    def load(name):
        return json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))

    communes = [
        [c["code"], c["nom"], c["departement"], _ETALAB_TYPES[c["type"]],
         c.get("typeLiaison", 0), c.get("population", 0), " ".join(c.get("codesPostaux", ())),
         c.get("commune") or c.get("chefLieu", "")]
        for c in load("communes") if c["type"] in _ETALAB_TYPES
    ]
    departement_of = {c[0]: c[2] for c in communes if c[3] == ""}
    epci = []
    for e in load("epci"):
        # An EPCI may straddle départements: it is shown with its most populous one.
        weights = {}
        for member in e.get("membres", ()):
            departement = departement_of.get(member["code"], "")
            weights[departement] = weights.get(departement, 0) + member.get(
                "populationMunicipale", 0)
        main = max(weights, key=weights.get) if weights else ""
        epci.append([e["code"], e["nom"], main, e.get("populationMunicipale", 0)])
    return {
        "source": source,
        "communes": communes,
        "epci": epci,
        "departements": [[d["code"], d["nom"], d["region"], d.get("typeLiaison", 0)]
                         for d in load("departements")],
        "regions": [[r["code"], r["nom"], r.get("typeLiaison", 0)] for r in load("regions")],
    }


COG_COLUMNS = {"TYPECOM", "COM", "REG", "DEP", "TNCC", "LIBELLE", "COMPARENT"}


class UnknownFormat(ValueError):
    pass


def data_from_cog_csv(path: Path, previous: dict, source: str) -> dict:
    """The communes of INSEE's v_commune_AAAA.csv; the rest kept from `previous`.

    The COG file has no postal codes, populations or EPCI: those are kept
    from the current data for codes that still exist. It also leaves out the
    collectivités d'outre-mer (975, 977, 978, 98x), whose communes are kept.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    delimiter = ";" if text.partition("\n")[0].count(";") > text.partition("\n")[0].count(
        ",") else ","
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    missing = COG_COLUMNS - set(rows[0] if rows else ())
    if missing:
        raise UnknownFormat(f"not a COG commune file: missing {', '.join(sorted(missing))}")
    kept = {(c[0], c[3]): c for c in previous["communes"]}
    # Déléguées, associées and arrondissements have no DEP of their own.
    departement_of = {r["COM"]: r["DEP"] for r in rows if r["TYPECOM"] == "COM"}
    communes = []
    for row in rows:
        subtype = _COG_TYPES.get(row["TYPECOM"])
        if subtype is None:
            continue
        parent = row["COMPARENT"] or ""
        before = kept.get((row["COM"], subtype)) or [None] * 8
        communes.append([
            row["COM"], row["LIBELLE"], row["DEP"] or departement_of.get(parent, ""),
            subtype, int(row["TNCC"] or 0), before[5] or 0, before[6] or "", parent,
        ])
    covered = {c[2] for c in communes}
    communes += [c for c in previous["communes"] if c[2] not in covered]
    return {**previous, "source": source, "communes": communes}
