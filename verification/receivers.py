from django.dispatch import receiver

from signatures.signals import signature_submitted

from .models import EmailChallenge, queue_email


@receiver(signature_submitted)
def email_the_signer(sender, signature, duplicate, language, **kwargs):
    kind = EmailChallenge.Kind.ALREADY_SIGNED if duplicate else EmailChallenge.Kind.CONFIRM
    queue_email(signature, kind, language)
