from django.utils import timezone

from signatures.models import ModerationDecision, Signature
from verification.models import EmailChallenge
from verification.outbox import delivery

from .conftest import text_part


def test_every_email_carries_a_withdrawal_link_that_erases_the_signature(
        client, petition, signature_data, smtp_server, parties):
    client.post("/p/vsa-jo-2024/sign/", signature_data)
    signature = Signature.objects.get()
    signature.confirm_email()
    ModerationDecision.objects.create(signature=signature, transition="edit",
                                      from_state="email_confirmed", to_state="email_confirmed",
                                      note="Maire de Paris depuis 2020",
                                      changes={"last_name": ["Dupont", "Dupont-Moreau"]})
    Signature.objects.filter(pk=signature.pk).move("approve")
    delivery.deliver(EmailChallenge.objects.get(kind="confirm").pk)
    body = text_part(smtp_server.wait_for(1))
    link = next(line for line in body.splitlines() if "/withdraw/" in line).strip()
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    page = client.get(path)
    assert "Retirer ma signature" in page.content.decode()
    assert Signature.objects.get().state == "approved"  # opening the link does nothing
    client.post(path)
    signature.refresh_from_db()
    assert signature.state == "withdrawn"
    assert (signature.first_name, signature.last_name, signature.email) == ("", "", "")
    assert "Dupont" not in client.get("/p/vsa-jo-2024/signatories/").content.decode()
    trail = list(signature.decisions.values_list("transition", "note", "changes"))
    assert ("withdraw", "", {}) in trail
    assert all(note == "" and changes == {} for _t, note, changes in trail)


def test_a_forged_withdrawal_link_gets_a_clear_page(client, petition, parties):
    signature = Signature.objects.create(
        petition=petition, civility="M", first_name="Jean", last_name="Martin",
        email="j@lyon.fr", mandate="mayor", locality="Lyon", departement="69",
        party=parties["PS"], consented_at=timezone.now())
    forged = signature.withdrawal_token()[:-3] + "abc"
    for token in (forged, str(signature.pk), "x" * 500):
        response = client.post(f"/withdraw/{token}/")
        assert response.status_code == 404
        assert "Ce lien n’est pas valide" in response.content.decode() or \
            "Ce lien n'est pas valide" in response.content.decode()
    assert Signature.objects.get().state == "pending_email"


def test_the_privacy_notice_states_the_actual_settings(client, petition, settings):
    settings.PURGE_AFTER_DAYS = 45
    page = client.get("/privacy/").content.decode()
    assert "45 jours" in page
    assert "petition@technopolice.fr" in page
    english = client.get("/en/privacy/").content.decode()
    assert "deleted 45 days later" in english
