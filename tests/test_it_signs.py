import re
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from signatures.models import Signature
from verification.models import EmailChallenge

URL = "/p/vsa-jo-2024/sign/"


def test_a_valid_signature_is_saved_and_an_email_is_queued(
        client, petition, signature_data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(URL, signature_data)
    assert response.status_code == 302
    assert response["Location"] == "/p/vsa-jo-2024/check-inbox/"
    signature = Signature.objects.get()
    assert signature.state == Signature.State.PENDING_EMAIL
    assert signature.email_normalised == "m.dupont@mairie-exemple.fr"
    challenge = EmailChallenge.objects.get()
    assert (challenge.kind, challenge.state) == ("confirm", "queued")
    # The worker is asked only after the commit, in one message (one publish): to send
    # the email, then to look the signer up in the register of elected officials.
    (callback,) = callbacks
    assert callback.func.__self__.name == "verification.tasks.send_challenge"
    _args, _kwargs, options = callback.args
    assert options["link"].task == "verification.tasks.check_register"
    assert options["link"].args == ([signature.pk],)
    page = client.get(response["Location"]).content.decode()
    assert "Vérifiez votre boîte" in page
    assert "m.…@mairie-exemple.fr" in page


def test_the_public_title_agrees_with_civility(petition, signature_data, parties):
    signature = Signature(petition=petition, civility="F", mandate="municipal_councillor",
                          locality="Paris", departement="75", party=parties["PS"])
    assert signature.title == "conseillère municipale de Paris (75)"
    signature.civility = "M"
    assert signature.title == "conseiller municipal de Paris (75)"
    signature.civility = "X"
    assert signature.title == "conseiller·e municipal·e de Paris (75)"
    signature.locality, signature.departement = "Orléans", "45"
    assert signature.title == "conseiller·e municipal·e d'Orléans (45)"
    signature.locality, signature.departement, signature.civility = "Le Havre", "76", "F"
    signature.mandate = "mayor"
    assert signature.title == "maire du Havre (76)"
    signature.mandate, signature.civility = "senator", "F"
    assert signature.title == "sénatrice du Havre (76)"
    signature.mandate = "mep"
    assert signature.title == "députée européenne"


def test_an_address_that_already_signed_gets_a_notice_not_a_second_challenge(
        client, petition, signature_data):
    first = client.post(URL, signature_data)
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):  # past the cooldown
        again = client.post(URL, {**signature_data, "email": " M.Dupont@Mairie-Exemple.FR "})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Signature.objects.count() == 1
    kinds = list(EmailChallenge.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["confirm", "already_signed"]


def test_the_database_refuses_two_live_signatures_for_one_address(petition, parties):
    fields = dict(petition=petition, civility="M", first_name="Jean", last_name="Martin",
                  mandate="mayor", locality="Lyon", departement="69", party=parties["LR"],
                  consented_at="2026-11-28T10:00:00Z")
    Signature.objects.create(email="jean@lyon.fr", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(email="JEAN@lyon.fr", **fields)
    # Once withdrawn, the address may sign again.
    Signature.objects.get().withdraw()
    Signature.objects.create(email="jean@lyon.fr", **fields)
    assert Signature.objects.count() == 2


def test_a_random_public_id_already_taken_is_drawn_again(petition, parties):
    fields = dict(petition=petition, civility="M", first_name="Jean", last_name="Martin",
                  mandate="mayor", locality="Lyon", departement="69", party=parties["LR"],
                  consented_at="2026-11-28T10:00:00Z")
    taken = Signature.objects.create(email="jean@lyon.fr", **fields)
    other = Signature.objects.submit(
        Signature(email="paul@lyon.fr", public_id=taken.public_id, **fields))
    assert other.pk != taken.pk and other.email == "paul@lyon.fr"
    assert other.public_id != taken.public_id
    assert Signature.objects.count() == 2


BAD_INPUT = [
    ({"first_name": ""}, "first_name", "Indiquez votre prénom"),
    ({"last_name": ""}, "last_name", "Indiquez votre nom"),
    ({"email": ""}, "email", "Indiquez votre adresse e-mail officielle"),
    ({"mandate": ""}, "mandate", "Choisissez votre mandat"),
    ({"party": ""}, "party", "Choisissez votre parti, ou «\xa0sans étiquette\xa0»"),
    ({"civility": ""}, "civility", "Choisissez Madame, Monsieur ou Non précisé"),
    ({"email": "not-an-email"}, "email",
     "Indiquez une adresse e-mail au bon format, comme nom@mairie.fr"),
    ({"email": "a@b.fr\nBcc: victim@example.org"}, "email",
     "Indiquez une adresse e-mail au bon format, comme nom@mairie.fr"),
    ({"first_name": "A" * 10_000}, "first_name", "au plus 100 caractères"),
    ({"last_name": "<script>alert(1)</script>"}, "last_name",
     "Utilisez uniquement des lettres, des espaces, des traits d’union et des apostrophes."),
    ({"locality": "Paris<img src=x>"}, "locality", "Utilisez uniquement des lettres"),
    ({"mandate": "emperor"}, "mandate", "Sélectionnez un choix valide."),
    ({"party": "999999"}, "party", "Sélectionnez un choix valide."),
    ({"party": "not-a-number"}, "party", "Sélectionnez un choix valide."),
    ({"civility": "Z"}, "civility", "Choisissez Madame, Monsieur ou Non précisé"),
    ({"departement": "00"}, "departement", "Sélectionnez un choix valide."),
    ({"consent": ""}, "consent", "La pétition publie chaque signature"),
    ({"comment": "x" * 281}, "comment", "au plus 280 caractères"),
    ({"comment": "<b>hi</b>"}, "comment", "Le commentaire ne peut pas contenir < ou >."),
    ({"locality": "", "departement": ""}, "locality", "Indiquez la localité de votre mandat."),
    ({"mandate": "other", "mandate_other": ""}, "mandate_other", "Précisez votre mandat."),
]


@pytest.mark.parametrize("change, field, message", BAD_INPUT)
def test_bad_input_gets_an_error_on_its_field_and_nothing_is_saved(
        client, petition, signature_data, change, field, message):
    response = client.post(URL, {**signature_data, **change})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in error for error in errors[field]), errors[field]
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page  # shown next to the field
    assert "<script>alert" not in page
    assert not Signature.objects.exists()
    assert not EmailChallenge.objects.exists()


def test_other_party_needs_its_name(client, petition, signature_data, parties):
    response = client.post(URL, {**signature_data, "party": parties["Autre"].pk})
    assert "party_detail" in response.context["form"].errors
    assert not Signature.objects.exists()


def test_a_refused_party_typed_as_free_text_is_flagged(client, petition, signature_data,
                                                       parties):
    client.post(URL, {**signature_data, "party": parties["Autre"].pk, "party_detail": "R.N."})
    assert Signature.objects.get().refused_party_flag is True


def test_a_closed_petition_takes_no_signature(client, petition, signature_data):


    petition.closes_at = timezone.now()
    petition.save()
    response = client.post(URL, signature_data)
    assert "Cette pétition est close" in response.content.decode()
    assert not Signature.objects.exists()


def test_a_bot_filling_the_honeypot_saves_nothing(client, petition, signature_data):
    response = client.post(URL, {**signature_data, "website": "http://spam.example"})
    assert response.status_code == 302  # the bot learns nothing
    assert not Signature.objects.exists()
    assert not EmailChallenge.objects.exists()


def test_the_form_of_address_is_called_title_in_english(client, petition):
    english = client.get("/en" + URL).content.decode()
    assert "Civility" not in english
    assert re.search(r"<legend[^>]*>Title", english)
    assert re.search(r"<legend[^>]*>Civilité", client.get(URL).content.decode())


def test_the_consent_box_comes_before_its_sentence(client, petition):
    page = client.get("/p/vsa-jo-2024/sign/").content.decode()
    box, sentence = page.index('id="id_consent"'), page.index("J’accepte que mes nom")
    assert box < sentence


def test_the_party_list_offers_the_divers_and_a_placeholder_that_fits(client, petition,
                                                                       parties):
    page = client.get("/p/vsa-jo-2024/sign/").content.decode()
    for name in ("Divers gauche (DVG)", "Divers droite (DVD)", "Divers centre (DVC)",
                 "Divers (DIV)"):
        assert f">{name}</option>" in page
    assert '<option value="" selected>Choisissez un parti</option>' in page
    from signatures.models import Party
    assert Party.objects.get(short_name="DXD").refused
    assert not Party.objects.get(short_name="DVD").refused


def test_a_deputy_gives_the_departement_once(client, petition, signature_data):
    response = client.post("/p/vsa-jo-2024/sign/", {
        **signature_data, "mandate": "deputy", "locality": "", "departement": "29",
        "circonscription": "3"})
    assert response.status_code == 302
    assert Signature.objects.get().title == "députée du Finistère (29, 3e circonscription)"
