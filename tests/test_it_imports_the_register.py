"""An operator loads the Répertoire national des élus with `manage.py import_rne`."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from verification.management.commands.import_rne import ProgressBar
from verification.models import RegisterEntry, RegisterFile

from . import rne_samples
from .rne_samples import commune, person


def import_rne(*paths, **options):
    out = io.StringIO()
    with translation.override("fr"):  # as the site's operators read it
        call_command("import_rne", *[str(p) for p in paths], "--no-recheck", stdout=out,
                     stderr=io.StringIO(), **options)
    return out.getvalue()


def line(**filters):
    return RegisterEntry.objects.get(**filters)


MUNICIPAL = [
    # Corsica, both départements; the function column as the Ministry spells it.
    {**commune("2A", "Corse-du-Sud", "2A004", "Ajaccio"),
     **person("CASANOVA", "Marie-Ange"), "Libellé de la fonction": "1er adjoint au Maire"},
    {**commune("2B", "Haute-Corse", "033", "Bastia"),
     **person("SANTONI", "Pierre", sex="M")},
    # The Métropole de Lyon comes as 69M; its communes are still 69xxx.
    {**commune("69M", "Métropole de Lyon", "69123", "Lyon"),
     **person("GUÉRIN", "Éloïse"), "Libellé de la fonction": "Maire"},
    # Overseas: La Réunion and Mayotte, with the commune as 3 digits or in full.
    {**commune("974", "La Réunion", "411", "Saint-Denis"),
     **person("HOARAU", "Jean-Hugues", sex="M")},
    {**commune("976", "Mayotte", "97611", "Mamoudzou"),
     **person("MADI", "Fatima")},
    # Older releases coded Guadeloupe ZA.
    {**commune("ZA", "Guadeloupe", "101", "Les Abymes"),
     **person("LUREL", "Noël", sex="M")},
]


def test_a_latin_1_municipal_file_with_french_dates_keeps_codes_names_and_functions(tmp_path, db):
    path = rne_samples.write(tmp_path / "elus-conseillers-municipaux-cm.csv", "cm", MUNICIPAL,
                             encoding="latin-1")
    output = import_rne(path)

    assert "6 lignes (conseillers municipaux) importées" in output  # operators read French
    ajaccio = line(last_name="CASANOVA")
    assert (ajaccio.first_name, ajaccio.function) == ("Marie-Ange", "1er adjoint au Maire")
    assert (ajaccio.departement, ajaccio.commune_code) == ("2A", "2A004")
    assert ajaccio.mandate_started_on == date(2020, 7, 3)
    assert (line(last_name="SANTONI").departement, line(last_name="SANTONI").commune_code) == (
        "2B", "2B033")
    lyon = line(last_name="GUÉRIN")  # accents read right from Latin-1
    assert (lyon.first_name, lyon.departement, lyon.commune_code) == ("Éloïse", "69", "69123")
    assert line(last_name="HOARAU").commune_code == "97411"
    assert (line(last_name="MADI").departement, line(last_name="MADI").commune_code) == (
        "976", "97611")
    abymes = line(last_name="LUREL")
    assert (abymes.departement, abymes.commune_code, abymes.first_key) == (
        "971", "97101", "noel")
    register_file = RegisterFile.objects.get()
    assert register_file.kind == "cm" and register_file.rows == 6
    assert register_file.encoding in ("cp1252", "latin-1")


def test_birth_dates_and_professions_are_never_stored(tmp_path, db):
    path = rne_samples.write(tmp_path / "elus-conseillers-municipaux-cm.csv", "cm", MUNICIPAL)
    import_rne(path)

    stored = {field.name for field in RegisterEntry._meta.get_fields()}
    assert not {name for name in stored if "birth" in name or "naiss" in name or "prof" in name}
    for values in RegisterEntry.objects.values():
        text = " ".join(str(value) for value in values.values())
        assert "1961" not in text and "Chef d'entreprise" not in text


def test_a_utf8_file_with_a_bom_iso_dates_and_respelled_headers_is_recognised(tmp_path, db):
    headers = list(rne_samples.HEADERS["mai"])
    # As later releases spell them: capitals, a typographic apostrophe, no accents,
    # doubled spaces.
    headers[6] = "NOM DE L’ÉLU"
    headers[7] = "Prenom de l'elu"
    headers[12] = "Date de debut  du mandat"
    headers[4] = "Code commune"
    headers[0] = "Code du département (Maire)"  # as releases before 2021 had it
    path = rne_samples.write(
        tmp_path / "export-mairies.csv", "mai",
        [{**commune("06", "Alpes-Maritimes", "06120", "Saint-Étienne-de-Tinée"),
          **person("MARTIN", "Claire", started="2020-05-23")}],
        headers=headers)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    assert "1 ligne (maires) importée" in import_rne(path)
    mayor = line(last_name="MARTIN")
    assert (mayor.kind, mayor.commune_code, mayor.territory_name) == (
        "mai", "06120", "Saint-Étienne-de-Tinée")
    assert mayor.mandate_started_on == date(2020, 5, 23)
    assert mayor.line == 2  # the header is line 1


@pytest.mark.parametrize(("kind", "row", "expected"), [
    ("epci", {"Code du département": "06", "N° SIREN": "200030385",
              "Libellé de l'EPCI": "Métropole Nice Côte d'Azur", "Libellé de la fonction":
              "Vice-président"},
     {"epci_siren": "200030385", "territory_name": "Métropole Nice Côte d'Azur"}),
    ("mai", {"Code du département": "1", "Code de la commune": "1053"},
     {"departement": "01", "commune_code": "01053"}),
    ("cd", {"Code du département": "1", "Code du canton": "01", "Libellé du canton": "Ambérieu"},
     {"departement": "01", "canton_code": "01"}),
    ("cr", {"Code de la région": "1", "Libellé de la région": "Guadeloupe",
            "Code de la section départementale": "971"},
     {"region_code": "01", "departement": "971"}),
    ("ca", {"Code du département": "75", "Code de la commune": "75056",
            "Libellé de la commune": "Paris", "Libellé du secteur": "Secteur 1"},
     {"commune_code": "75056", "territory_name": "Paris – Secteur 1"}),
    ("ma", {"Code de la région": "94", "Libellé de la région": "Corse",
            "Libellé de la collectivité à statut particulier": "Collectivité de Corse"},
     {"region_code": "94", "territory_name": "Collectivité de Corse"}),
    ("dep", {"Code du département": "06", "Code de la circonscription législative": "0603"},
     {"departement": "06", "circonscription": "3"}),
    ("dep", {"Code du département": "ZZ", "Code de la circonscription législative": "5"},
     {"departement": "99", "circonscription": "5"}),
    ("sen", {"Code du département": "2B"}, {"departement": "2B"}),
    ("rpe", {}, {"departement": ""}),
    ("cons", {"Code de la circonscription consulaire": "101",
              "Libellé de la circonscription consulaire": "Canada - 1re circonscription"},
     {"departement": "99", "circonscription": "101"}),
    ("afe", {"Code de la circonscription AFE": "1", "Libellé la circonscription AFE": "Canada"},
     {"departement": "99", "territory_name": "Canada"}),
])
def test_each_kind_of_file_is_recognised_by_its_headers(tmp_path, db, kind, row, expected):
    # A neutral name: the headers alone tell the kind.
    path = rne_samples.write(tmp_path / "telechargement.csv", kind,
                             [{**row, **person("DURAND", "Anne")}])
    import_rne(path)
    entry = line(last_name="DURAND")
    assert entry.kind == kind
    for name, value in expected.items():
        assert getattr(entry, name) == value, name


def test_reimporting_a_newer_release_replaces_that_file_only(tmp_path, db):
    municipal = rne_samples.write(tmp_path / "elus-conseillers-municipaux-cm.csv", "cm",
                                  MUNICIPAL)
    mayors = rne_samples.write(
        tmp_path / "elus-maires-mai-2026-01-15.csv", "mai",
        [{"Code du département": "06", "Code de la commune": "06120",
          **person("MARTIN", "Claire")},
         {"Code du département": "29", "Code de la commune": "29019",
          **person("MARTIN", "Claire")}])
    import_rne(municipal, mayors)
    import_rne(mayors)  # the same release again changes nothing
    assert RegisterEntry.objects.filter(kind="mai").count() == 2
    assert RegisterFile.objects.get(kind="mai").released_on == date(2026, 1, 15)

    newer = rne_samples.write(
        tmp_path / "elus-maires-mai-2026-04-01.csv", "mai",
        [{"Code du département": "29", "Code de la commune": "29019",
          **person("LE GOFF", "Hélène")}])
    import_rne(newer)

    assert list(RegisterEntry.objects.filter(kind="mai").values_list("last_name", flat=True)) == [
        "LE GOFF"]
    assert RegisterEntry.objects.filter(kind="cm").count() == len(MUNICIPAL)  # untouched
    assert RegisterFile.objects.get(kind="mai").released_on == date(2026, 4, 1)
    assert RegisterFile.objects.get(kind="mai").rows == 1


def test_a_file_missing_columns_is_refused_by_name_and_nothing_changes(tmp_path, db):
    good = rne_samples.write(tmp_path / "elus-conseillers-municipaux-cm.csv", "cm", MUNICIPAL)
    import_rne(good)
    headers = [title for title in rne_samples.HEADERS["cm"] if title != "Code de la commune"]
    broken = tmp_path / "elus-conseillers-municipaux-cm-2026.csv"
    broken.write_text(";".join(f'"{h}"' for h in headers) + "\r\n" + ";" * len(headers),
                      encoding="utf-8")

    with pytest.raises(CommandError, match="Colonnes manquantes\u202f: Code de la commune\\."):
        import_rne(broken)
    assert RegisterEntry.objects.filter(kind="cm").count() == len(MUNICIPAL)
    # Named neutrally, the commune's label still shows it is a municipal file.
    renamed = broken.rename(tmp_path / "telechargement.csv")
    with pytest.raises(CommandError, match="Colonnes manquantes\u202f: Code de la commune\\."):
        import_rne(renamed)

    stranger = tmp_path / "contacts.csv"
    stranger.write_text('"Nom";"Courriel"\r\n"Dupont";"d@example.org"\r\n', encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        import_rne(stranger)
    assert "Prénom de l'élu" in str(refused.value)
    assert "Date de début du mandat" in str(refused.value)
    assert "Nom de l'élu" not in str(refused.value)  # « Nom » was recognised
    assert RegisterEntry.objects.count() == len(MUNICIPAL)


def test_the_progress_bar_draws_on_a_terminal_only():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    class Reader:
        bytes_read = 500

    terminal, log = Terminal(), io.StringIO()
    ProgressBar(terminal, "elus-conseillers-municipaux-cm.csv", 1000)(Reader(), 245000)
    ProgressBar(log, "elus-conseillers-municipaux-cm.csv", 1000)(Reader(), 245000)
    assert "50%" in terminal.getvalue() and "245,000 lines" in terminal.getvalue()
    assert log.getvalue() == ""


def test_hostile_cells_are_cut_to_size_and_a_broken_line_changes_nothing(tmp_path, db):
    long = "A" * 10_000
    path = rne_samples.write(tmp_path / "elus-conseillers-municipaux-cm.csv", "cm", [
        {"Code du département": long, "Code de la commune": long, "Libellé de la commune": long,
         **person(long, "=HYPERLINK(\"x\")"), "Libellé de la fonction": long,
         "Date de début du mandat": "31/02/2020"},
        {**MUNICIPAL[0]},
    ])
    import_rne(path)
    entry = RegisterEntry.objects.get(line=2)
    assert (len(entry.last_name), len(entry.function), len(entry.commune_code)) == (100, 120, 5)
    assert entry.mandate_started_on is None  # no 31 February
    assert RegisterEntry.objects.count() == 2

    nul = rne_samples.write(tmp_path / "elus-maires-mai.csv", "mai", [{**MUNICIPAL[1]}])
    nul.write_bytes(nul.read_bytes().replace(b"SANTONI", b"SANT\x00ONI"))
    import_rne(nul)
    assert RegisterEntry.objects.get(kind="mai").last_name == "SANTONI"

    # A field over the CSV reader's limit (128 KiB) cannot be parsed: refused, by line.
    broken = rne_samples.write(tmp_path / "elus-maires-mai-2026-05-01.csv", "mai", [
        {**MUNICIPAL[0]}, {**MUNICIPAL[1], "Libellé de la commune": "B" * 200_000}])
    with pytest.raises(CommandError, match="ligne 3 illisible"):
        import_rne(broken)
    assert RegisterEntry.objects.get(kind="mai").last_name == "SANTONI"  # the release before
    assert RegisterFile.objects.get(kind="mai").file_name == "elus-maires-mai.csv"


# --- every layout published since 2018 ------------------------------------------

SAMPLE_ROWS = {
    "cm": [{"Code du département": "01", "Libellé du département": "Ain",
            "Code de la commune": "01053", "Libellé de la commune": "Bourg-en-Bresse",
            **person("FAURE", "Agathe", started="15/03/2020"),
            "Libellé de la fonction": "Maire", rne_samples.NUANCE: "LDVG"},
           {"Code du département": "971", "Libellé du département": "Guadeloupe",
            "Code de la commune": "97101", "Libellé de la commune": "Les Abymes",
            **person("JEAN-BAPTISTE", "Rémy", sex="M", started="03/07/2020"),
            rne_samples.NUANCE: "LRN"}],
    "mai": [{"Code du département": "2A", "Libellé du département": "Corse-du-Sud",
             "Code de la commune": "2A004", "Libellé de la commune": "Ajaccio",
             **person("PAOLI", "Santa", started="15/03/2020"), rne_samples.NUANCE: "DVD"},
            {"Code du département": "972", "Libellé du département": "Martinique",
             "Code de la commune": "97209", "Libellé de la commune": "Fort-de-France",
             **person("LAGIER", "Didier", sex="M", started="03/07/2020")}],
    "dep": [{"Code du département": "06", "Libellé du département": "Alpes-Maritimes",
             "Code de la circonscription législative": "0603",
             **person("BERNARDI", "Thomas", sex="M", started="22/06/2022")},
            {"Code du département": "975", "Libellé du département": "Saint-Pierre-et-Miquelon",
             "Code de la circonscription législative": "97501",
             **person("DETCHEVERRY", "Lucie", started="22/06/2022"),
             rne_samples.MANDATE_END: "09/06/2024"}],
    "rpe": [{**person("ARNAUD", "Sylvie", started="02/07/2019"),
             rne_samples.EURO_CONSTITUENCY: "3"},
            {**person("COLIN", "Marc", sex="M", started="02/07/2019"),
             rne_samples.EURO_CONSTITUENCY: "5"}],
    "cac": [{**person("CASALTA", "Lisandru", sex="M", started="02/01/2018"),
             "Libellé de la fonction": "Conseiller exécutif"},
            {**person("ORSINI", "Paula", started="02/01/2018"),
             "Libellé de la fonction": "Présidente du conseil exécutif"}],
    "epci": [{"Code du département": "06", "N° SIREN": "200030195",
              "Libellé de l'EPCI": "Métropole Nice Côte d'Azur",
              "Code de la commune de rattachement": "06088",
              **person("GIORDANO", "Lea", started="15/07/2020")},
             {"Code du département": "01", "N° SIREN": "200071751",
              "Libellé de l'EPCI": "CA du Bassin de Bourg-en-Bresse",
              "Code de la commune de rattachement": "01053",
              **person("FAURE", "Agathe", started="15/07/2020")}],
    "afe": [{"Code de la circonscription AFE": "1", "Libellé la circonscription AFE": "Canada",
             **person("TREMBLAY", "Julie", started="30/05/2021")},
            {"Code de la circonscription AFE": "13", "Libellé la circonscription AFE":
             "Afrique du Nord", **person("BENALI", "Karim", sex="M", started="30/05/2021")}],
    "cons": [{"Code de la circonscription AFE": "1", "Libellé la circonscription AFE": "Canada",
              "Code de la circonscription consulaire": "101",
              "Libellé de la circonscription consulaire": "Canada - 1re circonscription",
              **person("GAGNON", "Émilie", started="30/05/2021")},
             {"Code de la circonscription AFE": "13",
              "Libellé la circonscription AFE": "Afrique du Nord",
              "Code de la circonscription consulaire": "1301",
              "Libellé de la circonscription consulaire": "Maroc",
              **person("BENALI", "Karim", sex="M", started="30/05/2021")}],
}
# Each line's territory as matching reads it, whatever the layout.
SAMPLE_PLACES = {
    "cm": [("01", "01053", ""), ("971", "97101", "")],
    "mai": [("2A", "2A004", ""), ("972", "97209", "")],
    "dep": [("06", "", "3"), ("975", "", "1")],
    "rpe": [("", "", ""), ("", "", "")],
    "cac": [("", "", ""), ("", "", "")],
    "epci": [("06", "06088", ""), ("01", "01053", "")],
    "afe": [("99", "", "1"), ("99", "", "13")],
    "cons": [("99", "", "101"), ("99", "", "1301")],
}
OPTIONAL_COLUMNS = {"cm": [rne_samples.NUANCE], "mai": [rne_samples.NUANCE],
                    "dep": [rne_samples.MANDATE_END], "rpe": [rne_samples.EURO_CONSTITUENCY]}
# The layouts, with the files of each that the issue names.
LAYOUT_FILES = [
    ("2018–2021", "cm"), ("2018–2021", "mai"), ("2018–2021", "dep"), ("2018–2021", "rpe"),
    ("2018–2021", "cac"),
    ("2022", "cm"), ("2022", "mai"), ("2022, double space", "cm"),
    ("2022, every field quoted", "dep"), ("2022, quoted headers", "mai"),
    ("June 2023", "cm"), ("June 2023", "dep"),
    ("November 2023", "cm"), ("November 2023", "epci"), ("November 2023", "afe"),
    ("November 2023", "cons"),
    ("2024", "mai"), ("2024", "cm"),
    ("2026", "cm"), ("2026", "dep"), ("2026", "afe"), ("2026", "cons"),
]


def write_sample(directory, layout, kind):
    extra = [] if layout == "2018–2021" and kind != "rpe" else OPTIONAL_COLUMNS.get(kind, [])
    return rne_samples.write_layout(directory, layout, kind, SAMPLE_ROWS[kind], extra=extra)


@pytest.mark.parametrize(("layout", "kind"), LAYOUT_FILES)
def test_every_published_layout_imports(tmp_path, db, layout, kind):
    path = write_sample(tmp_path, layout, kind)
    output = import_rne(path)

    record = RegisterFile.objects.get()
    assert record.kind == kind, output
    assert (record.rows, record.dates_read, record.dates_dropped) == (2, 2, 0), output
    assert "2 dates de début de mandat lues, 0 écartée(s) (illisibles)." in output
    assert "colonne inconnue" not in output  # every column is read or left on purpose
    entries = list(RegisterEntry.objects.order_by("line"))
    for entry, row, place in zip(entries, SAMPLE_ROWS[kind], SAMPLE_PLACES[kind], strict=True):
        assert entry.last_name == row["Nom de l'élu"]
        assert entry.first_name == row["Prénom de l'élu"]  # accents right in Latin-1 too
        assert (entry.departement, entry.commune_code, entry.circonscription) == place
        day, month, year = (int(part) for part in row["Date de début du mandat"].split("/"))
        assert entry.mandate_started_on == date(year, month, day)
        written = OPTIONAL_COLUMNS.get(kind, []) if layout != "2018–2021" else []
        if rne_samples.NUANCE in written:
            assert entry.nuance == row.get(rne_samples.NUANCE, "")
        if rne_samples.MANDATE_END in written and rne_samples.MANDATE_END in row:
            assert entry.mandate_ended_on == date(2024, 6, 9)
    # A title line above the header shifts the lines, not their numbers in the file.
    first_line = 3 if layout == "2018–2021" else 2
    assert [entry.line for entry in entries] == [first_line, first_line + 1]
    for values in RegisterEntry.objects.values():
        assert "1961" not in " ".join(str(value) for value in values.values())


def test_a_title_line_above_the_header_is_said_in_the_report(tmp_path, db):
    output = import_rne(write_sample(tmp_path, "2018–2021", "cm"))
    assert "Disposition\u202f: tabulations, cp1252, CRLF, en-tête en ligne 2." in output


def test_a_kind_never_replaces_another(tmp_path, db):
    """2026's consular file begins with the AFE columns; 2018's Corsican executive has no
    territory column, like the MEPs' file."""
    consular = write_sample(tmp_path, "2026", "cons")
    afe = write_sample(tmp_path, "2026", "afe")
    meps = write_sample(tmp_path, "2018–2021", "rpe")
    executive = write_sample(tmp_path, "2018–2021", "cac")
    import_rne(consular, afe, meps, executive)
    import_rne(consular)
    import_rne(executive)

    assert dict(RegisterFile.objects.values_list("kind", "rows")) == {
        "cons": 2, "afe": 2, "rpe": 2, "cac": 2}
    assert set(RegisterEntry.objects.filter(kind="cons").values_list("circonscription",
                                                                       flat=True)) == {
        "101", "1301"}
    assert RegisterEntry.objects.filter(kind="cac", region_code="94").count() == 2


def test_a_name_its_columns_contradict_is_refused_and_nothing_changes(tmp_path, db):
    mayors = write_sample(tmp_path, "2024", "mai")
    import_rne(mayors)
    deputies = write_sample(tmp_path, "2024", "dep")
    misnamed = deputies.rename(tmp_path / "elus-maires-mai-2024-08-01.csv")

    with pytest.raises(CommandError) as refused:
        import_rne(misnamed)
    assert "son nom dit maires mais ses colonnes sont celles de député·es" in str(refused.value)
    assert RegisterEntry.objects.filter(kind="mai").count() == 2
    assert not RegisterEntry.objects.filter(kind="dep").exists()


def test_dropped_dates_and_unknown_columns_are_reported_with_counts(tmp_path, db):
    rows = [{**row, "Date de début du mandat": started}
            for row, started in zip(SAMPLE_ROWS["cm"] * 2,
                                    ["15/03/2020", "31/02/2020", "hier", ""], strict=True)]
    path = rne_samples.write(tmp_path / "elus-conseillers-municipaux-cm.csv", "cm", rows,
                             headers=[*rne_samples.HEADERS["cm"]])
    text = path.read_text(encoding="utf-8-sig").splitlines()
    text[0] += ';"Code secret";"Couleur préférée"'
    path.write_text("\r\n".join(text) + "\r\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with translation.override("fr"):
        call_command("import_rne", str(path), "--no-recheck", stdout=out, stderr=err)

    output = out.getvalue()
    assert "1 date de début de mandat lue, 2 écartée(s) (illisibles)." in output
    assert "2 dates de début de mandat n’ont pas pu être lues" in err.getvalue()
    assert "2 colonnes inconnues ignorées\u202f: Code secret, Couleur préférée." in output
    record = RegisterFile.objects.get()
    assert (record.rows, record.dates_read, record.dates_dropped) == (4, 1, 2)
    assert record.unknown_columns.splitlines() == ["Code secret", "Couleur préférée"]


def test_an_unrecognised_layout_is_refused_with_counts(tmp_path, db):
    stranger = tmp_path / "export.csv"
    stranger.write_text("Liste des contacts\n\nNom,Courriel,Téléphone\nDupont,d@example.org,0\n",
                        encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        import_rne(stranger)
    assert "1 de ses 3 colonnes reconnue(s)" in str(refused.value)
    assert not RegisterFile.objects.exists()
