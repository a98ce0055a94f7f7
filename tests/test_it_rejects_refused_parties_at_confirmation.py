"""A signature whose chosen party is refused is rejected by the system at email confirmation."""

from django.utils import timezone

from signatures.models import Signature
from verification.outbox.models import EmailChallenge


def pending(petition, party, n, **fields):
    return Signature.objects.create(
        petition=petition, civility="M", first_name="Jean", last_name=f"Far{n}",
        email=f"jean{n}@mairie-nice.fr", mandate="mayor", locality="Nice", departement="06",
        party=party, consented_at=timezone.now(), **fields)


def confirm_by_link(client, signature):
    challenge = EmailChallenge.objects.create(signature=signature)
    token = challenge.claim()
    return client.post(f"/confirm/{token}/", follow=True)


def test_a_chosen_refused_party_is_rejected_by_the_system(client, petition, parties):
    signature = pending(petition, parties["RN"], 1)
    confirm_by_link(client, signature)
    signature.refresh_from_db()
    assert signature.state == "rejected"
    confirmed, rejected = signature.decisions.all()
    assert confirmed.transition == "confirm_email"
    assert (rejected.transition, rejected.reason.code, rejected.by_system, rejected.actor) == (
        "reject", "far-right", True, None)
    assert str(rejected.actor_label) == "le système"
    assert "Far1" not in client.get("/p/vsa-jo-2024/signatories/").content.decode()


def test_a_free_text_alias_is_never_rejected_automatically(client, moderator, petition,
                                                           parties):
    typed = pending(petition, parties["Autre"], 2, party_detail="R.N.")
    assert typed.refused_party_flag
    confirm_by_link(client, typed)
    typed.refresh_from_db()
    assert typed.state == "email_confirmed"  # a moderator decides
    client.force_login(moderator)
    page = client.get("/admin/desk/").content.decode()
    assert "R.N." in page and "saisi en texte libre" in page
    assert "Rassemblement national" in page and "regarder de près" in page


def test_the_rule_runs_on_every_path_to_confirmation(petition, parties):
    """Written once, on the state machine: a bulk confirmation obeys it too."""
    refused = [pending(petition, parties["REC"], n) for n in range(3)]
    allowed = pending(petition, parties["PS"], 9)
    Signature.objects.filter(pk__in=[s.pk for s in [*refused, allowed]]).move("confirm_email")
    states = dict(Signature.objects.values_list("pk", "state"))
    assert [states[s.pk] for s in refused] == ["rejected"] * 3
    assert states[allowed.pk] == "email_confirmed"


def test_the_trail_in_the_admin_says_who_decided(client, moderator, petition, parties):
    signature = pending(petition, parties["RN"], 3)
    signature.confirm_email()
    client.force_login(moderator)
    page = client.get(f"/admin/signatures/signature/{signature.pk}/change/").content.decode()
    assert "le système" in page
