"""A worker handed one email takes the others of its kind that wait, and still sends
each one once, with its own link, and records each as soon as it has gone."""


import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from signatures.models import Signature
from verification.models import EmailChallenge
from verification.outbox import delivery, emails

from .conftest import link_in


def sign_three(client, signature_data):
    for n, last_name in enumerate(["Dupont", "Durand", "Martin"]):
        client.post("/p/vsa-jo-2024/sign/", {**signature_data, "last_name": last_name,
                                             "email": f"elue{n}@mairie-exemple.fr"})
    return list(EmailChallenge.objects.order_by("pk"))


@pytest.fixture
def three_signed(client, petition, signature_data):
    """Three confirmations that have waited long enough to be taken into a batch."""
    with time_machine.travel(timezone.now() - delivery.BATCH_AFTER * 2, tick=True):
        return sign_three(client, signature_data)


def test_emails_just_queued_are_left_to_their_own_tasks(
        client, petition, signature_data, smtp_server):
    first, second, third = sign_three(client, signature_data)
    # Their tasks are on their way: other threads send them at the same time.
    assert list(delivery.deliver_batch(first.pk)) == [first.pk]
    with time_machine.travel(timezone.now() + delivery.BATCH_AFTER * 2, tick=True):
        # Still waiting a second later: the workers are behind, a batch takes them.
        assert list(delivery.deliver_batch(second.pk)) == [second.pk, third.pk]


def path_of(link):
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_one_task_sends_the_waiting_emails_each_once_with_its_own_link(
        client, three_signed, smtp_server):
    first, *others = three_signed
    outcomes = delivery.deliver_batch(first.pk)
    assert list(outcomes) == [c.pk for c in three_signed]  # its own first, then the oldest
    assert {o.state for o in outcomes.values()} == {"sent"}
    smtp_server.wait_for(3)
    # The tasks of the other two find them sent: nothing goes twice.
    assert delivery.deliver_batch(others[0].pk) == {}
    assert delivery.deliver(others[1].pk) is None
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "elue0@mairie-exemple.fr", "elue1@mairie-exemple.fr", "elue2@mairie-exemple.fr"]
    # Each row knows its own message (provider events find it), each link its signature.
    for message in smtp_server.messages:
        challenge = EmailChallenge.objects.get(message_id=message["Message-ID"])
        assert challenge.signature.email == message["To"]
        assert challenge.attempts == 1
        client.post(path_of(link_in(message)))
        assert Signature.objects.get(pk=challenge.signature_id).state == "email_confirmed"
    assert set(Signature.objects.values_list("email_delivery", flat=True)) == {"sent"}


def test_a_batch_costs_one_claim_one_read_and_one_write_per_email(three_signed, smtp_server):
    with CaptureQueriesContext(connection) as queries:
        delivery.deliver_batch(three_signed[0].pk)
    assert len(queries) == 1 + 1 + 3
    # The tasks of the rows this process sent in the batch ask nothing more.
    with CaptureQueriesContext(connection) as queries:
        assert delivery.deliver_batch(three_signed[1].pk) == {}
    assert len(queries) == 0


def test_a_temporary_refusal_defers_each_row_of_the_batch_with_its_own_retry(
        three_signed, smtp_server):
    smtp_server.refuse_with = (451, "4.7.1 Try again later")
    outcomes = delivery.deliver_batch(three_signed[0].pk)
    assert {o.state for o in outcomes.values()} == {"deferred"}
    assert all(20 <= o.retry_in <= 40 for o in outcomes.values())
    assert set(EmailChallenge.objects.values_list("state", "attempts")) == {("deferred", 1)}
    smtp_server.refuse_with = None
    # A deferred row is not taken with the others: its own retry sends it.
    assert list(delivery.deliver_batch(three_signed[1].pk)) == [three_signed[1].pk]
    smtp_server.wait_for(1)


def fail_building(monkeypatch, failing, error):
    """Building `failing`'s email raises `error`; the others build as usual. Returns the
    real builder, to put back."""
    real = emails.build_message

    def build(challenge, token):
        if challenge.pk == failing.pk:
            raise error
        return real(challenge, token)

    monkeypatch.setattr(delivery, "build_message", build)
    return real


def test_an_error_mid_batch_gives_the_untried_rows_back_to_the_queue(
        three_signed, smtp_server, monkeypatch):
    real = fail_building(monkeypatch, three_signed[1], RuntimeError("a broken template"))
    with pytest.raises(RuntimeError):
        delivery.deliver_batch(three_signed[0].pk)
    states = dict(EmailChallenge.objects.values_list("pk", "state"))
    assert [states[c.pk] for c in three_signed] == ["sent", "sending", "queued"]
    untried = EmailChallenge.objects.get(pk=three_signed[2].pk)
    assert (untried.attempts, untried.claimed_by, untried.token_hash) == (0, "", None)
    monkeypatch.setattr(delivery, "build_message", real)
    # Its own task sends it (the broken one stays with its live worker).
    assert list(delivery.deliver_batch(three_signed[2].pk)) == [three_signed[2].pk]
    assert len(smtp_server.messages) == 2


def test_a_database_lost_before_an_email_went_out_gives_it_back_with_the_rest(
        three_signed, smtp_server, monkeypatch):
    from django.db import OperationalError

    real = fail_building(monkeypatch, three_signed[1],
                         OperationalError("server closed the connection unexpectedly"))
    with pytest.raises(OperationalError):  # the task is retried (OutboxTask.autoretry_for)
        delivery.deliver_batch(three_signed[0].pk)
    states = dict(EmailChallenge.objects.values_list("pk", "state"))
    assert [states[c.pk] for c in three_signed] == ["sent", "queued", "queued"]
    monkeypatch.setattr(delivery, "build_message", real)
    assert list(delivery.deliver_batch(three_signed[1].pk)) == [c.pk for c in three_signed[1:]]
    assert len(smtp_server.messages) == 3


def test_campaign_news_are_never_taken_into_a_batch(three_signed, smtp_server):
    from petition.models import Update

    update = Update.objects.create(petition=three_signed[0].signature.petition,
                                   title_fr="Nouvelles", body_fr="Du texte.")
    news = EmailChallenge.objects.create(signature=three_signed[1].signature,
                                         kind=EmailChallenge.Kind.UPDATE, update=update)
    notice = EmailChallenge.objects.create(signature=three_signed[2].signature,
                                           kind=EmailChallenge.Kind.ALREADY_SIGNED)
    sent = delivery.deliver_batch(three_signed[0].pk)
    assert list(sent) == [c.pk for c in three_signed]  # confirmations only
    news.refresh_from_db()
    notice.refresh_from_db()
    assert (news.state, notice.state) == ("queued", "queued")
