from datetime import timedelta

import time_machine
from django.utils import timezone

from signatures.models import Signature
from verification.models import EmailChallenge
from verification.outbox import delivery

from .conftest import html_part, link_in, text_part
from .ports import free_port


def _signed(client, signature_data, **change):
    client.post("/p/vsa-jo-2024/sign/", {**signature_data, **change})
    return EmailChallenge.objects.order_by("-id").first()


def test_the_email_reaches_a_real_smtp_server_and_its_link_confirms(
        client, petition, signature_data, smtp_server):
    challenge = _signed(client, signature_data)
    outcome = delivery.deliver(challenge.pk)
    assert outcome.state == "sent"
    message = smtp_server.wait_for(1)
    assert message["To"] == "m.dupont@mairie-exemple.fr"
    assert "petition@" in message["From"]
    assert message["Reply-To"] == "petition@technopolice.fr"
    assert message["Subject"].startswith("Confirmez votre signature")
    assert text_part(message).startswith("Madame la Conseillère,")
    link = link_in(message)
    assert link in html_part(message)
    challenge.refresh_from_db()
    assert challenge.message_id == message["Message-ID"]
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.post("/" + path)
    assert Signature.objects.get().state == Signature.State.EMAIL_CONFIRMED


def test_the_email_is_in_the_signers_language(client, petition, signature_data, smtp_server):
    client.post("/en/p/vsa-jo-2024/sign/", signature_data)
    delivery.deliver(EmailChallenge.objects.get().pk)
    message = smtp_server.wait_for(1)
    assert message["Subject"].startswith("Confirm your signature")
    assert "/en/confirm/" in link_in(message)  # the confirm page opens in English too
    assert "To confirm your signature" in text_part(message)


def test_a_row_is_sent_once_even_when_two_workers_get_it(
        client, petition, signature_data, smtp_server):
    challenge = _signed(client, signature_data)
    assert delivery.deliver(challenge.pk).state == "sent"
    assert delivery.deliver(challenge.pk) is None  # the second worker finds it claimed
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1


def test_a_temporary_refusal_is_retried_later(client, petition, signature_data, smtp_server):
    smtp_server.refuse_with = (451, "4.7.1 Try again later")
    challenge = _signed(client, signature_data)
    outcome = delivery.deliver(challenge.pk)
    challenge.refresh_from_db()
    assert challenge.state == "deferred"
    assert 20 <= outcome.retry_in <= 40
    assert "451" in challenge.last_error
    smtp_server.refuse_with = None
    assert EmailChallenge.objects.due(timezone.now() + timedelta(minutes=1)).get() == challenge
    assert delivery.deliver(challenge.pk).state == "sent"
    assert challenge.__class__.objects.get().attempts == 2


def test_a_permanent_refusal_marks_the_row_failed_and_the_signer_is_told(
        client, petition, signature_data, smtp_server):
    smtp_server.refuse_with = (550, "5.1.1 No such user")
    challenge = _signed(client, signature_data)
    assert delivery.deliver(challenge.pk).state == "failed"
    page = client.get("/p/vsa-jo-2024/check-inbox/").content.decode()
    assert "n’a pas accepté" in page or "n'a pas accepté" in page


def test_an_unreachable_smtp_server_defers(client, petition, signature_data, settings):
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2}}}
    challenge = _signed(client, signature_data)
    assert delivery.deliver(challenge.pk).state == "deferred"
    assert Signature.objects.get().state == Signature.State.PENDING_EMAIL  # nothing lost


def test_attempts_are_bounded(client, petition, signature_data, smtp_server, settings):
    settings.CHALLENGE_MAX_ATTEMPTS = 2
    smtp_server.refuse_with = (421, "Busy")
    challenge = _signed(client, signature_data)
    assert delivery.deliver(challenge.pk).state == "deferred"
    assert delivery.deliver(challenge.pk).state == "failed"


def test_an_address_that_signed_gets_the_already_signed_notice(
        client, petition, signature_data, smtp_server):
    _signed(client, signature_data)
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):  # past the cooldown
        notice = _signed(client, signature_data)
    assert notice.kind == "already_signed"
    delivery.deliver(notice.pk)
    message = smtp_server.wait_for(1)
    assert message["Subject"].startswith("Vous avez déjà signé")
    # The campaign's short display title, as plain text (not HTML-escaped), under 80.
    assert "Non à la VSA" in message["Subject"]
    assert message["Subject"].endswith("pétition des élu·es")
    assert "&" not in message["Subject"] and len(message["Subject"]) < 80
    assert "/confirm/" not in text_part(message)
    assert "/p/vsa-jo-2024/resend/" in text_part(message)


def test_rows_stuck_in_queued_are_found_by_the_sweeper(client, petition, signature_data):
    challenge = _signed(client, signature_data)
    assert not EmailChallenge.objects.due().exists()  # just queued: the broker has it
    later = timezone.now() + timedelta(minutes=10)
    assert list(EmailChallenge.objects.due(later)) == [challenge]


def test_the_email_greets_by_title_and_by_name_without_a_civility(
        client, petition, signature_data, smtp_server):
    mayor = _signed(client, signature_data, civility="M", mandate="mayor")
    delivery.deliver(mayor.pk)
    assert text_part(smtp_server.wait_for(1)).startswith("Monsieur le Maire,")
    unstated = _signed(client.__class__(), signature_data, civility="X",
                       email="x.dupont@mairie-exemple.fr")
    delivery.deliver(unstated.pk)
    message = smtp_server.wait_for(2)
    assert text_part(message).startswith("Bonjour Marie-Hélène Dupont-Moreau,")
    assert "<p>Madame" not in html_part(message)


def test_subjects_stay_under_80_characters_whatever_the_title(
        client, petition, signature_data, smtp_server):
    petition.display_title_fr = "Une pétition au titre d'affichage vraiment très long " * 2
    petition.save()
    challenge = _signed(client, signature_data)
    delivery.deliver(challenge.pk)
    subject = smtp_server.wait_for(1)["Subject"]
    assert subject.startswith("Confirmez votre signature") and len(subject) < 80
