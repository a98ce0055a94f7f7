"""Register files written as the Ministry of the Interior publishes them on data.gouv.fr.

Headers are quoted and `;`-separated; every file carries the birth date and
the socio-professional category, which the import must leave behind.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from verification.register import files as rne

PERSON = ["Nom de l'élu", "Prénom de l'élu", "Code sexe", "Date de naissance",
          "Code de la catégorie socio-professionnelle",
          "Libellé de la catégorie socio-professionnelle", "Date de début du mandat"]

HEADERS = {
    "cm": ["Code du département", "Libellé du département",
           "Code de la collectivité à statut particulier",
           "Libellé de la collectivité à statut particulier", "Code de la commune",
           "Libellé de la commune", *PERSON, "Libellé de la fonction",
           "Date de début de la fonction", "Code nationalité"],
    "mai": ["Code du département", "Libellé du département",
            "Code de la collectivité à statut particulier",
            "Libellé de la collectivité à statut particulier", "Code de la commune",
            "Libellé de la commune", *PERSON, "Date de début de la fonction"],
    "epci": ["Code du département", "Libellé du département",
             "Code de la collectivité à statut particulier",
             "Libellé de la collectivité à statut particulier", "N° SIREN", "Libellé de l'EPCI",
             "Code de la commune de rattachement", "Libellé de la commune de rattachement",
             *PERSON, "Libellé de la fonction", "Date de début de la fonction"],
    "cd": ["Code du département", "Libellé du département", "Code du canton",
           "Libellé du canton", *PERSON, "Libellé de la fonction",
           "Date de début de la fonction"],
    "cr": ["Code de la région", "Libellé de la région", "Code de la section départementale",
           "Libellé de la section départementale", *PERSON, "Libellé de la fonction",
           "Date de début de la fonction"],
    "ca": ["Code du département", "Libellé du département", "Code de la commune",
           "Libellé de la commune", "Libellé du secteur", *PERSON, "Libellé de la fonction",
           "Date de début de la fonction"],
    "ma": ["Code de la région", "Libellé de la région", "Code du département",
           "Libellé du département", "Code de la collectivité à statut particulier",
           "Libellé de la collectivité à statut particulier",
           "Code de la section - collectivité à statut particulier",
           "Libellé de la section - collectivité à statut particulier", *PERSON,
           "Libellé de la fonction", "Date de début de la fonction"],
    "dep": ["Code du département", "Libellé du département",
            "Code de la collectivité à statut particulier",
            "Libellé de la collectivité à statut particulier",
            "Code de la circonscription législative",
            "Libellé de la circonscription législative", *PERSON],
    "sen": ["Code du département", "Libellé du département",
            "Code de la collectivité à statut particulier",
            "Libellé de la collectivité à statut particulier", *PERSON],
    "rpe": [*PERSON],
    "cons": ["Code de la circonscription consulaire",
             "Libellé de la circonscription consulaire", *PERSON, "Libellé de la fonction",
             "Date de début de la fonction"],
    # The published header really says « Libellé la circonscription AFE ».
    "afe": ["Code de la circonscription AFE", "Libellé la circonscription AFE", *PERSON,
            "Libellé de la fonction", "Date de début de la fonction"],
}


def commune(departement_code, departement, code, name):
    """The columns that place a line in a commune."""
    return {"Code du département": departement_code, "Libellé du département": departement,
            "Code de la commune": code, "Libellé de la commune": name}


def person(last, first, sex="F", born="12/03/1961", started="03/07/2020"):
    """The columns every file has; the birth date and category are there to be dropped."""
    return {"Nom de l'élu": last, "Prénom de l'élu": first, "Code sexe": sex,
            "Date de naissance": born, "Code de la catégorie socio-professionnelle": "23",
            "Libellé de la catégorie socio-professionnelle":
                "Chef d'entreprise de 10 salariés ou plus",
            "Date de début du mandat": started}


def write(path, kind, rows, *, encoding="utf-8-sig", headers=None):
    """Rows are dicts keyed by the published headers; missing cells are empty."""
    headers = headers or HEADERS[kind]
    canonical = HEADERS[kind]
    text = io.StringIO(newline="")
    text.write(";".join(f'"{title}"' for title in headers) + "\r\n")
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([row.get(title, "") for title in canonical])
    path.write_bytes(text.getvalue().encode(encoding))
    return path


# --- every layout the Ministry has published ------------------------------------
# One sample per layout, written from rows keyed by today's published headers
# (HEADERS above, plus the optional columns below), with dates as dd/mm/yyyy:
# each layout respells the headers, the codes and the dates as its releases did.
# The names are made up; the codes are real (INSEE, constituencies).

HEADERS["cac"] = [*PERSON, "Libellé de la fonction", "Date de début de la fonction"]
NUANCE = "Code de la nuance politique"
MANDATE_END = "Date de fin du mandat"
EURO_CONSTITUENCY = "CodeCirER"  # 2018–2021 MEPs: the euro constituency, not read

SNAKE = {
    "Code du département": "code_departement", "Libellé du département": "libelle_departement",
    "Code de la collectivité à statut particulier": "code_collectivite_statut_particulier",
    "Libellé de la collectivité à statut particulier":
        "libelle_collectivite_statut_particulier",
    "Code de la commune": "code_commune", "Libellé de la commune": "libelle_commune",
    "Nom de l'élu": "nom_elu", "Prénom de l'élu": "prenom_elu", "Code sexe": "sexe_elu",
    "Date de naissance": "date_naissance",
    "Code de la catégorie socio-professionnelle": "code_categorie_socio_professionnelle",
    "Libellé de la catégorie socio-professionnelle":
        "libelle_categorie_socio_professionnelle",
    "Date de début du mandat": "date_debut_mandat", "Libellé de la fonction": "libelle_fonction",
    "Date de début de la fonction": "date_debut_fonction", "Code nationalité": "code_nationalite",
    "Code de la circonscription législative": "code_circonscription_legislative",
    "Libellé de la circonscription législative": "libelle_circonscription_legislative",
    NUANCE: "code_nuance_mandat", MANDATE_END: "date_fin_mandat",
}


def _day(text):
    day, month, year = (int(part) for part in text.split("/"))
    return day, month, year


@dataclass(frozen=True)
class Layout:
    """How one period of releases writes a file."""

    name: str
    encoding: str = "utf-8"
    delimiter: str = "\t"
    newline: str = "\n"
    title_line: str = ""
    quote_all: bool = False
    header_quote: str = ""  # a quote character wrapped around each header by hand
    date: Callable = lambda d, m, y: f"{d:02d}/{m:02d}/{y}"
    header: Callable = lambda kind, title: title
    departement: Callable = lambda code: code
    commune: Callable = lambda code: code
    region: Callable = lambda code: code
    file_name: Callable = lambda kind: rne.KINDS[kind].file_name
    delimiter_of: Callable | None = None  # per kind, where releases mix them
    order: Callable = lambda kind, titles: titles


def _header_2018(kind, title):
    title = title.replace("circonscription législative", "cir.législative")
    if title.startswith(("Code du département", "Libellé du département", "Code de la commune",
                         "Libellé de la commune")):
        suffix = {"mai": "Maire", "cm": "Conseiller municipal"}.get(kind, "Elu")
        return f"{title} ({suffix})"
    return title


_NAMES_2018 = {"cm": "1-rne-cm.txt", "epci": "2-rne-epci.txt", "cd": "3-rne-cd.txt",
               "cr": "4-rne-cr.txt", "cac": "5-rne-cac.txt", "rpe": "6-rne-rpe.txt",
               "sen": "7-rne-senateurs.txt", "dep": "8-rne-deputes.txt",
               "mai": "9-rne-maires.txt"}
_LETTERS = {"971": "ZA", "972": "ZB", "973": "ZC", "974": "ZD", "976": "ZM", "975": "ZS",
            "977": "ZX", "978": "ZX", "986": "ZW", "987": "ZP", "988": "ZN"}


def _afe_first(kind, titles):
    if kind != "cons":
        return titles
    afe = ["Code de la circonscription AFE", "Libellé la circonscription AFE"]
    return afe + [title for title in titles if title not in afe]


LAYOUTS = {layout.name: layout for layout in [
    Layout("2018–2021", encoding="latin-1", newline="\r\n",
           title_line="Titre du rapport", date=lambda d, m, y: f"{d}/{m}/{y}",
           header=_header_2018, departement=lambda code: _LETTERS.get(code, code),
           # Three digits: the département is in its own column.
           commune=lambda code: code[-3:], file_name=_NAMES_2018.get),
    Layout("2022", file_name=lambda kind: f"rne-{kind}-2022-07-01.txt"),
    Layout("2022, double space", file_name=lambda kind: f"rne-{kind}-2022-09-01.txt",
           header=lambda kind, title: title.replace("Libellé du département",
                                                    "Libellé du  département")),
    Layout("2022, every field quoted", quote_all=True,
           date=lambda d, m, y: f"{d:02d}/{m:02d}/{y % 100:02d}",
           file_name=lambda kind: f"rne-{kind}-2022-10-01.txt"),
    Layout("2022, quoted headers", header_quote="'",
           file_name=lambda kind: f"rne-{kind}-2022-12-01.txt"),
    Layout("June 2023", header=lambda kind, title: SNAKE.get(title, title),
           date=lambda d, m, y: f"{y}-{m:02d}-{d:02d} 00:00:00+00",
           file_name=lambda kind: rne.KINDS[kind].file_name.replace(".csv", "-2023-06-20.csv")),
    Layout("November 2023", delimiter=",",
           delimiter_of=lambda kind: "\t" if kind in ("epci", "cons", "afe") else ",",
           header=lambda kind, title: title.replace("Nom de l'élu", "Nom de l’élu").replace(
               "Code de la circonscription AFE", "Code la circonscription AFE"),
           departement=lambda code: code.lstrip("0"),
           file_name=lambda kind: rne.KINDS[kind].file_name.replace(".csv", "-2023-11-15.csv")),
    Layout("2024", delimiter=";", newline="\r\n",
           header=lambda kind, title: {"Code sexe": "Code sexe ",
                                       "Date de naissance": "Date de naissancee"}.get(title,
                                                                                     title),
           file_name=lambda kind: rne.KINDS[kind].file_name.replace(".csv", "-2024-07-24.csv")),
    Layout("2026", delimiter=";", date=lambda d, m, y: f"{y}-{m:02d}-{d:02d}",
           departement=lambda code: code.zfill(3), region=lambda code: code.zfill(3),
           order=_afe_first,
           file_name=lambda kind: rne.KINDS[kind].file_name.replace(".csv", "-2026-01-15.csv")),
]}


def write_layout(directory, layout_name, kind, rows, extra=()):
    """The file `layout_name`'s releases would have published for these rows."""
    layout = LAYOUTS[layout_name]
    titles = layout.order(kind, [*HEADERS[kind], *extra])
    delimiter = layout.delimiter_of(kind) if layout.delimiter_of else layout.delimiter
    text = io.StringIO(newline="")
    if layout.title_line:
        text.write(layout.title_line + layout.newline)
    writer = csv.writer(text, delimiter=delimiter, lineterminator=layout.newline,
                        quoting=csv.QUOTE_ALL if layout.quote_all else csv.QUOTE_MINIMAL)
    headers = [layout.header(kind, title) for title in titles]
    if layout.header_quote:
        quote = layout.header_quote
        text.write(delimiter.join(quote + h.replace(quote, quote * 2) + quote for h in headers)
                   + layout.newline)
    else:
        writer.writerow(headers)

    def cell(title, value):
        if not value:
            return value
        if title.startswith("Date"):
            return layout.date(*_day(value))
        if title.startswith("Code du département"):
            return layout.departement(value)
        if title == "Code de la commune":
            return layout.commune(value)
        if title == "Code de la région":
            return layout.region(value)
        if title == "Code de la circonscription législative" and layout.name == "2026":
            return value.zfill(5)
        return value

    for row in rows:
        writer.writerow([cell(title, row.get(title, "")) for title in titles])
    path = directory / layout.file_name(kind)
    path.write_bytes(text.getvalue().encode(layout.encoding))
    return path
