"""Cooldown, cap, reminder, expiry and purge, with the clock moved by time-machine."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from signatures.models import ModerationDecision, Signature
from verification.models import EmailChallenge
from verification.tasks import send_reminders

RESEND = "/p/vsa-jo-2024/resend/"


def confirm_emails():
    return EmailChallenge.objects.filter(kind__in=["confirm", "reminder"]).count()


def test_resending_waits_two_minutes_and_stops_at_five(client, petition, signature_data):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.post("/p/vsa-jo-2024/sign/", signature_data)
        client.post(RESEND, {"email": signature_data["email"]})
        assert confirm_emails() == 1  # within the cooldown: nothing more
        for _ in range(10):
            clock.shift(timedelta(minutes=2, seconds=1))
            response = client.post(RESEND, {"email": signature_data["email"]})
            assert response.status_code == 302
        assert confirm_emails() == 5  # the cap


def test_one_reminder_after_three_days(client, petition, signature_data, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.post("/p/vsa-jo-2024/sign/", signature_data)
        clock.shift(timedelta(days=2, hours=23))
        assert send_reminders() == 0
        clock.shift(timedelta(hours=2))
        assert send_reminders() == 1
        clock.shift(timedelta(days=1))
        assert send_reminders() == 0  # only one
    assert EmailChallenge.objects.filter(kind="reminder").count() == 1


def test_expiry_after_fourteen_days_then_purge_thirty_days_later(
        client, petition, signature_data):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.post("/p/vsa-jo-2024/sign/", signature_data)
        clock.shift(timedelta(days=13, hours=23))
        assert Signature.objects.expire_unconfirmed() == 0
        clock.shift(timedelta(hours=2))
        assert Signature.objects.expire_unconfirmed() == 1
        clock.shift(timedelta(days=29))
        assert Signature.objects.purge_personal_data() == 0
        clock.shift(timedelta(days=2))
        assert Signature.objects.purge_personal_data() == 1
    signature = Signature.objects.get()
    assert (signature.first_name, signature.last_name, signature.email) == ("", "", "")
    assert signature.state == "expired" and signature.mandate == "municipal_councillor"


def test_a_withdrawn_signature_is_purged_with_its_edit_trail(client, petition, signature_data):
    client.post("/p/vsa-jo-2024/sign/", signature_data)
    signature = Signature.objects.get()
    ModerationDecision.objects.create(signature=signature, transition="edit",
                                      from_state="pending_email", to_state="pending_email",
                                      changes={"last_name": ["Dupont", "Dupont-Moreau"]})
    signature.withdraw()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert Signature.objects.purge_personal_data() == 1
    assert ModerationDecision.objects.get(transition="edit").changes == {}


def test_rejected_signatures_are_anonymised_after_ninety_days(client, petition, signature_data):
    from signatures.models import RejectionReason

    client.post("/p/vsa-jo-2024/sign/", signature_data)
    signature = Signature.objects.get()
    signature.confirm_email()
    signature.reject(None, RejectionReason.objects.get(code="far-right"), note="RN")
    with time_machine.travel(timezone.now() + timedelta(days=89)):
        assert Signature.objects.purge_personal_data() == 0
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert Signature.objects.purge_personal_data() == 1
    signature.refresh_from_db()
    assert (signature.last_name, signature.email, signature.state) == ("", "", "rejected")
    assert signature.decisions.get(transition="reject").note == ""


def test_addresses_are_deleted_six_months_after_the_petition_closes(
        client, petition, signature_data):
    client.post("/p/vsa-jo-2024/sign/", signature_data)
    client.post("/p/vsa-jo-2024/sign/", {**signature_data, "email": "b@mairie.fr",
                                         "last_name": "Bernard"})
    Signature.objects.all().move("confirm_email")
    Signature.objects.all().move("approve")
    petition.closes_at = timezone.now()
    petition.save()
    with time_machine.travel(timezone.now() + timedelta(days=30 * 6 + 1)):
        assert Signature.objects.purge_personal_data() == 2
    assert set(Signature.objects.values_list("email", flat=True)) == {""}
    # The public fields of approved signatures stay.
    assert set(Signature.objects.approved().values_list("last_name", flat=True)) == {
        "Dupont-Moreau", "Bernard"}
