"""A flood of signatures shows in the admin and is rejected in one action."""

import itertools
from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from petition.web.ratelimit import ip_hash
from signatures.models import ModerationDecision, RejectionReason, Signature
from signatures.tasks import purge_personal_data
from verification.models import EmailChallenge, FloodAlert

CHANGELIST = "/admin/signatures/signature/"
FLOODS = "/admin/verification/floodalert/"
BATCHES = itertools.count()


def flood(petition, party, count, domain="flood.example", ip="203.0.113.9", at=None,
          state="email_confirmed"):
    at = at or timezone.now()
    batch = next(BATCHES)
    rows = [Signature(petition=petition, civility="M", first_name="Faux", last_name=f"Nom{n}",
                      email=f"faux{batch}.{n}@{domain}",
                      email_normalised=f"faux{batch}.{n}@{domain}",
                      email_domain=domain, name_key=f"nom{n} faux", mandate="mayor",
                      locality="Nulle-Part", departement="01", party=party, consented_at=at,
                      created_at=at, ip_hash=ip_hash(ip), state=state,
                      email_confirmed_at=at if state == "email_confirmed" else None)
            for n in range(count)]
    return Signature.objects.bulk_create(rows, batch_size=1000)


def test_the_signing_form_keeps_a_keyed_hash_of_the_ip_never_the_ip(client, petition, parties,
                                                                     signature_data):
    client.post("/p/vsa-jo-2024/sign/", signature_data, REMOTE_ADDR="198.51.100.23")
    signature = Signature.objects.get()
    assert signature.ip_hash == ip_hash("198.51.100.23")
    assert len(signature.ip_hash) == 16 and "198.51" not in signature.ip_hash
    stored = " ".join(str(v) for v in Signature.objects.values().get().values())
    assert "198.51.100.23" not in stored


def test_ip_hashes_are_cleared_after_thirty_days(petition, parties):
    flood(petition, parties["PS"], 3, at=timezone.now() - timedelta(days=29))
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        purge_personal_data()  # the task beat runs, called in this process
    assert not Signature.objects.exclude(ip_hash="").exists()
    assert Signature.objects.count() == 3  # the signatures stay, only the hash goes


def test_the_privacy_notice_states_the_ip_hash_policy(client, db, settings):
    settings.IP_HASH_KEEP_DAYS = 21
    page = client.get("/en/privacy/").content.decode()
    assert "hash of your IP address is deleted 21 days" in page


def test_an_unusual_hour_from_one_domain_is_reported(petition, parties):
    # Its usual rate: a few a day over the past week.
    for day in range(1, 7):
        flood(petition, parties["PS"], 3, domain="mairie-x.fr", ip=f"192.0.2.{day}",
              at=timezone.now() - timedelta(days=day))
    flood(petition, parties["PS"], 40, domain="mairie-x.fr", ip="192.0.2.99")
    flood(petition, parties["PS"], 8, domain="quiet.fr", ip="192.0.2.100")  # under the floor
    assert FloodAlert.objects.report() == 2  # the domain, and the one IP behind it
    alerts = {alert.kind: alert for alert in FloodAlert.objects.all()}
    assert alerts["domain"].value == "mairie-x.fr" and alerts["domain"].signatures == 40
    assert alerts["ip_hash"].value == ip_hash("192.0.2.99")
    FloodAlert.objects.report()  # beat runs it every ten minutes: no duplicates
    assert FloodAlert.objects.count() == 2


def test_a_domain_that_always_signs_a_lot_is_not_unusual(petition, parties):
    for hours in range(1, 24 * 7, 2):  # 25 an hour, every other hour, all week
        flood(petition, parties["PS"], 25, domain="assemblee-nationale.fr", ip="",
              at=timezone.now() - timedelta(hours=hours))
    flood(petition, parties["PS"], 30, domain="assemblee-nationale.fr", ip="")
    FloodAlert.objects.report()
    assert not FloodAlert.objects.filter(value="assemblee-nationale.fr").exists()


def test_a_flood_of_a_thousand_is_visible_and_rejected_in_one_action(
        client, moderator, petition, parties):
    flood(petition, parties["PS"], 700)
    flood(petition, parties["PS"], 300, state="pending_email")
    legit = flood(petition, parties["PS"], 2, domain="mairie-lyon.fr", ip="192.0.2.1")
    EmailChallenge.objects.bulk_create(
        EmailChallenge(signature=s, kind="confirm") for s in
        Signature.objects.filter(state="pending_email")[:5])
    FloodAlert.objects.report()
    client.force_login(moderator)

    report = client.get(FLOODS).content.decode()
    assert "flood.example" in report and "1000" in report
    review_link = report.split('href="/admin/signatures/signature/?', 1)[1].split('"', 1)[0]
    review_url = f"/en{CHANGELIST}?{review_link.replace('&amp;', '&')}"
    listing = client.get(review_url)
    assert listing.context["cl"].result_count == 1000

    reason = RejectionReason.objects.get(code="far-right")
    one_on_page = str(listing.context["cl"].result_list[0].pk)
    confirm = client.post(review_url, {"action": "reject", "select_across": "1", "index": "0",
                                       "_selected_action": [one_on_page]})
    assert "Reject 1000 signatures" in confirm.content.decode()
    with CaptureQueriesContext(connection) as queries:
        done = client.post(review_url, {"action": "reject", "select_across": "1", "apply": "1",
                                        "_selected_action": [one_on_page],
                                        "reason": reason.pk, "note": "flood of 28/11"},
                           follow=True)
    assert "1000 signatures rejected." in done.content.decode()
    assert len(queries) < 60
    assert Signature.objects.filter(email_domain="flood.example",
                                    state="rejected").count() == 1000
    assert ModerationDecision.objects.filter(transition="reject", reason=reason,
                                             actor=moderator).count() == 1000
    assert {s.state for s in Signature.objects.filter(pk__in=[s.pk for s in legit])} == {
        "email_confirmed"}
    # The flood's unsent confirmation links never leave.
    assert set(EmailChallenge.objects.values_list("state", flat=True)) == {"failed"}


def test_the_report_needs_a_moderators_eyes(client, db, petition, parties):
    flood(petition, parties["PS"], 30)
    FloodAlert.objects.report()
    assert client.get(FLOODS).status_code == 302  # to the login page
