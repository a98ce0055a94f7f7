"""The check-inbox page: what it shows, "send again" inside the cooldown, and correcting
a mistyped address, without telling anyone whether an address has signed."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from signatures.models import Signature
from verification.models import EmailChallenge

SIGN, INBOX = "/p/vsa-jo-2024/sign/", "/p/vsa-jo-2024/check-inbox/"
RESEND, CORRECT = "/p/vsa-jo-2024/resend/", "/p/vsa-jo-2024/correct-email/"
TYPO = "m.dupont@mairie-exmple.fr"


def test_the_page_shows_the_masked_address_only(client, petition, signature_data):
    client.post(SIGN, signature_data)
    page = client.get(INBOX).content.decode()
    assert "m.…@mairie-exemple.fr" in page
    assert "m.dupont@mairie-exemple.fr" not in page  # not in a field either


def test_opened_directly_the_page_reads_as_whole_sentences(client, petition):
    page = client.get(INBOX).content.decode()
    assert "Si vous venez de signer la pétition «\u00a0Non à la VSA" in page
    assert "<p>Ouvrez-le" not in page
    assert 'name="email"' in page  # a visitor without a submission types the address


def test_send_again_inside_the_cooldown_says_when_to_try(client, petition, signature_data):
    client.post(SIGN, signature_data)
    response = client.post(RESEND, follow=True)
    page = response.content.decode()
    assert "aucun n’est renvoyé avant" in page
    assert "est en route" not in page
    assert EmailChallenge.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        page = client.post(RESEND, follow=True).content.decode()
    assert "Si cette adresse a signé, un nouvel e-mail est en route." in page
    assert EmailChallenge.objects.count() == 2


def test_a_typo_is_corrected_the_first_signature_withdrawn_and_a_new_link_sent(
        client, petition, signature_data):
    client.post(SIGN, {**signature_data, "email": TYPO})
    first = Signature.objects.get()
    response = client.post(CORRECT, {"email": "m.dupont@mairie-exemple.fr"})
    assert response.status_code == 302 and response["Location"].endswith(INBOX)
    first.refresh_from_db()
    assert first.state == Signature.State.WITHDRAWN and first.email == ""
    second = Signature.objects.get(state=Signature.State.PENDING_EMAIL)
    assert second.email == "m.dupont@mairie-exemple.fr"
    assert (second.first_name, second.locality, second.party) == (
        "Marie-Hélène", "Paris", first.party)
    assert second.challenges.get().kind == EmailChallenge.Kind.CONFIRM
    page = client.get(INBOX).content.decode()
    assert "m.…@mairie-exemple.fr" in page


def test_correcting_never_withdraws_a_signature_the_visitor_did_not_make(
        client, petition, signature_data, parties):
    """Typing a mayor's address, then "correcting" it, leaves the mayor's signature."""
    client.post(SIGN, signature_data)
    theirs = Signature.objects.get()
    theirs.confirm_email()
    intruder = client.__class__()
    intruder.post(SIGN, {**signature_data, "first_name": "Intrus"})
    ours = intruder.post(CORRECT, {"email": "intrus@example.org"})
    theirs.refresh_from_db()
    assert theirs.state == Signature.State.EMAIL_CONFIRMED
    assert Signature.objects.get(email="intrus@example.org").first_name == "Intrus"
    # The answer is the one a signer who made the first signature gets.
    again = client.__class__()
    again.post(SIGN, {**signature_data, "email": TYPO})
    mine = again.post(CORRECT, {"email": "autre@example.org"})
    assert ours.status_code == mine.status_code == 302
    assert ours["Location"] == mine["Location"]
    assert intruder.get(INBOX).content.decode().count("e-mail est en route") == again.get(
        INBOX).content.decode().count("e-mail est en route")


def test_a_bad_correction_gets_a_message_at_its_field(client, petition, signature_data):
    client.post(SIGN, {**signature_data, "email": TYPO})
    response = client.post(CORRECT, {"email": "pas une adresse"})
    assert response.status_code == 400
    assert "Erreur" in response.content.decode()
    same = client.post(CORRECT, {"email": TYPO})
    assert "C’est l’adresse que vous aviez donnée" in same.content.decode()
    assert Signature.objects.get().state == Signature.State.PENDING_EMAIL


def test_without_a_submission_there_is_nothing_to_correct(client, petition):
    response = client.post(CORRECT, {"email": "x@example.org"})
    assert response.status_code == 302
    assert not Signature.objects.exists()
