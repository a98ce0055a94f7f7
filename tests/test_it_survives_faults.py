"""Signing goes on while Redis is down or frozen, and the workers heal after any fault.

Real parts only: a redis-server of the test's own (killed with SIGKILL, frozen
with SIGSTOP), real `celery worker` (prefork) and `celery beat` processes on
the test database, a real SMTP server on loopback, PostgreSQL's own
pg_terminate_backend.
"""

import asyncio
import os
import signal
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from verification.models import EmailChallenge

from .conftest import wait_until

pytestmark = pytest.mark.worker


def letters(n):
    return "".join(chr(ord("a") + int(digit)) for digit in str(n))


def sign(client, signature_data, n):
    """One signer's POST and the page it leads to; returns (seconds, page)."""
    started = time.monotonic()
    response = client.post("/p/vsa-jo-2024/sign/", {
        **signature_data, "email": f"elu{n}@mairie-exemple.fr",
        "last_name": f"Dupont {letters(n)}"})
    assert response.status_code == 302, response.content.decode()[:500]
    page = client.get(response["Location"]).content.decode()
    return time.monotonic() - started, page


def each_got_exactly_one(mailbox, count, timeout=90):
    mailbox.wait_for(count, timeout=timeout)
    time.sleep(3)  # a late duplicate would arrive meanwhile
    recipients = [message["To"] for message in mailbox.messages]
    assert sorted(recipients) == sorted(f"elu{n}@mairie-exemple.fr" for n in range(count))


def sign_through_a_fault(signature_data, during, after):
    client = Client()
    # The process's first requests load templates and URLs: not what is measured.
    client.post("/p/vsa-jo-2024/sign/", {**signature_data, "consent": ""})
    client.get("/p/vsa-jo-2024/check-inbox/")
    seconds = []
    for n in range(12):
        if n == 3:
            during()
        if n == 9:
            after()
        elapsed, page = sign(client, signature_data, n)
        assert "Vérifiez votre boîte" in page
        seconds.append(elapsed)
    return seconds


@pytest.mark.parametrize("fault, recovery", [("kill", "start"), ("freeze", "thaw")],
                         ids=["redis-killed", "redis-frozen"])
def test_signing_goes_on_while_redis_fails_and_each_signer_gets_one_email(
        celery_processes, own_redis, smtp_server, petition, signature_data, fault, recovery):
    celery_processes.worker("w1", smtp_server.port)
    celery_processes.beat()
    celery_processes.wait_for_workers(2)
    seconds = sign_through_a_fault(signature_data, getattr(own_redis, fault),
                                   getattr(own_redis, recovery))
    assert max(seconds) < 1, seconds
    each_got_exactly_one(smtp_server, 12)


def test_the_public_page_is_served_while_redis_is_frozen(own_redis, petition, client):
    own_redis.freeze()
    for _ in range(3):
        started = time.monotonic()
        response = client.get("/p/vsa-jo-2024/")
        assert response.status_code == 200
        assert time.monotonic() - started < 1
        assert "X-Page-Cache" not in response  # bypassed, not served stale
    own_redis.thaw()


def queue_challenges(petition, party, count):
    """Signatures and their outbox rows, written at once and published: a backlog."""
    from django.utils import timezone

    from signatures.models import Signature
    from verification.tasks import send_challenge

    signatures = Signature.objects.bulk_create([
        Signature(petition=petition, civility="F", first_name="Anne", last_name=f"B {letters(n)}",
                  email=f"elu{n}@mairie-exemple.fr", email_normalised=f"elu{n}@mairie-exemple.fr",
                  email_domain="mairie-exemple.fr", mandate="mayor", locality="Lyon",
                  departement="69", party=party, consented_at=timezone.now())
        for n in range(count)])
    challenges = EmailChallenge.objects.bulk_create(
        [EmailChallenge(signature=signature) for signature in signatures])
    for challenge in challenges:
        send_challenge.delay(challenge.pk)
    return challenges


def test_a_worker_under_load_survives_redis_going_away(
        celery_processes, own_redis, smtp_server, petition, parties):

    worker = celery_processes.worker("w1", smtp_server.port)
    celery_processes.beat()
    celery_processes.wait_for_workers(2)
    count = 300
    queue_challenges(petition, parties["PS"], count)
    wait_until(lambda: len(smtp_server.messages) >= 20, timeout=60, message="sending started")
    own_redis.kill()
    assert len(smtp_server.messages) < count, "the backlog was gone before Redis"
    time.sleep(3)
    own_redis.start()
    # Rows lost with the queue are published again by beat's sweeper.
    each_got_exactly_one(smtp_server, count, timeout=120)
    assert worker.poll() is None, "the worker exited"
    assert "Unrecoverable error" not in worker.log.read_text()
    # Not asserted here (see the report of issue 18): that a message published
    # long after the drain is still consumed. Once in five runs it was not,
    # within 30 s: kombu's consumer can be left without its BRPOP after a loss.


class _FaultingHandler:
    """Accepts every message; in the middle of the n-th one, does harm to Redis (freezes or
    kills it), then holds its answer `hold` seconds.

    So the fault always finds the worker with a task in hand, whose ack will fail, or
    whose ack comes after the worker has noticed the loss and closed its channel.
    """

    def __init__(self, mailbox, fault, at, hold=0):
        self.mailbox, self.fault, self.at, self.hold = mailbox, fault, at, hold
        self.struck = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        from email import message_from_bytes, policy

        if len(self.mailbox.messages) + 1 == self.at:
            self.fault()
            self.struck.set()
            await asyncio.sleep(self.hold)
        with self.mailbox.arrived:
            self.mailbox.messages.append(
                message_from_bytes(envelope.original_content, policy=policy.default))
            self.mailbox.arrived.notify_all()
        return "250 OK"


def faulting_smtp_server(fault, at, hold=0):
    from aiosmtpd.controller import Controller

    from .conftest import Mailbox
    from .ports import free_port

    mailbox = Mailbox(port=free_port())
    handler = _FaultingHandler(mailbox, fault, at, hold)
    controller = Controller(handler, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    return mailbox, handler, controller


def test_a_worker_goes_on_consuming_after_redis_was_frozen_mid_send(
        celery_processes, own_redis, petition, parties):
    """Before petition/redis_transport.py, an ack made during the freeze failed and kept
    its prefetch slot: once a worker had as many failed acks as processes, it beat on
    but never took a message again, and the backlog stayed queued for good (the soak's
    976 of 1,000). One process here, so that one failed ack is enough."""
    from petition.settings import WORKER_BROKER_TIMEOUT

    mailbox, handler, controller = faulting_smtp_server(own_redis.freeze, at=6)
    try:
        worker = celery_processes.worker("w1", mailbox.port, concurrency=1)
        celery_processes.beat()  # its sweeper publishes again what a freeze took from the queue
        celery_processes.wait_for_workers(1)
        count = 60
        queue_challenges(petition, parties["PS"], count)
        assert handler.struck.wait(60), "sending never started"
        # Longer than the worker's socket timeouts: the ack of the email under way fails.
        time.sleep(WORKER_BROKER_TIMEOUT + 4)
        own_redis.thaw()
        thawed = time.monotonic()
        each_got_exactly_one(mailbox, count, timeout=60)
        assert time.monotonic() - thawed < 60
        assert "Couldn't ack" in worker.log.read_text()  # the freeze did hit an ack
        assert worker.poll() is None, "the worker exited"
    finally:
        controller.stop()


def test_a_task_that_ends_after_redis_was_killed_does_not_stop_the_worker(
        celery_processes, own_redis, petition, parties):
    """Redis killed while a task is sending, the task ending while the worker is without
    a broker, then Redis back: the worker goes on and every email leaves once.

    Under load, the fault tests once saw a worker ack such a task on the channel it had
    closed after the loss: kombu raised AttributeError and the worker exited with
    "Unrecoverable error" (petition/redis_transport.py now settles it locally). This
    test does not always hit that interleaving; the celery_processes fixture fails any
    test whose worker logs "Unrecoverable error"."""
    mailbox, handler, controller = faulting_smtp_server(own_redis.kill, at=3, hold=4)
    try:
        worker = celery_processes.worker("w1", mailbox.port, concurrency=1)
        celery_processes.beat()
        celery_processes.wait_for_workers(1)
        count = 10
        queue_challenges(petition, parties["PS"], count)
        assert handler.struck.wait(60), "sending never started"
        time.sleep(6)  # the held task has ended, on a channel already closed
        assert worker.poll() is None, "the worker exited"
        own_redis.start()
        each_got_exactly_one(mailbox, count, timeout=60)
        assert worker.poll() is None, "the worker exited"
    finally:
        controller.stop()


def terminate_other_connections():
    """Every connection of the worker and beat processes (not the test process's own threads')."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND application_name = 'celery-test'")
        return cursor.fetchone()[0]


def test_killed_database_connections_heal_without_a_restart(
        celery_processes, smtp_server, petition, signature_data):
    celery_processes.worker("w1", smtp_server.port)
    celery_processes.beat()
    celery_processes.wait_for_workers(2)
    client = Client()
    for n in range(5):
        sign(client, signature_data, n)
    smtp_server.wait_for(5, timeout=60)
    assert terminate_other_connections() >= 3  # the workers' children, their heartbeats, beat
    for n in range(5, 10):
        sign(client, signature_data, n)
    terminate_other_connections()
    for n in range(10, 15):
        sign(client, signature_data, n)
    each_got_exactly_one(smtp_server, 15, timeout=120)


class _StallingHandler:
    """The first message is held mid-DATA until released; then everything is accepted."""

    def __init__(self, mailbox):
        self.mailbox = mailbox
        self.stalled = threading.Event()
        self.release = asyncio.Event()

    async def handle_DATA(self, server, session, envelope):
        if not self.stalled.is_set():
            self.stalled.set()
            await self.release.wait()
            return "451 the client is gone anyway"
        with self.mailbox.arrived:
            self.mailbox.messages.append(envelope.rcpt_tos[0])
            self.mailbox.arrived.notify_all()
        return "250 OK"


def test_a_worker_killed_mid_send_is_replaced_by_another_within_minutes(
        celery_processes, petition, signature_data):
    from aiosmtpd.controller import Controller

    from .conftest import Mailbox
    from .ports import free_port

    mailbox = Mailbox(port=free_port())
    handler = _StallingHandler(mailbox)
    controller = Controller(handler, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        workers = [celery_processes.worker(name, mailbox.port, concurrency=1)
                   for name in ("w1", "w2")]
        celery_processes.beat()
        celery_processes.wait_for_workers(2)
        sign(Client(), signature_data, 0)
        assert handler.stalled.wait(30), "the email never reached the SMTP server"
        challenge = EmailChallenge.objects.get()
        assert challenge.state == "sending"
        pid = int(challenge.claimed_by.split(":")[1])
        sender = next(w for w in workers if os.getpgid(pid) == w.pid)
        os.killpg(sender.pid, signal.SIGKILL)  # the whole worker, mid-send
        controller.loop.call_soon_threadsafe(handler.release.set)
        started = time.monotonic()
        mailbox.wait_for(1, timeout=180)
        assert time.monotonic() - started < 180
        wait_until(lambda: EmailChallenge.objects.get().state == "sent", message="sent")
        assert EmailChallenge.objects.get().claimed_by != challenge.claimed_by
    finally:
        controller.stop()


def test_while_redis_is_down_the_rate_limits_still_stop_a_flood(
        own_redis, petition, signature_data, settings, dns_server):
    from signatures.models import Signature

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign-ip": (3, 3600)}
    own_redis.kill()
    asked_before = dns_server.queries_for("mairie-exemple.fr")
    client = Client()
    answers = [client.post("/p/vsa-jo-2024/sign/", {
        **signature_data, "email": f"flood{n}@mairie-exemple.fr",
        "last_name": f"Dupont {letters(n)}"}) for n in range(6)]
    assert [answer.status_code for answer in answers[:3]] == [302, 302, 302]
    assert all(answer.status_code == 200 for answer in answers[3:])  # the form again
    assert "Trop de signatures" in answers[-1].content.decode()
    assert Signature.objects.count() == 3
    # The domain was not asked of DNS without its cache: marked for beat to check.
    assert set(Signature.objects.values_list("email_domain_check", flat=True)) == {"unchecked"}
    assert dns_server.queries_for("mairie-exemple.fr") == asked_before
