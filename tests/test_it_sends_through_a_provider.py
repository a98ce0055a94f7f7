"""Sending through an anymail provider.

A paid provider's API cannot run here, so this test uses anymail's own test
backend, which records the API call instead of making it. Everything on our
side (building the message, options, recording the provider's message id) is real.
"""

from django.core import mail

from verification.models import EmailChallenge
from verification.outbox import delivery


def test_the_provider_gets_no_tracking_and_its_message_id_is_kept(
        client, petition, signature_data, settings):
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
    client.post("/p/vsa-jo-2024/sign/", signature_data)
    challenge = EmailChallenge.objects.get()
    assert delivery.deliver(challenge.pk).state == "sent"
    params = mail.outbox[-1].anymail_test_params
    assert params["track_opens"] is False
    assert params["track_clicks"] is False
    challenge.refresh_from_db()
    assert challenge.message_id == str(mail.outbox[-1].anymail_status.message_id)
