"""Writing outbox rows and handing work to the worker, for receivers and views.

It sits above tasks: models and services never import tasks, this module does.
"""

from signatures.models import Signature, normalise_email

from . import tasks
from .outbox.models import EmailChallenge, may_email_again, write_challenges


def email(signature: Signature, kind: str, language: str) -> EmailChallenge:
    """Write the outbox row; publish it to the worker once the transaction commits."""
    challenge = EmailChallenge.objects.create(signature=signature, kind=kind, language=language)
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


def register_check(signature_id: int):
    """Look the signer up in the register once the signature is committed."""
    tasks.check_register.delay_on_commit([signature_id])
