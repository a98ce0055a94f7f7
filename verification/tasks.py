from celery import shared_task

from . import models
from .domains import classify as domains
from .outbox import delivery
from .register import matching as register


@shared_task(acks_late=True)
def send_challenge(challenge_id):
    outcome = delivery.deliver(challenge_id)
    if outcome and outcome.retry_in is not None:
        send_challenge.apply_async((challenge_id,), countdown=outcome.retry_in)


@shared_task
def requeue_stale_challenges():
    return delivery.requeue_due()


@shared_task
def send_reminders():
    return models.send_reminders()


@shared_task
def report_floods():
    return models.FloodAlert.objects.report()


@shared_task
def recheck_unchecked_email_domains():
    return domains.recheck_unchecked()


@shared_task(acks_late=True)
def check_register(signature_ids):
    return register.check(signature_ids)


@shared_task
def queue_register_checks(limit=None):
    """After an import, and from beat: signatures not checked against the latest files."""
    return register.queue_due_checks(limit)
