"""Reading the Répertoire national des élus (RNE) as the Ministry of the Interior publishes it.

The files on data.gouv.fr are `;`-separated CSV with quoted headers, in UTF-8
(sometimes with a BOM) or Latin-1 depending on the release, with dates as
dd/mm/yyyy or ISO. Headers and their spelling drift between releases ("N°
SIREN", "Libellé la circonscription AFE"), so columns are recognised by a
folded form of their title, and the kind of file by the columns it has.

Nothing here touches the database: `read()` yields one `Line` per mandate,
already reduced to what matching needs. Birth dates, birth places and
socio-professional categories are never read into a `Line`: we have no use
for them and the register of 600,000 people is not ours to copy.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils.translation import gettext_lazy as _

# The register writes "OEILLET" where a signer types « Œillet »: ligatures spelled out.
from signatures.folding import fold_ligatures as fold
from signatures.titles import Mandate


def last_name_key(name: str) -> str:
    """Spaces go too: « Le Goff », "LEGOFF" and « Saint-André » / "Saint André" meet."""
    return fold(name).replace(" ", "")


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

# Each column we read: the title the Ministry prints (for error messages), and
# the folded forms it has taken (see header_key). Birth date, birth place and
# socio-professional category are deliberately absent.
COLUMNS = {
    "last_name": ("Nom de l'élu", {"nom", "nom usage"}),
    "first_name": ("Prénom de l'élu", {"prenom", "prenoms"}),
    "sex": ("Code sexe", {"code sexe", "sexe"}),
    "mandate_start": ("Date de début du mandat", {"date debut mandat", "debut mandat"}),
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
                        {"code circonscription legislative"}),
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

_HEADER_NOISE = {"de", "la", "le", "les", "du", "des", "d", "l", "a", "e", "au", "aux", "en",
                 "elu", "elus", "elue", "elues"}
_HEADER_SYNONYMS = {"n": "numero", "no": "numero", "num": "numero", "ndeg": "numero",
                    "circ": "circonscription", "libelle": "libelle", "lib": "libelle",
                    "insee": "insee"}


def header_key(title: str) -> str:
    """A header's spelling-proof form: « Nom de l'élu·e » and "NOM DE L’ELU" give "nom"."""
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


def kind_from_file_name(name: str) -> str | None:
    """The published suffix (…-cm.csv, …-mai.csv); tolerant of dates and copies in the name."""
    stem = fold(Path(name).stem).split()
    for code in KINDS:
        if code in stem:
            return code
    return None


def kind_from_columns(columns) -> str:
    """Which file this is, from its territory columns, most telling first.

    A code or its label is enough to tell the kind, so that a file that lost
    its « Code de la commune » is refused for that, not taken for senators.
    """
    has = set(columns)

    def either(name):
        return name in has or f"{name}_name" in has

    if either("afe"):
        return "afe"
    if either("consular"):
        return "cons"
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
        super().__init__(f"{kind}: missing {', '.join(missing)}")


def missing_columns(kind: str, columns) -> list[str]:
    needed = [*COMMON, *KINDS[kind].needs]
    if kind in ("cm", "mai", "ca", "dep", "sen"):
        # Overseas collectivities come under a collectivity code, not a département.
        needed = [n for n in needed if not (n == "departement" and "collectivity" in columns)]
    if kind == "ma" and not columns.keys() & {"region", "collectivity", "departement"}:
        needed.append("region")
    return [COLUMNS[name][0] for name in needed if name not in columns]


def recognise(file_name: str, columns: dict) -> str:
    """The file's kind, from its headers; the name only breaks ties.

    Municipal councillors, mayors and district councillors share their
    columns, so there the published name decides. A file whose territory
    columns are all missing is taken for the MEPs' (one with only a
    département for the senators') only if its name says nothing else: a
    municipal file with a misspelled commune column is refused, not imported
    as 490,000 MEPs. Raises UnrecognisedFile naming what is missing.
    """
    detected = kind_from_columns(columns)
    named = kind_from_file_name(file_name)
    kind = detected
    if named and named != detected and (
            {named, detected} <= SAME_COLUMNS or detected in FALLBACK_KINDS):
        kind = named  # its missing columns, if any, are named below
    missing = missing_columns(kind, columns)
    if missing:
        raise UnrecognisedFile(kind, missing)
    return kind


SAME_COLUMNS = {"cm", "mai", "ca"}


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
    code = raw.strip().upper()
    if not code:
        return ""
    if code in LETTER_DEPARTEMENTS:
        return LETTER_DEPARTEMENTS[code]
    if code in DEPARTEMENT_ALIASES:
        return DEPARTEMENT_ALIASES[code]
    if code.isdigit():
        return code.zfill(2) if len(code) < 3 else code[:3]
    return code[:3]


def commune_code(raw: str, departement: str) -> str:
    """The 5-character INSEE code, from a full code or from older releases' 1–3 digits."""
    code = raw.strip().upper()
    if not code:
        return ""
    if len(code) == 5:
        return code
    if not code.isdigit() or len(code) > 3 or not departement:
        return code[:5]
    number = code.zfill(3)
    if len(departement) == 3:  # overseas: 97411 is département 974, commune "411" or "11"
        return (departement[:2] + number) if number[0] == departement[2] else (
            departement + number[-2:])
    return departement + number


def region_code(raw: str) -> str:
    code = raw.strip().upper()
    return code.zfill(2) if code.isdigit() and len(code) < 2 else code[:3]


def circonscription_number(raw: str, departement: str = "") -> str:
    """ "3", "03", "0603" (département 06) and "3ème circonscription" all give "3"."""
    code = raw.strip()
    if departement and len(code) == len(departement) + 2 and code.startswith(departement):
        code = code[len(departement):]
    digits = re.search(r"\d+", code)
    return str(int(digits.group())) if digits else code[:10]


def parse_date(raw: str) -> date | None:
    text = raw.strip()[:10]
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            day, month, year = text.split("/")
            return date(int(year), int(month), int(day))
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

    @property
    def last_key(self):
        return last_name_key(self.last_name)

    @property
    def first_key(self):
        return fold(self.first_name)


class Reader:
    """Streams a register file: the kind and encoding are known before the first line."""

    def __init__(self, path):
        self.path = Path(path)
        self.encoding = sniff_encoding(self.path)
        # Unbuffered, so that its position is the bytes read, for the progress bar.
        self._raw = self.path.open("rb", buffering=0)
        self._text = io.TextIOWrapper(io.BufferedReader(self._raw, 1 << 16),
                                      encoding=self.encoding, newline="")
        try:
            header_line = self._text.readline()
            self.delimiter = sniff_delimiter(header_line)
            headers = next(csv.reader([header_line], delimiter=self.delimiter), [])
            self.columns = map_headers(headers)
            self.kind = recognise(self.path.name, self.columns)
        except BaseException:
            self.close()
            raise
        self.skipped = 0

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
        reader = csv.reader(self._text, delimiter=self.delimiter)
        # The header was line 1; the csv module counts lines from our own start.
        for row in _rows(reader):
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
            yield territory(kind, cell, Line(
                line=reader.line_num + 1,
                last_name=" ".join(last_name.split())[:100],
                first_name=" ".join(first_name.split())[:100],
                sex=cell("sex")[:1].upper(),
                function=" ".join(cell("function").split())[:120],
                departement="", commune_code="", epci_siren="", canton_code="",
                region_code="", circonscription="", territory_name="",
                mandate_started_on=parse_date(cell("mandate_start")),
            ))


def _rows(reader):
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise UnreadableLine(reader.line_num + 1, str(error)) from error


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
        line.region_code = region_code(cell("region") or cell("collectivity"))
        line.territory_name = (cell("collectivity_name") or cell("region_name")
                               or cell("departement_name"))
    elif kind == "dep":
        line.circonscription = circonscription_number(cell("circonscription"),
                                                      cell("departement"))
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
