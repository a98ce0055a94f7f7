"""Localities: the reference data, its search, the form's matching and the autocomplete."""

import csv
import gzip
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signatures import places
from signatures.models import Signature
from verification.models import EmailChallenge

SIGN = "/en/p/vsa-jo-2024/sign/"


def codes(found):
    return [place.code for place in found]


# --- The reference data ------------------------------------------------------

def test_the_shipped_data_holds_the_whole_2026_cog():
    data = places.read_data(places.PLACES_FILE)
    assert len(data["communes"]) == 37_590  # with déléguées, associées, arrondissements
    assert len(data["epci"]) == 1_255
    assert len(data["departements"]) == 109
    assert len(data["regions"]) == 26
    assert "MIT" in data["source"]
    assert places.PLACES_FILE.stat().st_size < 700_000  # compact enough for the repository
    readme = (places.DATA / "README.md").read_text()
    assert "places.json.gz" in readme and "MIT" in readme


def test_every_kind_of_place_is_found_by_its_code():
    assert places.find("commune", "06120").name == "Saint-Étienne-de-Tinée"
    assert places.find("commune", "75101").name == "Paris 1er Arrondissement"
    assert places.find("arrondissement", "69381").name == "Lyon 1er Arrondissement"
    assert places.find("arrondissement", "13201").departement == "13"
    assert places.find("arrondissement", "06120") is None  # not an arrondissement
    annecy_le_vieux = places.find("commune", "74011")
    assert (annecy_le_vieux.name, annecy_le_vieux.label) == (
        "Annecy-le-Vieux", "Annecy-le-Vieux (74, commune déléguée)")
    assert places.find("epci", "200046977").name == "Métropole de Lyon"
    assert places.find("departement", "2a").name == "Corse-du-Sud"
    assert places.find("departement", "974").name == "La Réunion"
    assert places.find("region", "53").name == "Bretagne"
    assert places.find("commune", "99999") is None


# --- Search --------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "saint etienne de tinee", "SAINT-ÉTIENNE-DE-TINÉE", "Saint-Etienne-de-Tinee",
    "st etienne de tinee", "saint etienne de ti", "etienne de tinee", "st etienne tinee",
    "06660", "06120",
])
def test_search_ignores_accents_case_and_punctuation_and_takes_codes(query):
    assert places.search("commune", query)[0].code == "06120"


def test_a_postal_code_finds_every_commune_it_serves():
    assert set(codes(places.search("commune", "06660"))) == {"06120", "06119"}
    # Paris, not its 1st arrondissement: municipal councillors sit in the commune.
    assert codes(places.search("commune", "75001")) == ["75056"]
    assert codes(places.search("arrondissement", "75001")) == ["75101"]
    assert "06120" in codes(places.search("commune", "0666"))  # typed so far


def test_homonyms_are_told_apart_by_their_departement():
    found = places.search("commune", "Saint-Denis")
    labels = [place.label for place in found]
    assert {"Saint-Denis (93)", "Saint-Denis (974)"} <= set(labels)
    assert len(labels) == len(set(labels))
    assert codes(places.search("commune", "Saint-Denis (974)")) == ["97411"]
    assert codes(places.search("commune", "saint denis", departement="93"))[0] == "93066"


def test_beginnings_offer_the_most_populous_first():
    assert places.search("commune", "s")[0].name == "Strasbourg"
    assert places.search("commune", "saint", limit=3)[0].name == "Saint-Étienne"
    assert places.search("commune", "pari")[0].code == "75056"
    assert places.search("region", "ile de")[0].name == "Île-de-France"
    assert places.search("epci", "lyon")[0].name == "Métropole de Lyon"
    assert places.search("departement", "alpes mar")[0].code == "06"


def test_hostile_queries_find_nothing_and_never_fail():
    for query in ["", " ", "x" * 10_000, "\x00", "<script>", "(", "(974)", "مريم", "%", "*"]:
        assert isinstance(places.search("commune", query), list)
        assert places.match("commune", query).place is None


def test_an_unknown_or_misspelt_name_gets_the_closest_names():
    assert places.match("commune", "Saint-Etiene-de-Tinee").suggestions[0].code == "06120"
    assert {"93066", "97411"} <= set(codes(places.match("commune", "Zaint-Denis").suggestions))
    ambiguous = places.match("commune", "Saint-Denis")
    assert ambiguous.ambiguous and ambiguous.place is None
    assert places.match("commune", "Saint-Denis", departement="974").place.code == "97411"
    assert places.match("commune", "Paris").place.code == "75056"


# --- The JSON endpoint -------------------------------------------------------------

def test_the_endpoint_answers_json_that_a_cache_may_keep(client):
    response = client.get("/places/search", {"kind": "commune", "q": "saint etienne de tinee"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    answer = response.json()
    assert answer["count"] == 1
    assert answer["results"][0] == {
        "code": "06120", "name": "Saint-Étienne-de-Tinée", "label": "Saint-Étienne-de-Tinée (06)",
        "departement": "06", "postal_codes": ["06660"]}
    deputies = client.get("/places/search", {"kind": "departement", "q": "gironde"}).json()
    assert deputies["results"][0]["code"] == "33"


def test_the_endpoint_refuses_an_unknown_kind_in_json(client):
    response = client.get("/places/search", {"kind": "planet", "q": "mars"})
    assert response.status_code == 400
    assert "error" in response.json()


def test_the_endpoint_answers_429_in_json_over_its_limit(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "places-ip": (3, 60)}
    for _ in range(3):
        assert client.get("/places/search", {"q": "paris"}).status_code == 200
    response = client.get("/places/search", {"q": "paris"})
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "Trop de recherches" in response.json()["error"]
    english = client.get("/en/places/search", {"q": "paris"})
    assert "Too many searches" in english.json()["error"]
    assert "no-store" in response["Cache-Control"]
    assert response["Retry-After"] == "60"


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.one_of(st.text(max_size=300), st.sampled_from(
    ["x" * 10_000, "\x00", "\ud7ff", "(((((", "99999", "2A", "' OR 1=1 --"])),
       kind=st.sampled_from([*places.KINDS, "", "x" * 500]),
       departement=st.text(max_size=10))
def test_long_or_hostile_queries_never_fail(client, settings, query, kind, departement):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "places-ip": (0, 60)}
    response = client.get("/places/search", {"q": query, "kind": kind,
                                             "departement": departement})
    assert response.status_code in (200, 400)
    assert isinstance(response.json(), dict)


# --- The signing form ------------------------------------------------------------

@pytest.fixture
def mayor(signature_data):
    return {**signature_data, "mandate": "mayor", "locality": "saint etienne de tinee",
            "departement": ""}


def test_a_mayor_typing_without_accents_signs_for_the_right_commune(client, petition, mayor):
    response = client.post(SIGN, mayor)
    assert response.status_code == 302, response.context["form"].errors
    signature = Signature.objects.get()
    assert (signature.locality_code, signature.locality, signature.departement) == (
        "06120", "Saint-Étienne-de-Tinée", "06")
    with translation.override("fr"):
        assert signature.title == "maire de Saint-Étienne-de-Tinée (06)"


def test_a_postal_code_or_a_picked_suggestion_is_accepted(client, petition, mayor):
    response = client.post(SIGN, {**mayor, "locality": "93200"})
    assert response.status_code == 302, response.context["form"].errors
    # What the autocomplete sends: the label shown and the code picked.
    client.post(SIGN, {**mayor, "email": "maire@saintdenis.re", "locality": "Saint-Denis (974)",
                       "locality_code": "97411"})
    assert sorted(Signature.objects.values_list("locality_code", flat=True)) == [
        "93066", "97411"]


def test_a_code_that_does_not_match_the_text_is_ignored(client, petition, mayor):
    client.post(SIGN, {**mayor, "locality": "Orléans", "locality_code": "97411"})
    assert Signature.objects.get().locality_code == "45234"


def test_a_homonym_needs_its_departement(client, petition, mayor):
    response = client.post(SIGN, {**mayor, "locality": "Saint-Denis"})
    assert response.status_code == 200
    error = response.context["form"].errors["locality"][0]
    assert error.startswith("Several places are called “Saint-Denis”. Did you mean: ")
    assert "Saint-Denis (93), " in error and "Saint-Denis (974)" in error
    page = response.content.decode()
    assert 'id="id_locality_error"' in page and "Saint-Denis (974)" in page
    assert not Signature.objects.exists() and not EmailChallenge.objects.exists()

    response = client.post(SIGN, {**mayor, "locality": "Saint-Denis", "departement": "974"})
    assert response.status_code == 302
    assert Signature.objects.get().locality_code == "97411"


def test_without_javascript_a_suggestion_is_a_choice_that_can_be_picked(client, petition,
                                                                          mayor):
    page = client.post(SIGN, {**mayor, "locality": "Saint-Denis"}).content.decode()
    assert 'type="radio" name="locality_choice" value="97411"' in page
    assert "Saint-Denis (974)</label>" in page
    response = client.post(SIGN, {**mayor, "locality": "Saint-Denis",
                                  "locality_choice": "97411"})
    assert response.status_code == 302
    assert Signature.objects.get().locality_code == "97411"


def test_an_unknown_locality_gets_suggestions_and_nothing_is_saved(client, petition, mayor):
    response = client.post(SIGN, {**mayor, "locality": "Saint-Etiene-de-Tinee"})
    errors = response.context["form"].errors["locality"]
    assert errors[0].startswith("We could not find “Saint-Etiene-de-Tinee”. "
                                "Did you mean: Saint-Étienne-de-Tinée (06)")
    response = client.post(SIGN, {**mayor, "locality": "Qqqqqqq"})
    assert "We could not find “Qqqqqqq”" in response.context["form"].errors["locality"][0]
    assert not Signature.objects.exists()


def test_a_deputy_gives_a_departement_and_a_constituency(client, petition, signature_data):
    deputy = {**signature_data, "mandate": "deputy", "locality": "", "departement": "06"}
    response = client.post(SIGN, deputy)
    assert response.context["form"].errors["circonscription"] == [
        "Please give the number of your constituency."]
    assert client.post(SIGN, {**deputy, "circonscription": "x" * 10_000}).status_code == 200
    assert not Signature.objects.exists()

    assert client.post(SIGN, {**deputy, "circonscription": "3"}).status_code == 302
    signature = Signature.objects.get()
    assert (signature.locality_code, signature.departement, signature.circonscription,
            signature.locality) == ("06", "06", "3", "Alpes-Maritimes")
    with translation.override("fr"):
        assert signature.title == "députée des Alpes-Maritimes (06, 3e circonscription)"
    with translation.override("en"):
        assert signature.title == (
            "member of the National Assembly, Alpes-Maritimes (06, constituency 3)")


def test_a_deputy_of_the_french_abroad_signs_for_99_but_a_departmental_councillor_cannot(
        client, petition, signature_data):
    abroad = {**signature_data, "locality": "", "departement": "99", "circonscription": "1"}
    response = client.post(SIGN, {**abroad, "mandate": "departmental_councillor"})
    assert "departement" in response.context["form"].errors
    assert client.post(SIGN, {**abroad, "mandate": "deputy"}).status_code == 302
    with translation.override("fr"):
        assert Signature.objects.get().title == (
            "députée des Français établis hors de France (99, 1re circonscription)")


def test_an_mep_needs_no_locality(client, petition, signature_data):
    response = client.post(SIGN, {**signature_data, "mandate": "mep", "locality": "",
                                  "departement": ""})
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.locality_code, signature.locality, signature.departement) == ("", "", "")


@pytest.mark.parametrize("mandate, locality, code, french_title", [
    ("departmental_councillor", "gironde", "33", "conseillère départementale de la Gironde (33)"),
    ("senator", "Nord", "59", "sénatrice du Nord (59)"),
    ("regional_councillor", "ile de france", "11", "conseillère régionale d'Île-de-France"),
    ("regional_councillor", "Bretagne", "53", "conseillère régionale de Bretagne"),
    ("community_councillor", "Métropole de Lyon", "200046977",
     "de la Métropole de Lyon (69)"),
    ("district_councillor", "Marseille 1er", "13201",
     "de Marseille 1er (13)"),
])
def test_each_mandate_is_matched_against_its_own_kind_of_place(
        client, petition, signature_data, mandate, locality, code, french_title):
    response = client.post(SIGN, {**signature_data, "mandate": mandate, "locality": locality,
                                  "departement": ""})
    assert response.status_code == 302, response.context["form"].errors
    signature = Signature.objects.get()
    assert signature.locality_code == code
    with translation.override("fr"):
        assert signature.title.endswith(french_title)


def test_a_regional_councillor_may_give_only_a_departement(client, petition, signature_data):
    client.post(SIGN, {**signature_data, "mandate": "regional_councillor", "locality": "",
                       "departement": "29"})
    assert Signature.objects.get().locality_code == "53"


def test_a_commune_is_not_an_intercommunality(client, petition, signature_data):
    response = client.post(SIGN, {**signature_data, "mandate": "community_councillor",
                                  "locality": "Saint-Étienne-de-Tinée"})
    assert "locality" in response.context["form"].errors
    assert not Signature.objects.exists()


def test_the_other_mandate_keeps_free_text(client, petition, signature_data):
    response = client.post(SIGN, {**signature_data, "mandate": "other",
                                  "mandate_other": "membre du congrès", "locality": "Nouméa",
                                  "departement": "99"})
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.locality, signature.locality_code) == ("Nouméa", "")


def test_the_codes_are_erased_with_the_rest_of_the_personal_data(client, petition, mayor):
    client.post(SIGN, {**mayor, "mandate": "deputy", "departement": "06", "circonscription": "3"})
    Signature.objects.all().erase_personal_data()
    signature = Signature.objects.get()
    assert (signature.locality_code, signature.circonscription, signature.departement) == (
        "", "", "06")


def test_the_moderator_sees_the_code(admin_client, petition, mayor):
    client_response = admin_client.post(SIGN, mayor)
    assert client_response.status_code == 302
    signature = Signature.objects.get()
    page = admin_client.get(reverse("admin:signatures_signature_change", args=[signature.pk]))
    assert page.status_code == 200
    assert "06120" in page.content.decode()
    assert 'name="locality_code"' not in page.content.decode()  # read-only


# --- Refreshing the data -------------------------------------------------------

COG_HEADER = ["TYPECOM", "COM", "REG", "DEP", "CTCD", "ARR", "TNCC", "NCC", "NCCENR", "LIBELLE",
              "CAN", "COMPARENT"]


def write_cog(path, rows, header=COG_HEADER, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def test_refresh_places_reads_insee_cog_csv(tmp_path):
    shipped = places.PLACES_FILE.read_bytes()
    source, output = tmp_path / "v_commune_2027.csv", tmp_path / "places.json.gz"
    write_cog(source, [
        ["COM", "06120", "93", "06", "06D", "062", "0", "SAINT ETIENNE DE TINEE",
         "Saint-Étienne-de-Tinée", "Saint-Étienne-de-Tinée", "0612", ""],
        ["COM", "06999", "93", "06", "06D", "062", "2", "VAL DES MERVEILLES",
         "Val des Merveilles", "Le Val des Merveilles", "0612", ""],
        ["COMD", "06998", "", "", "", "", "0", "CASTEL", "Castel", "Castel", "", "06999"],
        ["ARM", "75101", "", "", "", "", "0", "PARIS 01", "Paris 1er Arrondissement",
         "Paris 1er Arrondissement", "", "75056"],
        ["COM", "75056", "11", "75", "75C", "751", "0", "PARIS", "Paris", "Paris", "7599", ""],
    ])
    call_command("refresh_places", str(source), output=output, stdout=open("/dev/null", "w"))
    data = places.read_data(output)
    assert data["source"] == "INSEE COG, v_commune_2027.csv"
    by_code = {c[0]: c for c in data["communes"]}
    assert by_code["06120"][6] == "06660"  # the postal code is kept
    assert by_code["06999"][1:3] == ["Le Val des Merveilles", "06"]
    assert by_code["06998"][2:4] == ["06", "d"]  # a déléguée takes its parent's département
    assert by_code["75101"][2] == "75"
    # Départements the file does not cover (collectivités d'outre-mer such as
    # Saint-Pierre-et-Miquelon, or here the Ain) are kept; those it covers are replaced.
    assert "97502" in by_code and "01001" in by_code
    assert "06088" not in by_code  # Nice is not in this 06
    assert len(data["epci"]) == 1_255  # kept
    index = places.build_indexes(data)["commune"]
    assert codes(index.search("le val des merv")) == ["06999"]
    assert places.PLACES_FILE.read_bytes() == shipped  # the shipped file is untouched


def test_refresh_places_refuses_a_file_it_does_not_recognise(tmp_path):
    source = tmp_path / "v_commune_2027.csv"
    write_cog(source, [["x"]], header=["CODE", "NOM"])
    with pytest.raises(CommandError, match="missing COM, COMPARENT, DEP, LIBELLE, REG"):
        call_command("refresh_places", str(source), output=tmp_path / "out.json.gz")
    with pytest.raises(CommandError, match="lacks communes.json"):
        call_command("refresh_places", str(tmp_path), output=tmp_path / "out.json.gz")


def test_refresh_places_reads_a_newer_copy_of_the_package(tmp_path):
    package = tmp_path / "package"
    (package / "data").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps(
        {"name": "@etalab/decoupage-administratif", "version": "7.0.0", "license": "MIT"}))
    files = {
        "communes": [{"code": "06120", "nom": "Saint-Étienne-de-Tinée", "departement": "06",
                      "region": "93", "type": "commune-actuelle", "typeLiaison": 0,
                      "codesPostaux": ["06660"], "population": 1300}],
        "epci": [{"code": "200030385", "nom": "Métropole Nice Côte d'Azur", "type": "METRO",
                  "populationMunicipale": 1, "membres": [{"code": "06120",
                                                         "populationMunicipale": 1}]}],
        "departements": [{"code": "06", "nom": "Alpes-Maritimes", "region": "93",
                          "typeLiaison": 4}],
        "regions": [{"code": "93", "nom": "Provence-Alpes-Côte d'Azur", "typeLiaison": 0}],
    }
    for name, rows in files.items():
        (package / "data" / f"{name}.json").write_text(json.dumps(rows))
    output = tmp_path / "places.json.gz"
    call_command("refresh_places", str(package / "data"), output=output,
                 stdout=open("/dev/null", "w"))
    with gzip.open(output, "rt") as file:
        data = json.load(file)
    assert data["source"] == "@etalab/decoupage-administratif@7.0.0 (MIT)"
    assert data["epci"] == [["200030385", "Métropole Nice Côte d'Azur", "06", 1]]
    indexes = places.build_indexes(data)
    assert codes(indexes["commune"].search("06660")) == ["06120"]
    assert indexes["departement"].find("06").liaison == 4


# --- The autocomplete, in Chromium with JavaScript -----------------------------------

@pytest.mark.browser
def test_a_mayor_picks_her_commune_with_the_keyboard(live_server, scripted_page, petition,
                                                     parties):
    from playwright.sync_api import expect

    page = scripted_page
    page.goto(live_server.url + "/p/vsa-jo-2024/sign/")
    page.get_by_label("Madame").check()
    page.get_by_label("Prénom").fill("Claire")
    page.get_by_label("Nom :", exact=True).fill("Martin")
    page.get_by_label("Adresse e-mail officielle").fill("claire.martin@orange.fr")
    page.get_by_label("Mandat :", exact=True).select_option("mayor")
    expect(page.locator(".field-circonscription")).to_be_hidden()  # deputies only

    combobox = page.get_by_role("combobox", name="Localité du mandat")
    expect(combobox).to_have_attribute("aria-expanded", "false")
    combobox.press_sequentially("saint etienne de ti", delay=20)
    option = page.get_by_role("option", name="Saint-Étienne-de-Tinée (06)")
    expect(option).to_be_visible()
    expect(combobox).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status").filter(has_text="1")).to_have_count(1)
    combobox.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(combobox).to_have_attribute("aria-activedescendant",
                                       option.get_attribute("id"))
    combobox.press("Enter")  # picks the option; does not submit the form
    expect(combobox).to_have_value("Saint-Étienne-de-Tinée (06)")
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(page.locator("input[name=locality_code]")).to_have_value("06120")

    combobox.press("Escape")  # closed already: Escape clears, as the pattern says
    expect(combobox).to_have_value("")
    combobox.press_sequentially("saint etienne de ti", delay=20)
    expect(option).to_be_visible()
    combobox.press("ArrowDown")
    combobox.press("Enter")

    page.get_by_label("Parti :", exact=True).select_option(str(parties["PS"].pk))
    page.get_by_label("J’accepte").check()
    page.get_by_role("button", name="Signer").click()
    expect(page.locator("h1")).to_have_text("Vérifiez votre boîte de réception")
    signature = Signature.objects.get()
    assert (signature.locality_code, signature.locality, signature.departement) == (
        "06120", "Saint-Étienne-de-Tinée", "06")
    with translation.override("fr"):
        assert signature.title == "maire de Saint-Étienne-de-Tinée (06)"


def test_municipal_councillors_are_not_offered_arrondissements():
    names = [place.name for place in places.search("commune", "Paris", limit=30)]
    assert "Paris" in names
    assert not [name for name in names if "Arrondissement" in name]
    assert places.match("commune", "Marseille 1er").place is None


@pytest.mark.parametrize("civility, locality, departement, french, english", [
    ("M", "CC de l'Est Lyonnais (CCEL)", "69",
     "conseiller communautaire de la CC de l'Est Lyonnais (69)",
     "intercommunal councillor, CC de l'Est Lyonnais (69)"),
    ("F", "Métropole de Lyon", "69", "conseillère métropolitaine de la Métropole de Lyon (69)",
     "metropolitan councillor, Métropole de Lyon (69)"),
    ("F", "Toulouse Métropole", "31", "conseillère métropolitaine de Toulouse Métropole (31)",
     "metropolitan councillor, Toulouse Métropole (31)"),
    ("X", "Eurométropole de Strasbourg", "67",
     "conseiller·e métropolitain·e de l'Eurométropole de Strasbourg (67)",
     "metropolitan councillor, Eurométropole de Strasbourg (67)"),
])
def test_an_epci_councillor_is_titled_by_the_kind_of_epci(civility, locality, departement,
                                                           french, english):
    signature = Signature(mandate="community_councillor", civility=civility, locality=locality,
                          departement=departement)
    with translation.override("fr"):
        assert signature.title == french
    with translation.override("en"):
        assert signature.title == english


def test_a_district_councillor_of_paris_reads_paris_11e():
    signature = Signature(mandate="district_councillor", civility="F",
                          locality="Paris 11e Arrondissement", departement="75")
    with translation.override("fr"):
        assert signature.title == "conseillère d’arrondissement de Paris 11e (75)"
