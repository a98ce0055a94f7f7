from django.conf import settings
from django.dispatch import receiver

from signatures.models import Signature
from signatures.signals import signature_submitted, signatures_moved

from .domains import domain_kind
from .models import EmailChallenge, may_email_again, queue_email, queue_emails


@receiver(signature_submitted)
def email_the_signer(sender, signature, duplicate, language, **kwargs):
    if not duplicate:
        signature.email_domain_kind = domain_kind(signature.email_domain)
        Signature.objects.filter(pk=signature.pk).update(
            email_domain_kind=signature.email_domain_kind)
    elif not may_email_again(signature):
        return  # re-submitting someone's address must not flood their mailbox
    kind = EmailChallenge.Kind.ALREADY_SIGNED if duplicate else EmailChallenge.Kind.CONFIRM
    queue_email(signature, kind, language)


NOTICES = {
    "approve": ("NOTIFY_SIGNER_ON_APPROVAL", EmailChallenge.Kind.APPROVED),
    "reject": ("NOTIFY_SIGNER_ON_REJECTION", EmailChallenge.Kind.REJECTED),
}


@receiver(signatures_moved)
def tell_the_signer_of_the_decision(sender, ids, transition, **kwargs):
    setting, kind = NOTICES.get(transition, (None, None))
    if setting and getattr(settings, setting):
        queue_emails(ids, kind)
