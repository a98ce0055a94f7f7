"""A moderator sees whether the Répertoire national des élus lists each signer."""

import io
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from signatures.models import Signature
from verification.models import RegisterEntry
from verification.register import matching as register
from verification.register.models import RegisterMatch

from . import rne_samples
from .conftest import wait_until
from .rne_samples import commune, person

SAINT_ETIENNE = commune("06", "Alpes-Maritimes", "06120", "Saint-Étienne-de-Tinée")
BREST = commune("29", "Finistère", "29019", "Brest")
NICE = commune("06", "Alpes-Maritimes", "06088", "Nice")
AJACCIO = commune("2A", "Corse-du-Sud", "2A004", "Ajaccio")


def import_rne(*paths, recheck=False):
    call_command("import_rne", *[str(p) for p in paths], *([] if recheck else ["--no-recheck"]),
                 stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def mayors_file(tmp_path):
    # Two mayors called Claire Martin, in the Alpes-Maritimes and in the Finistère.
    return rne_samples.write(tmp_path / "elus-maires-mai.csv", "mai", [
        {**BREST, **person("MARTIN", "Claire", started="28/06/2020")},
        {**SAINT_ETIENNE, **person("MARTIN", "Claire", started="23/05/2020")},
    ])


@pytest.fixture
def municipal_file(tmp_path):
    return rne_samples.write(tmp_path / "elus-conseillers-municipaux-cm.csv", "cm", [
        {**NICE, **person("DUPONT", "Jean-Marc", sex="M"),
         "Libellé de la fonction": "1er adjoint au Maire"},
        {**NICE, **person("ROSSI", "Jean-Pierre", sex="M")},
        {**AJACCIO, **person("LEFÈVRE", "Michèle")},
        {**SAINT_ETIENNE, **person("MARTIN", "Claire"), "Libellé de la fonction": "Maire"},
    ], encoding="latin-1")


@pytest.fixture
def register_loaded(db, mayors_file, municipal_file):
    import_rne(mayors_file, municipal_file)


NUMBERS = itertools.count()


def signer(petition, parties, first, last, mandate, *, code="", locality="", departement="",
           civility="F", **extra):
    return Signature.objects.create(
        petition=petition, civility=civility, first_name=first, last_name=last,
        email=f"signer{next(NUMBERS)}@orange.fr", mandate=mandate,
        locality=locality, locality_code=code, departement=departement,
        party=parties["PS"], consented_at=timezone.now(), **extra)


def verdict(signature):
    """The register's answer as the moderator reads it, notes in English for the asserts."""
    with translation.override("en"):
        return register.match(signature)


def checked(signature):
    register.check([signature.pk])
    signature.refresh_from_db()
    return signature


def test_the_mayor_of_saint_etienne_de_tinee_is_listed(register_loaded, petition, parties):
    claire = checked(signer(petition, parties, "Claire", "Martin", "mayor", code="06120",
                            locality="Saint-Étienne-de-Tinée", departement="06"))
    assert claire.register_match == "exact"
    assert "MARTIN Claire" in claire.register_match_note
    assert "Saint-Étienne-de-Tinée (06120, 06)" in claire.register_match_note
    assert "elus-maires-mai.csv" in claire.register_match_note
    assert claire.register_checked_at is not None
    assert "1961" not in claire.register_match_note  # no birth date, ever


def test_homonyms_in_two_departements_each_find_their_own_line(register_loaded, petition,
                                                              parties):
    finistere = signer(petition, parties, "Claire", "Martin", "mayor", code="29019",
                       locality="Brest", departement="29")
    alpes = signer(petition, parties, "Claire", "Martin", "mayor", code="06120",
                   locality="Saint-Étienne-de-Tinée", departement="06")
    paris = signer(petition, parties, "Claire", "Martin", "mayor", code="75056",
                   locality="Paris", departement="75")

    assert verdict(finistere).entry.commune_code == "29019"
    assert verdict(alpes).entry.commune_code == "06120"
    elsewhere = verdict(paris)
    assert elsewhere.result == "none" and elsewhere.entry is None
    assert elsewhere.note.startswith("Same name only in another département")


def test_accents_and_case_are_folded(register_loaded, petition, parties):
    michele = verdict(signer(petition, parties, "michele", "LEFEVRE", "municipal_councillor",
                             code="2A004", locality="Ajaccio", departement="2A"))
    assert michele.result == "exact"
    assert michele.entry.first_name == "Michèle"


def test_compound_first_names(register_loaded, petition, parties):
    spaced = verdict(signer(petition, parties, "Jean Pierre", "Rossi", "municipal_councillor",
                            code="06088", locality="Nice", departement="06", civility="M"))
    assert spaced.result == "exact"

    first_only = verdict(signer(petition, parties, "Jean", "Dupont", "deputy_mayor",
                                code="06088", locality="Nice", departement="06", civility="M"))
    assert first_only.result == "probable"
    assert first_only.note.startswith("First name differs: Jean vs Jean-Marc.")
    assert "1er adjoint au Maire" in first_only.note


def test_a_deputy_mayor_is_told_by_the_function_column(register_loaded, petition, parties):
    deputy = verdict(signer(petition, parties, "Jean-Marc", "Dupont", "deputy_mayor",
                            code="06088", locality="Nice", departement="06", civility="M"))
    assert deputy.result == "exact"

    claims_mayor = verdict(signer(petition, parties, "Jean-Marc", "Dupont", "mayor",
                                  code="06088", locality="Nice", departement="06",
                                  civility="M"))
    assert claims_mayor.result == "other_mandate"
    with translation.override("en"):
        assert claims_mayor.other_mandate == "municipal councillor (1er adjoint au Maire)"
    assert claims_mayor.note.startswith(
        "Mandate differs: the register has municipal councillor (1er adjoint au Maire).")


def test_same_name_in_another_commune_of_the_departement_is_probable(register_loaded, petition,
                                                                     parties):
    nice = verdict(signer(petition, parties, "Claire", "Martin", "mayor", code="06088",
                          locality="Nice", departement="06"))
    assert nice.result == "probable"
    assert nice.note.startswith("Same name, other commune.")


def test_a_mandate_whose_file_is_not_imported_is_not_checked_yet(register_loaded, petition,
                                                                parties):
    senator = checked(signer(petition, parties, "Claire", "Martin", "senator",
                             departement="06"))
    assert senator.register_match == ""
    assert "elus-senateurs-sen.csv" in senator.register_match_note


def test_erasing_a_signers_data_erases_the_register_line_too(register_loaded, petition,
                                                             parties):
    claire = checked(signer(petition, parties, "Claire", "Martin", "mayor", code="06120",
                            locality="Saint-Étienne-de-Tinée", departement="06"))
    Signature.objects.filter(pk=claire.pk).erase_personal_data()
    claire.refresh_from_db()
    assert claire.register_match_note == ""


def test_the_moderator_sees_and_filters_by_the_match(register_loaded, petition, parties):
    exact = checked(signer(petition, parties, "Claire", "Martin", "mayor", code="06120",
                           locality="Saint-Étienne-de-Tinée", departement="06"))
    probable = checked(signer(petition, parties, "Jean", "Rossi", "municipal_councillor",
                              code="06088", locality="Nice", departement="06", civility="M"))
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "x")
    client = Client()
    client.force_login(admin)

    listing = client.get("/admin/signatures/signature/", {"state": "all",
                                                          "register": "probable"})
    page = listing.content.decode()
    assert listing.status_code == 200
    assert "Jean Rossi" in page and "Claire Martin" not in page

    detail = client.get(f"/admin/signatures/signature/{exact.pk}/change/").content.decode()
    assert "Saint-Étienne-de-Tinée (06120, 06)" in detail
    assert "1961" not in detail

    files = client.get("/admin/verification/registerfile/").content.decode()
    assert "elus-maires-mai.csv" in files and "elus-conseillers-municipaux-cm.csv" in files
    assert probable.register_match == "probable"


@pytest.mark.worker
def test_signing_as_the_mayor_shows_the_match_once_the_worker_has_run(
        celery_worker_on_redis, petition, domain_rules, signature_data, mayors_file):
    """The issue's done-when: « maire de Saint-Étienne-de-Tinée », an orange.fr address."""
    import_rne(mayors_file)
    response = Client().post("/p/vsa-jo-2024/sign/", {
        **signature_data, "civility": "F", "first_name": "Claire", "last_name": "Martin",
        "email": "claire.martin@orange.fr", "mandate": "mayor",
        "locality": "Saint-Étienne-de-Tinée", "departement": "06"})
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.locality_code == "06120"
    wait_until(lambda: Signature.objects.get().register_match == "exact", timeout=30,
               message="the register check")
    signature.refresh_from_db()
    assert "Saint-Étienne-de-Tinée (06120, 06)" in signature.register_match_note
    assert signature.email_domain_kind == "webmail"


@pytest.mark.worker
def test_an_import_checks_every_signature_again(celery_worker_on_redis, petition, parties,
                                                mayors_file, tmp_path):
    before = [signer(petition, parties, "Claire", "Martin", "mayor", code="06120",
                     locality="Saint-Étienne-de-Tinée", departement="06"),
              signer(petition, parties, "Claire", "Martin", "mayor", code="75056",
                     locality="Paris", departement="75")]
    register.check([s.pk for s in before])
    assert set(Signature.objects.values_list("register_match", flat=True)) == {""}

    import_rne(mayors_file, recheck=True)

    wait_until(lambda: set(Signature.objects.values_list("register_match", flat=True))
               == {"exact", "none"}, timeout=30, message="the checks after the import")
    assert register.due().count() == 0


def test_swapped_names_and_another_constituency_are_probable(db, tmp_path, petition, parties):
    import_rne(rne_samples.write(tmp_path / "elus-deputes-dep.csv", "dep", [
        {"Code du département": "06", "Libellé du département": "Alpes-Maritimes",
         "Code de la circonscription législative": "0603", **person("BERNARD", "Thomas",
                                                                     sex="M")}]))
    right = verdict(signer(petition, parties, "Thomas", "Bernard", "deputy", code="06",
                           departement="06", civility="M", circonscription="3"))
    assert right.result == "exact"
    swapped = verdict(signer(petition, parties, "Bernard", "Thomas", "deputy", code="06",
                             departement="06", civility="M", circonscription="3"))
    assert swapped.result == "probable"
    assert swapped.note.startswith("First and last names swapped.")
    other = verdict(signer(petition, parties, "Thomas", "Bernard", "deputy", code="06",
                           departement="06", civility="M", circonscription="5"))
    assert other.result == "probable"
    assert other.note.startswith("Other constituency: the register says 3.")
    assert "constituency 3" in other.note


# --- overseas, other mandates, name variants --------------------------------------

def test_members_of_the_assemblies_of_martinique_and_guyane_match_by_their_region(
        db, tmp_path, petition, parties):
    """Their lines carry the collectivity (972, 973); signers pick the région (02, 03)."""
    import_rne(rne_samples.write(tmp_path / "elus-membres-dune-assemblee-ma.csv", "ma", [
        {"Code de la collectivité à statut particulier": "972",
         "Libellé de la collectivité à statut particulier": "Collectivité territoriale de "
                                                            "Martinique",
         **person("LOUIS-JOSEPH", "Maïté")},
        {"Code de la collectivité à statut particulier": "973",
         "Libellé de la collectivité à statut particulier": "Collectivité territoriale de "
                                                            "Guyane",
         **person("PREVOT", "Régine")},
    ]))

    martinique = verdict(signer(petition, parties, "Maïté", "Louis-Joseph",
                                "territorial_assembly", code="02", locality="Martinique",
                                departement="972"))
    guyane = verdict(signer(petition, parties, "Régine", "Prévot", "territorial_assembly",
                            code="03", locality="Guyane", departement="973"))
    assert (martinique.result, martinique.entry.region_code) == ("exact", "02")
    assert (guyane.result, guyane.entry.region_code) == ("exact", "03")
    wrong_region = verdict(signer(petition, parties, "Régine", "Prévot",
                                  "territorial_assembly", code="02", locality="Martinique",
                                  departement="972"))
    assert wrong_region.result == "none"


def test_overseas_deputies_get_their_constituency_number(db, tmp_path, petition, parties):
    import_rne(rne_samples.write(tmp_path / "elus-deputes-dep.csv", "dep", [
        # As older releases code them: letters for the collectivity, its code in the seat's.
        {"Code du département": "ZS", "Code de la circonscription législative": "97501",
         **person("CLAIREAUX", "Stéphane", sex="M")},
        {"Code du département": "987", "Code de la circonscription législative": "98702",
         **person("TEMARU", "Vaitea", sex="M")},
        {"Code du département": "ZN", "Code de la circonscription législative": "98801",
         **person("METZDORF", "Nicolas", sex="M")},
        {"Code du département": "ZW", "Code de la circonscription législative": "98601",
         **person("SEO", "Mikaele", sex="M")},
        # Saint-Barthélemy and Saint-Martin share one seat, filed under 977.
        {"Code du département": "ZX", "Libellé du département": "Saint-Barthélemy et "
                                                                 "Saint-Martin",
         "Code de la circonscription législative": "1", **person("GUMBS", "Frantz", sex="M")},
    ]))
    seats = dict(RegisterEntry.objects.values_list("last_name", "circonscription"))
    assert seats == {"CLAIREAUX": "1", "TEMARU": "2", "METZDORF": "1", "SEO": "1", "GUMBS": "1"}

    for first, last, departement, seat in [("Stéphane", "Claireaux", "975", "1"),
                                           ("Vaitea", "Temaru", "987", "2"),
                                           ("Nicolas", "Metzdorf", "988", "1"),
                                           ("Mikaele", "Seo", "986", "1"),
                                           ("Frantz", "Gumbs", "978", "1"),  # Saint-Martin
                                           ("Frantz", "Gumbs", "977", "1")]:
        deputy = verdict(signer(petition, parties, first, last, "deputy", code=departement,
                                departement=departement, civility="M", circonscription=seat))
        assert deputy.result == "exact", (last, departement, deputy.note)


def test_a_maire_delegue_is_not_the_mayor_of_the_whole_commune(db, tmp_path, petition,
                                                               parties):
    import_rne(rne_samples.write(tmp_path / "elus-conseillers-municipaux-cm.csv", "cm", [
        {"Code du département": "49", "Code de la commune": "49092",
         "Libellé de la commune": "Chemillé-en-Anjou", **person("GRIMAUD", "Sylvie"),
         "Libellé de la fonction": "Maire délégué"}]))
    claims_mayor = verdict(signer(petition, parties, "Sylvie", "Grimaud", "mayor",
                                  code="49092", locality="Chemillé-en-Anjou",
                                  departement="49"))
    assert claims_mayor.result == "probable"
    assert claims_mayor.note.startswith(
        "The register has Maire délégué: mayor of a commune déléguée, not of the whole "
        "commune.")
    councillor = verdict(signer(petition, parties, "Sylvie", "Grimaud", "municipal_councillor",
                                code="49092", locality="Chemillé-en-Anjou",
                                departement="49"))
    assert councillor.result == "exact"


def test_a_mandate_the_register_contradicts_says_which_one(register_loaded, tmp_path, petition,
                                                           parties):
    import_rne(rne_samples.write(tmp_path / "elus-senateurs-sen.csv", "sen", [
        {"Code du département": "06", **person("ESTROSI", "Dominique", sex="M")}]))
    senator = checked(signer(petition, parties, "Claire", "Martin", "senator",
                             departement="06", locality="Alpes-Maritimes", code="06"))

    assert senator.register_match == "other_mandate"
    assert RegisterMatch(senator.register_match).label == "au répertoire, avec un autre mandat"
    found = verdict(senator)
    with translation.override("en"):
        assert found.other_mandate == "mayor"
    assert found.note.startswith("Mandate differs: the register has mayor.")
    assert "Saint-Étienne-de-Tinée (06120, 06)" in found.note


def test_names_that_differ_in_real_life_are_probable_with_the_reason(db, tmp_path, petition,
                                                                     parties):
    import_rne(rne_samples.write(tmp_path / "elus-maires-mai.csv", "mai", [
        {**BREST, **person("BERTRAND-ROUSSEL", "Anne-Marie")},
        {**NICE, **person("ROUSSEL", "Hélène")},
        {**AJACCIO, **person("ORSONI épouse CASTA", "Paule")},
    ]))

    def mayor_of(first, last, place):
        return verdict(signer(petition, parties, first, last, "mayor",
                              code=place["Code de la commune"],
                              locality=place["Libellé de la commune"],
                              departement=place["Code du département"]))

    second_given_name = mayor_of("Marie", "Bertrand-Roussel", BREST)
    assert second_given_name.result == "probable"
    assert second_given_name.note.startswith(
        "First name differs: Marie vs Anne-Marie (another of the given names).")
    usual_name = mayor_of("Anne-Marie", "Roussel", BREST)
    assert usual_name.result == "probable"
    assert usual_name.note.startswith("Last name differs: Roussel vs BERTRAND-ROUSSEL "
                                      "(compound, married or usual name).")
    birth_name = mayor_of("Anne-Marie", "Bertrand", BREST)
    assert birth_name.result == "probable"
    compound_signed = mayor_of("Hélène", "Bertrand-Roussel", NICE)
    assert compound_signed.result == "probable"
    assert compound_signed.entry.last_name == "ROUSSEL"
    married = mayor_of("Paule", "Casta", AJACCIO)
    assert married.result == "probable"
    assert married.entry.last_name == "ORSONI épouse CASTA"
    # Never exact, and a first name that only begins like another is no variant.
    assert mayor_of("Mari", "Bertrand-Roussel", BREST).result == "none"
    assert mayor_of("Anne-Marie", "Bertrand-Roussel", BREST).result == "exact"
