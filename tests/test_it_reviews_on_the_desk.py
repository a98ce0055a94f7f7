"""The review desk: one signature at a time, every decision through the state machine."""

import threading
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from signatures.models import ModerationDecision, RejectionReason, Signature
from verification.desk import claims
from verification.desk.models import DeskLease

from .conftest import make_moderator

DESK = "/admin/desk/"


def confirmed(petition, party, n, minutes_ago=0, **fields):
    values = dict(petition=petition, civility="F", first_name="Anne", last_name=f"Desk{n}",
                  email=f"anne{n}@mairie-lyon.fr", mandate="mayor", locality="Lyon",
                  departement="69", party=party, consented_at=timezone.now())
    values.update(fields)
    signature = Signature.objects.create(**values)
    signature.confirm_email()
    Signature.objects.filter(pk=signature.pk).update(
        email_confirmed_at=timezone.now() - timedelta(minutes=minutes_ago))
    signature.refresh_from_db()
    return signature


@pytest.fixture
def second_moderator(db):
    return make_moderator("mod2@campagne.fr", "a-long-password-2")


def decide(client, page, action):
    """Press a button of the desk's form, as the browser would post it."""
    form = page.context
    return client.post(f"{DESK}{form['signature'].pk}/decide/", {
        "state": form["signature"].state, "version": form["version"],
        "filter": form["filter_query"], "action": action}, follow=True)


def test_the_desk_opens_on_the_oldest_confirmed_signature_with_its_evidence(
        client, moderator, petition, parties):
    confirmed(petition, parties["PS"], 1, minutes_ago=5)
    oldest = confirmed(petition, parties["PS"], 2, minutes_ago=60, comment="Non à la VSA")
    client.force_login(moderator)
    page = client.get(DESK)
    assert page.context["signature"] == oldest
    html = page.content.decode()
    for shown in ("Anne Desk2", "maire de Lyon", "Parti socialiste", "Non à la VSA",
                  "anne2@mairie-lyon.fr", "Recommandation", "Doublons possibles",
                  "Autres pétitions", "Remise"):
        assert shown in html, shown
    # Every decision is a button with its key, announced to assistive technology.
    assert 'aria-keyshortcuts="A"' in html and 'aria-keyshortcuts="S"' in html
    assert 'aria-keyshortcuts="1"' in html


def test_approving_on_the_desk_writes_the_trail_as_the_bulk_action_does(
        client, moderator, petition, parties):
    first = confirmed(petition, parties["PS"], 1, minutes_ago=10)
    second = confirmed(petition, parties["PS"], 2, minutes_ago=5)
    client.force_login(moderator)
    page = decide(client, client.get(DESK), "approve")
    assert "1 signature approuvée" in page.content.decode()
    first.refresh_from_db()
    assert first.state == "approved"
    decision = first.decisions.last()
    assert (decision.transition, decision.actor, decision.from_state, decision.to_state) == (
        "approve", moderator, "email_confirmed", "approved")
    assert LogEntry.objects.filter(object_id=str(first.pk), user=moderator).exists()
    # The next one is on the page at once.
    assert page.context["signature"] == second


def test_rejecting_takes_a_reason_from_the_table(client, moderator, petition, parties):
    signature = confirmed(petition, parties["PS"], 1)
    client.force_login(moderator)
    decide(client, client.get(DESK), "reject:duplicate")
    signature.refresh_from_db()
    assert signature.state == "rejected"
    assert signature.decisions.last().reason == RejectionReason.objects.get(code="duplicate")
    assert signature.decisions.last().actor == moderator


def test_an_unknown_reason_rejects_nothing(client, moderator, petition, parties):
    signature = confirmed(petition, parties["PS"], 1)
    client.force_login(moderator)
    page = decide(client, client.get(DESK), "reject:<script>")
    assert "Choisissez un motif" in page.content.decode()
    signature.refresh_from_db()
    assert signature.state == "email_confirmed"


def test_a_stale_page_cannot_overwrite_a_decision_taken_meanwhile(
        client, moderator, second_moderator, petition, parties):
    signature = confirmed(petition, parties["PS"], 1)
    client.force_login(moderator)
    stale = client.get(DESK)
    # Meanwhile, someone else rejects it and sends it back to review (same state, new version).
    signature.reject(second_moderator, RejectionReason.objects.get(code="duplicate"))
    signature.return_to_review(second_moderator)
    DeskLease.objects.all().delete()
    page = decide(client, stale, "approve")
    assert "a changé pendant" in page.content.decode()
    signature.refresh_from_db()
    assert signature.state == "email_confirmed"
    assert not signature.decisions.filter(actor=moderator).exists()


def test_skip_and_back(client, moderator, petition, parties):
    first = confirmed(petition, parties["PS"], 1, minutes_ago=10)
    second = confirmed(petition, parties["PS"], 2, minutes_ago=5)
    client.force_login(moderator)
    page = decide(client, client.get(DESK), "skip")
    assert page.context["signature"] == second
    page = decide(client, page, "approve")
    assert "Rien d’autre à relire" in page.content.decode()  # the skipped one stays skipped
    page = decide(client, client.get(f"{DESK}{second.pk}/"), "back")
    assert page.context["signature"] == first
    first.refresh_from_db()
    assert first.state == "email_confirmed"  # skipping decides nothing


def test_going_back_to_a_decision_lets_the_moderator_change_it(
        client, moderator, petition, parties):
    signature = confirmed(petition, parties["PS"], 1)
    client.force_login(moderator)
    page = decide(client, client.get(DESK), "approve")
    page = client.post(f"{DESK}{signature.pk}/decide/", {"action": "back"}, follow=True)
    page = decide(client, client.get(f"{DESK}{signature.pk}/"), "return_to_review")
    page = decide(client, page, "reject:other")
    signature.refresh_from_db()
    assert signature.state == "rejected"
    assert list(signature.decisions.values_list("transition", flat=True)) == [
        "confirm_email", "approve", "return_to_review", "reject"]


def test_two_moderators_never_get_the_same_signature(
        client, moderator, second_moderator, petition, parties):
    first = confirmed(petition, parties["PS"], 1, minutes_ago=10)
    second = confirmed(petition, parties["PS"], 2, minutes_ago=5)
    client.force_login(moderator)
    assert client.get(DESK).context["signature"] == first
    from django.test import Client

    other = Client()
    other.force_login(second_moderator)
    assert other.get(DESK).context["signature"] == second
    # Reloading keeps each on their own.
    assert client.get(DESK).context["signature"] == first
    # A decision on a signature on someone else's desk is refused.
    page = other.get(f"{DESK}{first.pk}/")
    assert "l’a sur son bureau" in page.content.decode()
    decide(other, page, "approve")
    first.refresh_from_db()
    assert first.state == "email_confirmed"


def test_an_expired_lease_frees_the_signature(moderator, second_moderator, petition, parties):
    signature = confirmed(petition, parties["PS"], 1)
    assert claims.claim_next(moderator) == signature.pk
    assert claims.claim_next(second_moderator) is None
    DeskLease.objects.update(until=timezone.now() - timedelta(seconds=1))
    assert claims.claim_next(second_moderator) == signature.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_hand_out_distinct_signatures(petition, parties):
    from signatures.roles import ensure_moderators_group

    for n in range(6):
        confirmed(petition, parties["PS"], n, minutes_ago=10 - n)
    group = ensure_moderators_group()
    moderators = []
    for n in range(6):
        user = User.objects.create_user(f"m{n}@campagne.fr", is_staff=True)
        user.groups.add(group)
        moderators.append(user)
    handed, barrier = [], threading.Barrier(6)

    def claim(user):
        barrier.wait()
        try:
            handed.append(claims.claim_next(user))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in moderators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert None not in handed and len(set(handed)) == 6


def test_only_moderators_open_the_desk(client, db, petition, parties):
    staff = User.objects.create_user("staff@campagne.fr", password="pw-long-enough-2",
                                     is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_signature"))
    client.force_login(staff)
    assert client.get(DESK).status_code == 403
    assert client.get(f"{DESK}recommended/").status_code == 403
    client.logout()
    assert client.get(DESK).status_code == 302  # to the login (with its second factor)


def test_a_moderator_sees_their_own_numbers(client, moderator, petition, parties):
    approved = confirmed(petition, parties["PS"], 1)
    rejected = confirmed(petition, parties["PS"], 2)
    confirmed(petition, parties["PS"], 3, minutes_ago=3 * 60)
    approved.approve(moderator)
    rejected.reject(moderator, RejectionReason.objects.get(code="other"))
    client.force_login(moderator)
    numbers = client.get(DESK).context["numbers"]
    assert (numbers.decided_today, numbers.queue_size, numbers.approval_rate) == (2, 1, 50)
    html = client.get(DESK).content.decode()
    assert "Vous avez décidé 2 signatures aujourd’hui" in html
    assert "la plus ancienne depuis 3" in html
    assert "Vous avez approuvé 50" in html


def test_a_signature_just_confirmed_waited_less_than_a_minute(client, moderator, petition,
                                                                parties):
    confirmed(petition, parties["PS"], 1, minutes_ago=0)
    client.force_login(moderator)
    html = client.get(DESK).content.decode()
    assert "confirmée il y a moins d’une minute" in html
    assert "la plus ancienne depuis moins d’une minute" in html
    assert "0\xa0minute" not in html and "0 minute" not in html


def test_the_next_signature_loads_in_a_bounded_number_of_queries(
        client, moderator, petition, parties):
    for n in range(30):
        confirmed(petition, parties["PS"], n, minutes_ago=n)
    client.force_login(moderator)
    client.get(DESK)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DESK).status_code == 200
    assert len(queries) <= 20, [q["sql"] for q in queries]
    assert ModerationDecision.objects.filter(actor=moderator).count() == 0
