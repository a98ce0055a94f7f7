from datetime import timedelta

from django.utils import timezone

from signatures.models import Signature


def test_a_signature_never_confirmed_expires_after_the_policy_delay(
        client, petition, signature_data):
    client.post("/p/vsa-jo-2024/sign/", signature_data)
    client.post("/p/vsa-jo-2024/sign/", {**signature_data, "email": "other@ville.fr"})
    Signature.objects.filter(email="other@ville.fr").update(
        created_at=timezone.now() - timedelta(days=15))
    assert Signature.objects.expire_unconfirmed() == 1
    states = dict(Signature.objects.values_list("email", "state"))
    assert states == {"m.dupont@mairie-exemple.fr": "pending_email", "other@ville.fr": "expired"}
    # The address may sign again once its old signature expired.
    response = client.post("/p/vsa-jo-2024/sign/", {**signature_data, "email": "other@ville.fr"})
    assert response.status_code == 302
    assert Signature.objects.filter(email="other@ville.fr").count() == 2
