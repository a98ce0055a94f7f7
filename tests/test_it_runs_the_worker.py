"""A real Celery worker, on the real Redis, sends through a real SMTP server."""

import pytest
from django.test import Client

from signatures.models import Signature
from verification.models import EmailChallenge

from .conftest import link_in, wait_until

pytestmark = pytest.mark.worker


def test_a_signature_is_emailed_by_the_worker_and_its_link_confirms(
        petition, signature_data, smtp_server, celery_worker_on_redis):
    client = Client()
    response = client.post("/p/vsa-jo-2024/sign/", signature_data)
    assert response.status_code == 302
    message = smtp_server.wait_for(1, timeout=30)
    wait_until(lambda: EmailChallenge.objects.get().state == "sent", message="sent state")
    link = link_in(message)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert "Confirmer ma signature" in client.get(path).content.decode()
    client.post(path)
    assert Signature.objects.get().state == Signature.State.EMAIL_CONFIRMED


def test_the_worker_that_sends_the_email_then_checks_the_register(
        petition, signature_data, smtp_server, celery_worker_on_redis):
    # One message per signing POST: the register check follows the email.
    response = Client().post("/p/vsa-jo-2024/sign/", signature_data)
    assert response.status_code == 302
    smtp_server.wait_for(1, timeout=30)
    wait_until(lambda: Signature.objects.get().register_checked_at is not None,
               message="register checked")


def test_a_broker_outage_at_signing_loses_nothing(
        transactional_db, petition, signature_data, smtp_server, broken_broker, caplog):
    client = Client()
    with broken_broker():
        response = client.post("/p/vsa-jo-2024/sign/", signature_data)
    # The signer still gets the "check your inbox" page.
    assert response.status_code == 302
    assert "Vérifiez votre boîte" in client.get(response["Location"]).content.decode()
    challenge = EmailChallenge.objects.get()
    assert challenge.state == "queued"
    assert "the sweeper will retry" in caplog.text  # publishing was really attempted
    assert smtp_server.messages == []


def test_the_sweeper_queues_lost_rows_again_and_the_worker_sends_them(
        celery_worker_on_redis, petition, signature_data, smtp_server, settings, broken_broker):
    from verification.tasks import requeue_stale_challenges as requeue_due

    client = Client()
    with broken_broker():
        client.post("/p/vsa-jo-2024/sign/", signature_data)
    settings.CHALLENGE_REQUEUE_AFTER_SECONDS = 0
    assert requeue_due() == 1  # the broker is back
    smtp_server.wait_for(1, timeout=30)
    wait_until(lambda: EmailChallenge.objects.get().state == "sent", message="sent state")
    assert requeue_due() == 0  # nothing left to sweep
    import time

    time.sleep(1)
    assert len(smtp_server.messages) == 1  # exactly one email
