"""Reading the Répertoire national des élus (RNE) as the Ministry of the Interior publishes it.

The Ministry has changed the files' layout many times (see LAYOUTS in
tests/rne_samples.py for one sample of each): Latin-1 tab-separated text with
a « Titre du rapport » line above the header (2018–2021), tabs and UTF-8
(2022), snake_case headers (June 2023), commas (November 2023), `;` again
(2024, 2026). Dates come as 9/4/1968, 22/06/22, 2021-07-01 00:00:00+00 or ISO.
So the header is looked for among the first lines, the delimiter is read from
it, columns are recognised by a folded form of their title, and the kind of
file by its columns and its name together. What the reader could not use (a
date it could not read, a column it does not know) is counted, for the
import to report.

Nothing here touches the database: `read()` yields one `Line` per mandate,
already reduced to what matching needs. Birth dates, birth places and
socio-professional categories are never read into a `Line`: we have no use
for them and the register of 600,000 people is not ours to copy.
"""

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from signatures.folding import fold_ligatures
from signatures.titles import Mandate

# The register writes "OEILLET" where a signer types « Œillet »: ligatures spelled
# out. Cached: matching folds the same names and functions for each candidate.
fold = lru_cache(maxsize=8192)(fold_ligatures)


def last_name_key(name: str) -> str:
    """Spaces go too: « Le Goff », "LEGOFF" and « Saint-André » / "Saint André" meet."""
    return fold(name).replace(" ", "")


_PARTICLES = {"de", "du", "des", "la", "le", "les", "d", "l", "van", "von", "der", "den", "di",
              "da", "del", "della", "dos", "ben", "el", "al", "saint", "sainte", "st", "ste"}
_MARITAL = {"epouse", "ep", "nee", "veuve", "vve", "dite", "dit"}


def last_name_parts(name: str) -> list[str]:
    """The names a compound or married name is made of, each as its key:
    « Bertrand-Roussel » and « Bertrand épouse Roussel » give ["bertrand", "roussel"].

    One name (« Le Goff », « Saint-André ») gives [] : it has no parts to use alone.
    """
    words = [word for word in fold(name).split()
             if word not in _PARTICLES and word not in _MARITAL and len(word) > 1]
    return words if len(words) > 1 else []


# --- the files ---------------------------------------------------------------

@dataclass(frozen=True)
class FileKind:
    code: str
    file_name: str  # as published on data.gouv.fr
    label: str
    mandate: str  # the signatures.titles.Mandate this file lists
    needs: tuple = ()  # territory columns the file must have


KINDS = {kind.code: kind for kind in [
    FileKind("cm", "elus-conseillers-municipaux-cm.csv", _("municipal councillors"),
             Mandate.MUNICIPAL_COUNCILLOR, ("departement", "commune")),
    FileKind("mai", "elus-maires-mai.csv", _("mayors"), Mandate.MAYOR,
             ("departement", "commune")),
    FileKind("epci", "elus-conseillers-communautaires-epci.csv",
             _("community councillors"), Mandate.COMMUNITY_COUNCILLOR, ("epci",)),
    FileKind("cd", "elus-conseillers-departementaux-cd.csv", _("departmental councillors"),
             Mandate.DEPARTMENTAL_COUNCILLOR, ("departement", "canton")),
    FileKind("cr", "elus-conseillers-regionaux-cr.csv", _("regional councillors"),
             Mandate.REGIONAL_COUNCILLOR, ("region",)),
    FileKind("ca", "elus-conseillers-darrondissements-ca.csv", _("district councillors"),
             Mandate.DISTRICT_COUNCILLOR, ("departement", "commune")),
    FileKind("ma", "elus-membres-dune-assemblee-ma.csv", _("members of a territorial assembly"),
             Mandate.TERRITORIAL_ASSEMBLY, ()),
    # 2018–2021 only: the Corsican executive (conseillers exécutifs), in a file
    # of its own, with no territory column at all.
    FileKind("cac", "5-rne-cac.txt", _("members of the Corsican executive"),
             Mandate.TERRITORIAL_ASSEMBLY, ()),
    FileKind("dep", "elus-deputes-dep.csv", _("members of the National Assembly"),
             Mandate.DEPUTY, ("departement", "circonscription")),
    FileKind("sen", "elus-senateurs-sen.csv", _("senators"), Mandate.SENATOR,
             ("departement",)),
    FileKind("rpe", "elus-representants-parlement-europeen-rpe.csv",
             _("members of the European Parliament"), Mandate.MEP, ()),
    FileKind("cons", "elus-conseillers-des-francais-de-letranger-cons.csv",
             _("councillors for French citizens abroad"), Mandate.CONSULAR_COUNCILLOR,
             ("consular",)),
    FileKind("afe", "elus-assemblee-des-francais-de-letranger-afe.csv",
             _("members of the Assembly of French citizens abroad"),
             Mandate.CONSULAR_COUNCILLOR, ("afe",)),
]}

# The columns every kind needs: who, and since when.
COMMON = ("last_name", "first_name", "mandate_start")

# Words that name a kind in the files' names, besides the codes themselves:
# the 2018–2021 releases were called 1-rne-cm.txt, 8-rne-deputes.txt, ….
NAME_WORDS = {
    "cm": {"municipaux"}, "mai": {"maires"},
    "epci": {"communautaires"}, "cd": {"departementaux"}, "cr": {"regionaux"},
    "ca": {"darrondissements", "arrondissements", "arrondissement"},
    "ma": {"assemblee"}, "dep": {"deputes"}, "sen": {"senateurs"},
    "rpe": {"europeen", "europeens"}, "cons": {"consulaires"}, "cac": {"executif"},
}

# Each column we read: the title the Ministry prints (for error messages), and
# the folded forms it has taken (see header_key). Birth date, birth place and
# socio-professional category are deliberately absent.
COLUMNS = {
    "last_name": ("Nom de l'élu", {"nom", "nom usage"}),
    "first_name": ("Prénom de l'élu", {"prenom", "prenoms"}),
    "sex": ("Code sexe", {"code sexe", "sexe"}),
    "mandate_start": ("Date de début du mandat", {"date debut mandat", "debut mandat"}),
    "mandate_end": ("Date de fin du mandat", {"date fin mandat", "fin mandat"}),
    # The Ministry's political nuance: of the official, or of the municipal list.
    "nuance": ("Code de la nuance politique", {
        "code nuance politique", "code nuance mandat", "nuance politique", "code nuance",
        "nuance mandat", "code nuance liste", "nuance liste", "code nuance politique liste"}),
    "function": ("Libellé de la fonction", {"libelle fonction", "fonction"}),
    "departement": ("Code du département", {"code departement", "departement"}),
    "departement_name": ("Libellé du département", {"libelle departement"}),
    "collectivity": ("Code de la collectivité à statut particulier",
                     {"code collectivite statut particulier"}),
    "collectivity_name": ("Libellé de la collectivité à statut particulier",
                          {"libelle collectivite statut particulier"}),
    "commune": ("Code de la commune", {"code commune", "code insee commune",
                                       "code commune rattachement"}),
    "commune_name": ("Libellé de la commune", {"libelle commune", "nom commune",
                                               "libelle commune rattachement"}),
    "epci": ("N° SIREN", {"numero siren", "siren", "code siren", "numero siren epci",
                          "siren epci"}),
    "epci_name": ("Libellé de l'EPCI", {"libelle epci"}),
    "canton": ("Code du canton", {"code canton"}),
    "canton_name": ("Libellé du canton", {"libelle canton"}),
    "region": ("Code de la région", {"code region"}),
    "region_name": ("Libellé de la région", {"libelle region"}),
    "section": ("Code de la section départementale", {"code section departementale"}),
    "section_name": ("Libellé de la section départementale",
                     {"libelle section departementale"}),
    "assembly_section": ("Code de la section - collectivité à statut particulier",
                         {"code section collectivite statut particulier", "code section"}),
    "assembly_section_name": ("Libellé de la section - collectivité à statut particulier",
                              {"libelle section collectivite statut particulier",
                               "libelle section"}),
    "metropolitan_circonscription": ("Code de la circonscription métropolitaine",
                                     {"code circonscription metropolitaine"}),
    "sector": ("Libellé du secteur", {"libelle secteur", "code secteur", "secteur"}),
    "circonscription": ("Code de la circonscription législative",
                        {"code circonscription legislative", "code circonscription"}),
    "circonscription_name": ("Libellé de la circonscription législative",
                             {"libelle circonscription legislative"}),
    "consular": ("Code de la circonscription consulaire", {"code circonscription consulaire"}),
    "consular_name": ("Libellé de la circonscription consulaire",
                      {"libelle circonscription consulaire"}),
    "afe": ("Code de la circonscription AFE",
            {"code circonscription afe",
             "code circonscription assemblee francais etranger"}),
    "afe_name": ("Libellé de la circonscription AFE",
                 {"libelle circonscription afe",
                  "libelle circonscription assemblee francais etranger"}),
}

# Columns we know and leave behind on purpose: who the official is beyond the
# name (birth, profession, nationality), and what matching has no use for.
# They are not reported as unknown. « Date de naissancee » is the 2024 spelling.
IGNORED_COLUMNS = re.compile(
    r"naiss|profession|socio|csp|nationalite|date debut fonction|libelle nuance"
    r"|codecirer|circonscription europeenne|code fonction|^titre rapport$")

_HEADER_NOISE = {"de", "la", "le", "les", "du", "des", "d", "l", "a", "e", "au", "aux", "en",
                 "elu", "elus", "elue", "elues"}
_HEADER_SYNONYMS = {"n": "numero", "no": "numero", "num": "numero", "ndeg": "numero",
                    "circ": "circonscription", "cir": "circonscription",
                    "libelle": "libelle", "lib": "libelle",
                    "insee": "insee"}


def header_key(title: str) -> str:
    """A header's spelling-proof form: « Nom de l'élu·e », "NOM DE L’ELU", 'Nom de l''élu'
    and nom_elu give "nom"."""
    title = title.strip()
    if len(title) > 1 and title[0] == title[-1] == "'":  # a 2022 release quotes so
        title = title[1:-1].replace("''", "'")
    # Older releases qualify titles in brackets: « Code du département (Maire) ».
    words = [_HEADER_SYNONYMS.get(word, word)
             for word in fold(re.sub(r"\(.*?\)", " ", title)).split()]
    return " ".join(word for word in words if word not in _HEADER_NOISE)


_KEY_TO_COLUMN = {key: name for name, (_title, keys) in COLUMNS.items() for key in keys}


def map_headers(headers: list[str]) -> dict[str, int]:
    """Our column names -> their position in the file (unknown columns are ignored)."""
    found = {}
    for position, title in enumerate(headers):
        name = _KEY_TO_COLUMN.get(header_key(title))
        if name and name not in found:
            found[name] = position
    return found


def unknown_headers(headers: list[str]) -> list[str]:
    """Titles that are neither read nor left behind on purpose: the import reports them."""
    # Titles are shortened and counted, not trusted: a hostile file may hold anything.
    return [" ".join(title.split())[:100] for title in headers
            if title.strip() and header_key(title) not in _KEY_TO_COLUMN
            and not IGNORED_COLUMNS.search(header_key(title))][:100]


def kinds_from_file_name(name: str) -> list[str]:
    """The kinds a file's name points to: the published suffix (…-cm.csv, …-mai.csv) or
    the older French words (rne-deputes); tolerant of dates and copies in the name.

    Several when the name is ambiguous (« elus-cm-mai-2022 », May being « mai »).
    """
    words = set(fold(Path(name).stem).split())
    return [code for code in KINDS if code in words or NAME_WORDS.get(code, set()) & words]


def kind_from_file_name(name: str) -> str | None:
    named = kinds_from_file_name(name)
    return named[0] if named else None


def kind_from_columns(columns) -> str:
    """Which file this is, from its territory columns, most telling first.

    A code or its label is enough to tell the kind, so that a file that lost
    its « Code de la commune » is refused for that, not taken for senators.
    """
    has = set(columns)

    def either(name):
        return name in has or f"{name}_name" in has

    # The consular councillors' file also names the AFE constituency that holds
    # each consular one (since 2026, first): the consular column tells.
    if either("consular"):
        return "cons"
    if either("afe"):
        return "afe"
    if either("circonscription"):
        return "dep"
    if either("epci"):
        return "epci"
    if either("canton"):
        return "cd"
    if either("section"):
        return "cr"
    if either("assembly_section") or "metropolitan_circonscription" in has or {
            "region", "collectivity"} <= has:
        return "ma"
    if "sector" in has:
        return "ca"
    if either("commune"):
        return "cm" if "function" in has else "mai"
    if either("region"):
        return "cr"
    if either("departement") or either("collectivity"):
        return "sen"
    return "rpe"


# Kinds told by what a file lacks rather than by what it has.
FALLBACK_KINDS = {"sen", "rpe"}
# Kinds whose files have the columns of another: the name tells them apart.
# The regional file's section is a département, the territorial assemblies'
# files carry a région; the AFE file is the consular one without its column.
OVERLAPS = [{"cm", "mai"}, {"cm", "ca"}, {"mai", "ca"}, {"ma", "cr"}, {"ma", "sen"},
            {"cons", "afe"}]


class UnreadableLine(ValueError):
    """A line the CSV reader cannot parse (a NUL byte, a field over the size limit)."""

    def __init__(self, line: int, reason: str):
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}")


class UnrecognisedFile(ValueError):
    def __init__(self, kind: str, missing: list[str]):
        self.kind = kind
        self.missing = missing
        self.known = self.total = 0  # columns recognised, of the header's; set by Reader
        super().__init__(f"{kind}: missing {', '.join(missing)}")


class KindConflict(ValueError):
    """The file's name says one kind, its columns another: neither is trusted."""

    def __init__(self, named: str, detected: str):
        self.named = named
        self.detected = detected
        super().__init__(f"named {named}, columns of {detected}")


def missing_columns(kind: str, columns) -> list[str]:
    needed = [*COMMON, *KINDS[kind].needs]
    if kind in ("cm", "mai", "ca", "dep", "sen"):
        # Overseas collectivities come under a collectivity code, not a département.
        needed = [n for n in needed if not (n == "departement" and "collectivity" in columns)]
    if kind == "ma" and not columns.keys() & {"region", "collectivity", "departement"}:
        needed.append("region")
    return [COLUMNS[name][0] for name in needed if name not in columns]


def recognise(file_name: str, columns: dict) -> str:
    """The file's kind, from its columns and its name together.

    Municipal councillors, mayors and district councillors share their
    columns, so there the name decides; so it does between the consular and
    the AFE files, and for a file with no territory column (MEPs, the
    Corsican executive of 2018–2021) or a département only (senators). A
    name that says a kind the columns contradict (a mayors' file with a
    constituency column) is refused with both named: importing it as either
    would replace another kind's lines. A file named neutrally is told by its
    columns alone, and a municipal file with a misspelled commune column is
    refused, not imported as 490,000 MEPs.

    Raises UnrecognisedFile naming what is missing, KindConflict.
    """
    detected = kind_from_columns(columns)
    named = kinds_from_file_name(file_name)
    if not named or detected in named:
        kind = detected
    else:
        fitting = [kind for kind in named if detected in FALLBACK_KINDS
                   or {kind, detected} in OVERLAPS]
        if not fitting:
            raise KindConflict(named[0], detected)
        kind = fitting[0]  # its missing columns, if any, are named below
    missing = missing_columns(kind, columns)
    if missing:
        raise UnrecognisedFile(kind, missing)
    return kind


# --- codes ---------------------------------------------------------------------

# The Ministry's election codes for overseas territories, used in older releases.
LETTER_DEPARTEMENTS = {
    "ZA": "971", "ZB": "972", "ZC": "973", "ZD": "974", "ZM": "976", "ZS": "975",
    "ZX": "977", "ZW": "986", "ZP": "987", "ZN": "988", "ZZ": "99",
}
# Signers choose « 69 – Rhône » for the Métropole de Lyon (69M) as for the
# rest of the département (69D): the register is folded to what they can pick.
DEPARTEMENT_ALIASES = {"69M": "69", "69D": "69", "2A": "2A", "2B": "2B"}


def departement_code(raw: str) -> str:
    """ "1", "01" and "001" (2026's padding) give "01"; "ZA" gives "971"."""
    code = raw.strip().upper()
    if not code:
        return ""
    if code in LETTER_DEPARTEMENTS:
        return LETTER_DEPARTEMENTS[code]
    if code in DEPARTEMENT_ALIASES:
        return DEPARTEMENT_ALIASES[code]
    if code.isdigit():
        code = code.lstrip("0") or "0"
        return code.zfill(2) if len(code) < 3 else code[:3]
    if len(code) == 3 and code[0] == "0":  # "02A"
        return code[1:]
    return code[:3]


def commune_code(raw: str, departement: str) -> str:
    """The 5-character INSEE code, from a full code or from older releases' 1–3 digits."""
    code = raw.strip().upper()
    if not code:
        return ""
    if len(code) == 5:
        return code
    if code.isdigit() and len(code) == 4:  # 1053: a comma file lost the zero of 01053
        return code.zfill(5)
    if not code.isdigit() or len(code) > 3 or not departement:
        return code[:5]
    number = code.zfill(3)
    if len(departement) == 3:  # overseas: 97411 is département 974, commune "411" or "11"
        return (departement[:2] + number) if number[0] == departement[2] else (
            departement + number[-2:])
    return departement + number


# Martinique and Guyane are each a single collectivity: their assemblies'
# lines carry 972 or 973 where signers pick the région (02, 03). Corsica's
# collectivity is its région, 94.
COLLECTIVITY_REGIONS = {"972": "02", "973": "03", "20": "94", "2A": "94", "2B": "94",
                        "94": "94"}


def region_code(raw: str) -> str:
    """ "1", "01" and "001" give "01"; the collectivities 972 and 973 their région."""
    code = raw.strip().upper()
    if code in COLLECTIVITY_REGIONS:
        return COLLECTIVITY_REGIONS[code]
    if code.isdigit():
        code = code.lstrip("0").zfill(2)
        return COLLECTIVITY_REGIONS.get(code, code[:3])
    return code[:3]


def circonscription_number(raw: str, departement: str = "") -> str:
    """ "3", "03", "0603" (département 06), "00603" and "3ème circonscription" all give
    "3"; overseas, "97501" and "98702" give "1" and "2"."""
    code = raw.strip().upper()
    departement = departement_code(departement)
    for prefix in {departement, departement.zfill(3)} - {""}:
        if len(code) == len(prefix) + 2 and code.startswith(prefix):
            code = code[len(prefix):]
    # Collectivities overseas number their seats after their own code.
    if re.fullmatch(r"9[78]\d{3}", code):
        code = code[3:]
    digits = re.search(r"\d+", code)
    return str(int(digits.group())) if digits else code[:10]


def parse_date(raw: str) -> date | None:
    """9/4/1968, 09/04/1968, 22/06/22, 2022-06-22 and 2021-07-01 00:00:00+00."""
    text = raw.strip()[:10].strip()
    try:
        if found := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})", text):
            day, month, year = (int(part) for part in found.groups())
            if year < 100:  # a mandate began in this century, or in the last one
                year += 2000 if year <= date.today().year % 100 else 1900
            return date(year, month, day)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


def release_date(file_name: str) -> date | None:
    """A date in the file's name (…-2026-01-15.csv, …_20260115.csv), when there is one."""
    found = re.search(r"(20\d{2})-?(\d{2})-?(\d{2})", Path(file_name).name)
    if not found:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


# --- reading ---------------------------------------------------------------------

def sniff_encoding(path: Path, chunk_size=1 << 20) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, else Latin-1.

    The whole file is decoded once, in chunks: a single « é » in Latin-1 on the
    400,000th line would otherwise break the import half-way. Windows-1252 is
    tried before Latin-1 because files saved from Excel carry its ’ and œ.
    """
    with path.open("rb") as raw:
        head = raw.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        raw.seek(0)
        candidates = {"utf-8": codecs.getincrementaldecoder("utf-8")(),
                      "cp1252": codecs.getincrementaldecoder("cp1252")()}
        while chunk := raw.read(chunk_size):
            for name, decoder in list(candidates.items()):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    del candidates[name]
            if not candidates:
                return "latin-1"
        for name, decoder in list(candidates.items()):
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                del candidates[name]
    return next(iter(candidates), "latin-1")


def sniff_delimiter(header_line: str) -> str:
    return max(";,\t", key=header_line.count) if header_line else ";"


@dataclass(slots=True)
class Line:
    """One mandate, reduced to what matching needs (and nothing about birth)."""

    line: int
    last_name: str
    first_name: str
    sex: str
    function: str
    departement: str
    commune_code: str
    epci_siren: str
    canton_code: str
    region_code: str
    circonscription: str
    territory_name: str
    mandate_started_on: date | None
    mandate_ended_on: date | None = None
    nuance: str = ""

    @property
    def last_key(self):
        return last_name_key(self.last_name)

    @property
    def last_parts(self):
        return last_name_parts(self.last_name)

    @property
    def first_key(self):
        return fold(self.first_name)


# A title and a few lines of notes may stand above the header (« Titre du
# rapport », 2018–2021); beyond this many lines, the file has no header we know.
HEADER_SEARCH_LINES = 5
DELIMITER_NAMES = {";": _("semicolons"), ",": _("commas"), "\t": _("tabs")}


def find_header(lines: list[str]) -> int:
    """The index of the first line that names an official's columns; else of the line
    with the most columns we know, for the refusal to name what is missing."""
    known = []
    for line in lines:
        headers = next(csv.reader([line], delimiter=sniff_delimiter(line)), [])
        columns = map_headers(headers).keys()
        if {"last_name", "first_name"} <= columns:
            return len(known)
        known.append(len(columns))
    return known.index(max(known)) if known else 0


class Reader:
    """Streams a register file: the kind and encoding are known before the first line.

    What it could not use is counted as it reads, for the import to report:
    `skipped` lines without a name, `dates_dropped` mandate starts it could
    not read (a date left empty is not dropped), `unknown_columns` by title.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.encoding = sniff_encoding(self.path)
        # Unbuffered, so that its position is the bytes read, for the progress bar.
        self._raw = self.path.open("rb", buffering=0)
        self._text = io.TextIOWrapper(io.BufferedReader(self._raw, 1 << 16),
                                      encoding=self.encoding, newline="")
        try:
            head = [self._text.readline() for _line in range(HEADER_SEARCH_LINES)]
            self.header_line = find_header(head) + 1
            header_line = head[self.header_line - 1]
            self.crlf = header_line.endswith("\r\n")
            self.delimiter = sniff_delimiter(header_line)
            headers = next(csv.reader([header_line], delimiter=self.delimiter), [])
            self.columns = map_headers(headers)
            self.unknown_columns = unknown_headers(headers)
            try:
                self.kind = recognise(self.path.name, self.columns)
            except UnrecognisedFile as error:
                error.known, error.total = len(self.columns), len([h for h in headers if h])
                raise
            # Lines read past the header go back in front of the rest.
            self._after_header = "".join(head[self.header_line:])
        except BaseException:
            self.close()
            raise
        self.skipped = self.dates_read = self.dates_dropped = self.ended = 0
        self.nuances = 0

    @property
    def layout(self) -> str:
        """How the file is laid out, in a few words for the import's report."""
        parts = [str(DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))), self.encoding,
                 "CRLF" if self.crlf else "LF"]
        if self.header_line > 1:
            parts.append(str(_("header on line %(line)d") % {"line": self.header_line}))
        return ", ".join(parts)

    @property
    def bytes_read(self):
        return self._raw.tell()

    def close(self):
        self._text.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self) -> Iterator[Line]:
        column = self.columns
        kind = self.kind
        width = max(column.values()) + 1
        reader = csv.reader(itertools.chain(io.StringIO(self._after_header, newline=""),
                                            self._text), delimiter=self.delimiter)
        # The csv module counts lines from the one after the header.
        first = self.header_line
        for row in _rows(reader, first):
            if len(row) < width:
                if not any(cell.strip() for cell in row):
                    continue
                row = row + [""] * (width - len(row))

            def cell(name, row=row):
                position = column.get(name)
                # PostgreSQL text cannot hold NUL, and no name needs one.
                return row[position].replace("\x00", "").strip() if position is not None else ""

            last_name, first_name = cell("last_name"), cell("first_name")
            if not fold(last_name):
                self.skipped += 1
                continue
            started_on, ended_on = self._date(cell("mandate_start")), parse_date(
                cell("mandate_end"))
            self.ended += ended_on is not None
            nuance = cell("nuance").upper()[:10]
            self.nuances += bool(nuance)
            yield territory(kind, cell, Line(
                line=reader.line_num + first,
                last_name=" ".join(last_name.split())[:100],
                first_name=" ".join(first_name.split())[:100],
                sex=cell("sex")[:1].upper(),
                function=" ".join(cell("function").split())[:120],
                departement="", commune_code="", epci_siren="", canton_code="",
                region_code="", circonscription="", territory_name="",
                mandate_started_on=started_on, mandate_ended_on=ended_on, nuance=nuance,
            ))

    def _date(self, raw):
        found = parse_date(raw)
        if found:
            self.dates_read += 1
        elif raw.strip():
            self.dates_dropped += 1
        return found


def _rows(reader, first=1):
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise UnreadableLine(reader.line_num + first, str(error)) from error


def territory(kind: str, cell, line: Line) -> Line:
    """Fill the territory codes each kind of file carries."""
    departement = departement_code(cell("departement") or cell("collectivity"))
    line.departement = departement
    if kind in ("cm", "mai", "ca"):
        line.commune_code = commune_code(cell("commune"), departement)
        line.territory_name = cell("commune_name")
        if kind == "ca" and cell("sector"):
            line.territory_name = f"{line.territory_name} – {cell('sector')}".strip(" –")
    elif kind == "epci":
        line.epci_siren = re.sub(r"\D", "", cell("epci"))[:9]
        line.commune_code = commune_code(cell("commune"), departement)
        line.territory_name = cell("epci_name")
    elif kind == "cd":
        line.canton_code = cell("canton")[:10]
        line.territory_name = cell("canton_name") or cell("departement_name")
    elif kind == "cr":
        line.region_code = region_code(cell("region"))
        line.departement = departement_code(cell("section")) or departement
        line.territory_name = cell("region_name")
    elif kind == "ma":
        # Martinique's and Guyane's lines carry their collectivity (972, 973), which
        # is also their département; signers give the région (02, 03).
        collectivity = departement_code(cell("collectivity"))
        line.region_code = region_code(cell("region") or collectivity or departement)
        if collectivity in COLLECTIVITY_REGIONS and len(collectivity) == 3:
            line.departement = collectivity
        line.territory_name = (cell("collectivity_name") or cell("region_name")
                               or cell("departement_name"))
    elif kind == "cac":
        line.region_code = "94"
        line.territory_name = "Corse"
    elif kind == "dep":
        line.circonscription = circonscription_number(cell("circonscription"), departement)
        line.territory_name = cell("departement_name") or cell("collectivity_name")
    elif kind == "sen":
        line.territory_name = cell("departement_name") or cell("collectivity_name")
    elif kind == "cons":
        line.departement = "99"
        line.circonscription = cell("consular")[:10]
        line.territory_name = cell("consular_name")
    elif kind == "afe":
        line.departement = "99"
        line.circonscription = cell("afe")[:10]
        line.territory_name = cell("afe_name")
    # Saint-Martin and Saint-Barthélemy shared one letter code: the commune tells.
    if line.commune_code[:2] == "97" and len(line.commune_code) == 5:
        line.departement = line.commune_code[:3]
    line.territory_name = line.territory_name[:150]
    return line
