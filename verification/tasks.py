from celery import shared_task

from . import delivery, models


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
