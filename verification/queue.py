"""Writing outbox rows and handing work to the worker, for receivers and views.

It sits above tasks: models and services never import tasks, this module does.
"""

from django.db import transaction
from django.utils import timezone

from signatures.models import Signature, normalise_email

from . import tasks
from .news import sending as news
from .outbox.models import EmailChallenge, may_email_again, write_challenges


def email(signature: Signature, kind: str, language: str, *,
          then_check_register=False) -> EmailChallenge:
    """Write the outbox row; publish it to the worker once the transaction commits
    (`then_check_register`: with the signer's register check, in the same message)."""
    challenge = EmailChallenge.objects.create(signature=signature, kind=kind, language=language)
    if then_check_register:
        tasks.publish_then_check_register(challenge, signature.pk)
    else:
        tasks.publish([challenge])
    return challenge


def emails(signature_ids, kind: str) -> int:
    """The bulk form of `email`, for moderation actions on many rows."""
    return tasks.publish(write_challenges(signature_ids, kind))


def request_new_email(petition, address: str, language: str) -> EmailChallenge | None:
    """The signer asks for the email again. Silent when nobody signed with it."""
    signature = Signature.objects.live().filter(
        petition=petition, email_normalised=normalise_email(address)).first()
    if signature is None or not may_email_again(signature):
        return None
    if signature.state == Signature.State.PENDING_EMAIL:
        return email(signature, EmailChallenge.Kind.CONFIRM, language)
    return email(signature, EmailChallenge.Kind.ALREADY_SIGNED, language)


def send_update(update, mandates=(), departements=()) -> int:
    """Publish the update and write its emails (idempotent: each signer once), in one
    transaction; the news sender starts once it commits (or beat starts it, within a
    minute, if the broker is away). Returns how many emails were added."""
    with transaction.atomic():
        if update.published_at is None:
            update.published_at = timezone.now()
            update.save(update_fields=["published_at"])
        written = news.write_emails(update, mandates, departements)
    tasks.send_news.delay_on_commit()
    return written


def register_check(signature_id: int):
    """Look the signer up in the register once the signature is committed."""
    tasks.check_register.delay_on_commit([signature_id])
