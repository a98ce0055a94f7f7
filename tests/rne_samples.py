"""Register files written as the Ministry of the Interior publishes them on data.gouv.fr.

Headers are quoted and `;`-separated; every file carries the birth date and
the socio-professional category, which the import must leave behind.
"""

import csv
import io

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
