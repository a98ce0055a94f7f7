import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from signatures.models import Signature
from verification.models import EmailChallenge


@pytest.fixture
def pending(client, petition, signature_data):
    client.post("/p/vsa-jo-2024/sign/", signature_data)
    challenge = EmailChallenge.objects.get()
    token = challenge.claim()
    challenge.mark_sent("<test@example>")
    return challenge, token


def test_opening_the_link_does_not_confirm_the_button_does(client, pending):
    challenge, token = pending
    page = client.get(f"/confirm/{token}/")
    assert page.status_code == 200
    assert "Confirmer ma signature" in page.content.decode()
    assert Signature.objects.get().state == Signature.State.PENDING_EMAIL  # scanners are harmless
    response = client.post(f"/confirm/{token}/")
    assert response.status_code == 302
    assert response["Location"] == "/p/vsa-jo-2024/thanks/"
    signature = Signature.objects.get()
    assert signature.state == Signature.State.EMAIL_CONFIRMED
    assert signature.email_confirmed_at is not None
    assert signature.decisions.get().transition == "confirm_email"


def test_only_the_hash_of_the_token_is_stored(pending):
    challenge, token = pending
    challenge.refresh_from_db()
    assert token not in str(EmailChallenge.objects.filter(pk=challenge.pk).values().get())
    assert len(token) >= 40


def test_a_used_link_says_so_and_confirms_nothing_twice(client, pending):
    _challenge, token = pending
    client.post(f"/confirm/{token}/")
    again = client.post(f"/confirm/{token}/")
    assert again.status_code == 200
    assert "déjà confirmée" in again.content.decode()
    assert Signature.objects.get().decisions.count() == 1


def test_an_expired_link_offers_a_new_email(client, pending):
    challenge, token = pending
    EmailChallenge.objects.filter(pk=challenge.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    for method in (client.get, client.post):
        response = method(f"/confirm/{token}/")
        page = response.content.decode()
        assert response.status_code == 410
        assert "Ce lien a expiré." in page
        assert "Renvoyer l’e-mail" in page
    assert Signature.objects.get().state == Signature.State.PENDING_EMAIL


@pytest.mark.parametrize("token", ["forged", "x" * 43, "a" * 5000, "%00", "%3Cscript%3E"])
def test_a_forged_token_gets_a_clear_page_not_a_500(client, pending, token):
    response = client.post(f"/confirm/{token}/")
    assert response.status_code == 404
    assert "Ce lien n’est pas valide" in response.content.decode() or \
        "Ce lien n'est pas valide" in response.content.decode()
    assert Signature.objects.get().state == Signature.State.PENDING_EMAIL


def test_asking_for_a_new_email_queues_one_without_telling_who_signed(
        client, petition, pending):
    challenge, _token = pending
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        response = client.post("/p/vsa-jo-2024/resend/",
                               {"email": "M.Dupont@mairie-exemple.fr"})
        stranger = client.post("/p/vsa-jo-2024/resend/", {"email": "nobody@example.org"})
    assert response.status_code == stranger.status_code == 302
    assert response["Location"] == stranger["Location"]
    assert EmailChallenge.objects.filter(kind="confirm").count() == 2


def test_the_token_expiry_is_a_setting(settings, pending):
    challenge, _token = pending
    challenge.refresh_from_db()
    lifetime = challenge.expires_at - challenge.claimed_at
    assert lifetime == timedelta(days=settings.CHALLENGE_TOKEN_TTL_DAYS) == timedelta(days=7)


def test_a_double_click_on_confirm_shows_already_confirmed_never_used(
        transactional_db, petition, signature_data):
    """Two POSTs at once: both read the link as usable, then wait on the row's lock
    (held here by a second real PostgreSQL session) while the first commits."""
    import threading

    import psycopg
    from django.db import connection
    from django.test import Client

    Client().post("/p/vsa-jo-2024/sign/", signature_data)
    challenge = EmailChallenge.objects.get()
    token = challenge.claim()
    challenge.mark_sent("<test@example>")
    db = connection.settings_dict
    answers = []

    def click():
        answers.append(Client().post(f"/confirm/{token}/"))
        connection.close()

    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                         dbname=db["NAME"]) as locker:
        locker.execute("SELECT 1 FROM verification_emailchallenge WHERE id = %s FOR UPDATE",
                       [challenge.pk])
        clicks = [threading.Thread(target=click) for _ in range(2)]
        for thread in clicks:
            thread.start()
        with locker.cursor() as cursor:  # both wait for the row
            for _ in range(200):
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0] >= 2:
                    break
                time.sleep(0.05)
        locker.rollback()
    for thread in clicks:
        thread.join(30)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 302]
    second = next(answer for answer in answers if answer.status_code == 200)
    assert "déjà confirmée" in second.content.decode()
    assert "déjà été utilisé" not in second.content.decode()
    assert Signature.objects.get().state == Signature.State.EMAIL_CONFIRMED
