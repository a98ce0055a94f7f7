"""Provider webhooks, through anymail's real views, with the providers' documented payloads."""

import base64
import json

import pytest
from django.test import override_settings

from signatures.models import Signature
from verification.models import DeliveryEvent, EmailChallenge

SECRET = "hook-user:hook-password"


@pytest.fixture
def sent(client, petition, signature_data, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    client.post("/p/vsa-jo-2024/sign/", signature_data)
    challenge = EmailChallenge.objects.get()
    challenge.claim()
    challenge.mark_sent("0a129aee-e1cd-480d-b08d-4f48548ff48d")
    return challenge


def post(client, provider, payload, secret=SECRET):
    """As the provider would, to a site configured to send through it (MAILER)."""
    auth = "Basic " + base64.b64encode(secret.encode()).decode()
    with override_settings(MAILER=provider):
        return client.post(f"/anymail/{provider}/tracking/", json.dumps(payload),
                           content_type="application/json", HTTP_AUTHORIZATION=auth)


# Postmark's "Bounce" webhook sample (postmarkapp.com/developer/webhooks/bounce-webhook).
POSTMARK_BOUNCE = {
    "RecordType": "Bounce", "MessageStream": "outbound", "ID": 4323372036854775807,
    "Type": "HardBounce", "TypeCode": 1, "Name": "Hard bounce", "Tag": "",
    "MessageID": "0a129aee-e1cd-480d-b08d-4f48548ff48d", "Metadata": {},
    "ServerID": 23, "Description": "The server was unable to deliver your message.",
    "Details": "Test bounce details", "Email": "m.dupont@mairie-exemple.fr",
    "From": "petition@example.org", "BouncedAt": "2026-11-28T10:00:00Z",
    "DumpAvailable": True, "Inactive": True, "CanActivate": True, "Subject": "Test subject",
}
# Postmark's "Delivery" webhook sample.
POSTMARK_DELIVERY = {
    "RecordType": "Delivery", "ServerID": 23, "MessageStream": "outbound",
    "MessageID": "0a129aee-e1cd-480d-b08d-4f48548ff48d",
    "Recipient": "m.dupont@mairie-exemple.fr", "Tag": "",
    "DeliveredAt": "2026-11-28T09:00:00Z", "Details": "Test delivery webhook details",
    "Metadata": {},
}
# Brevo's transactional "delivered" webhook sample (developers.brevo.com, webhooks).
BREVO_DELIVERED = {
    "event": "delivered", "email": "m.dupont@mairie-exemple.fr", "id": 26224,
    "date": "2026-11-28 10:00:00", "ts": 1795860000,
    "message-id": "0a129aee-e1cd-480d-b08d-4f48548ff48d", "ts_event": 1795860000,
    "subject": "Confirmez votre signature", "tag": "", "sending_ip": "185.41.28.109",
    "ts_epoch": 1795860000000, "tags": [],
}
BREVO_SPAM = {**BREVO_DELIVERED, "event": "spam", "ts_event": 1795860100,
              "ts_epoch": 1795860100000}


def test_a_delivery_then_a_bounce_show_on_the_signature(client, sent):
    assert post(client, "postmark", POSTMARK_DELIVERY).status_code == 200
    sent.refresh_from_db()
    assert sent.state == "delivered"
    assert post(client, "postmark", POSTMARK_BOUNCE).status_code == 200
    sent.refresh_from_db()
    assert sent.state == "bounced"
    assert Signature.objects.get().email_delivery == "bounced"
    # The signer's "check your inbox" page says the address did not accept mail.
    assert "n’a pas accepté" in client.get("/p/vsa-jo-2024/check-inbox/").content.decode() or \
        "n'a pas accepté" in client.get("/p/vsa-jo-2024/check-inbox/").content.decode()


def test_a_second_provider_moves_states_too(client, sent):
    post(client, "brevo", BREVO_DELIVERED)
    assert EmailChallenge.objects.get().state == "delivered"
    post(client, "brevo", BREVO_SPAM)
    assert EmailChallenge.objects.get().state == "complained"


def test_a_replayed_event_changes_nothing(client, sent):
    post(client, "postmark", POSTMARK_BOUNCE)
    EmailChallenge.objects.update(state="sent")  # as if a moderator had looked into it
    assert post(client, "postmark", POSTMARK_BOUNCE).status_code == 200
    assert EmailChallenge.objects.get().state == "sent"
    assert DeliveryEvent.objects.count() == 1


def test_a_late_delivery_does_not_undo_a_bounce(client, sent):
    post(client, "postmark", POSTMARK_BOUNCE)
    post(client, "postmark", POSTMARK_DELIVERY)
    assert EmailChallenge.objects.get().state == "bounced"


def test_an_unknown_message_id_is_ignored_with_200(client, sent):
    response = post(client, "postmark", {**POSTMARK_BOUNCE, "MessageID": "unknown"})
    assert response.status_code == 200
    assert EmailChallenge.objects.get().state == "sent"
    assert not DeliveryEvent.objects.exists()


def test_a_wrong_secret_is_refused(client, sent):
    response = post(client, "postmark", POSTMARK_BOUNCE, secret="hook-user:wrong")
    assert response.status_code in (400, 401, 403)
    assert EmailChallenge.objects.get().state == "sent"
    with override_settings(MAILER="postmark"):
        unauthenticated = client.post("/anymail/postmark/tracking/",
                                      json.dumps(POSTMARK_BOUNCE),
                                      content_type="application/json")
    assert unauthenticated.status_code in (400, 401, 403)
    assert EmailChallenge.objects.get().state == "sent"
