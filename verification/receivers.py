from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from petition.web import pagecache
from signatures.models import Signature
from signatures.signals import email_domain_checking, signature_submitted, signatures_moved

from . import queue
from .domains.classify import describe_email_domain, reclassify
from .domains.models import DomainRule
from .outbox.models import EmailChallenge, may_email_again
from .register.models import FarRightNuance


@receiver(email_domain_checking)
def check_the_email_domain(sender, domain, **kwargs):
    return describe_email_domain(domain)


@receiver(signature_submitted)
def email_the_signer_and_check_the_register(sender, signature, duplicate, language, **kwargs):
    """The challenge (or the already-signed notice) and, for a new signature, a look in
    the register once it is committed: one message to the broker for both.

    If the broker is down, the challenge waits for its sweeper, and the signature stays
    unchecked until beat's queue_register_checks picks it up.
    """
    if not duplicate and signature.state != Signature.State.PENDING_EMAIL:
        # Confirmed on the campaign's evidence (signatures.intake): nothing to confirm.
        queue.register_check(signature.pk)
        return
    if duplicate and not may_email_again(signature):
        return  # re-submitting someone's address must not flood their mailbox
    kind = EmailChallenge.Kind.ALREADY_SIGNED if duplicate else EmailChallenge.Kind.CONFIRM
    queue.email(signature, kind, language, then_check_register=not duplicate)


NOTICES = {
    "approve": ("NOTIFY_SIGNER_ON_APPROVAL", EmailChallenge.Kind.APPROVED),
    "reject": ("NOTIFY_SIGNER_ON_REJECTION", EmailChallenge.Kind.REJECTED),
}


@receiver(signatures_moved)
def cancel_links_of_rejected_signatures(sender, ids, transition, **kwargs):
    """A flood rejected before it confirmed, or a mistyped address withdrawn: their
    queued links are never sent."""
    if transition in CANCELLED_BY:
        EmailChallenge.objects.filter(
            signature_id__in=ids, kind=EmailChallenge.Kind.CONFIRM,
            state__in=[EmailChallenge.State.QUEUED, EmailChallenge.State.DEFERRED],
        ).update(state=EmailChallenge.State.FAILED,
                 last_error=f"cancelled: signature {CANCELLED_BY[transition]}")


CANCELLED_BY = {"reject": "rejected", "withdraw": "withdrawn"}


@receiver(signatures_moved)
def tell_the_signer_of_the_decision(sender, ids, transition, **kwargs):
    setting, kind = NOTICES.get(transition, (None, None))
    if setting and getattr(settings, setting):
        queue.emails(ids, kind)


@receiver(post_save, sender=DomainRule)
def reclassify_after_saving_a_rule(sender, instance, **kwargs):
    pagecache.changed()  # the signing path keeps each domain's kind by version
    reclassify({instance.pattern, getattr(instance, "replaced_pattern", None) or instance.pattern})


@receiver(post_delete, sender=DomainRule)
def reclassify_after_deleting_a_rule(sender, instance, **kwargs):
    pagecache.changed()
    reclassify({instance.pattern})


@receiver(post_save, sender=FarRightNuance)
def flag_signers_of_a_far_right_nuance(sender, instance, **kwargs):
    """A code added to the table flags at once the signers whose line carries it."""
    Signature.objects.filter(register_nuance=instance.code,
                             register_nuance_cleared_at__isnull=True).update(
        register_nuance_flag=True)


@receiver(post_delete, sender=FarRightNuance)
def unflag_signers_of_a_removed_nuance(sender, instance, **kwargs):
    Signature.objects.filter(register_nuance=instance.code).update(register_nuance_flag=False)
