"""Celery entry points: each calls a tested function. Nothing in the app imports this
module but verification.queue (and Celery)."""

from celery import shared_task

from .desk import digest
from .domains import classify
from .floods.models import FloodAlert
from .news import sending as news
from .outbox import delivery
from .outbox.models import restart_due, write_reminders
from .register import matching


@shared_task(acks_late=True)
def send_challenge(challenge_id):
    """This row, and others of its kind waiting, in one batch (delivery.deliver_batch)."""
    for pk, outcome in delivery.deliver_batch(challenge_id).items():
        if outcome.retry_in is not None:
            send_challenge.apply_async((pk,), countdown=outcome.retry_in)


def publish(challenges) -> int:
    """Hand outbox rows to the worker once the transaction that wrote them commits."""
    for challenge in challenges:
        send_challenge.delay_on_commit(challenge.pk)
    return len(challenges)


def publish_then_check_register(challenge, signature_id):
    """A new signature's challenge and its register check, in one message to the broker
    (one publish per signing POST): the worker that ran send_challenge publishes
    check_register. Either may be lost with the broker; each has its sweeper
    (requeue_stale_challenges, queue_register_checks)."""
    send_challenge.apply_async_on_commit((challenge.pk,),
                                         link=check_register.si([signature_id]))


@shared_task
def requeue_stale_challenges():
    """Publish again every row that should be on its way; returns how many."""
    ids = restart_due()
    for pk in ids:
        send_challenge.delay(pk)
    return len(ids)


@shared_task
def send_reminders():
    return publish(write_reminders())


@shared_task(acks_late=True)
def send_news():
    """One paced batch of news, then the next one; beat restarts the chain if it breaks."""
    wait = news.send_batch()
    if wait is not None:
        send_news.apply_async(countdown=wait)


@shared_task
def report_floods():
    return FloodAlert.objects.report()


@shared_task
def recheck_unchecked_email_domains():
    return classify.recheck_unchecked()


@shared_task(acks_late=True)
def check_register(signature_ids):
    return matching.check(signature_ids)


@shared_task
def queue_register_checks(limit=None):
    """After an import, and from beat: signatures not checked against the latest files."""
    queued = 0
    for batch in matching.due_batches(limit):
        check_register.delay(batch)
        queued += len(batch)
    return queued


@shared_task
def send_review_digest():
    return digest.send_due()
