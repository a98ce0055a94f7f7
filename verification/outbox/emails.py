"""The emails to a signer: one small function per kind, each giving its template
what it needs. Templates are subject/text/HTML trios on emails/base.*."""

from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator

from .models import EmailChallenge

SUBJECT_MAX_CHARS = 79


def _message(challenge: EmailChallenge, template: str, **context) -> EmailMultiAlternatives:
    signature = challenge.signature
    petition = signature.petition
    with translation.override(challenge.language):
        context = {
            "signature": signature,
            "petition": petition,
            "petition_url": petition.absolute_url(),
            "withdraw_url": settings.SITE_URL + reverse(
                "withdraw", args=[signature.withdrawal_token()]),
            **context,
        }
        # Subjects are one line: a newline here would be a header injection.
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        # Under 80 characters, as mail clients show them, however long the title.
        subject = Truncator(subject).chars(SUBJECT_MAX_CHARS)
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or None
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[signature.email],
        reply_to=[petition.contact_email] if petition.contact_email else None,
        headers={"Message-ID": make_msgid(domain=domain), "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def confirm(challenge, token):
    """The link that confirms a signature (and, once, its reminder)."""
    return _message(challenge, "emails/confirm",
                    confirm_url=settings.SITE_URL + reverse("confirm", args=[token]),
                    ttl_days=settings.CHALLENGE_TOKEN_TTL_DAYS,
                    is_reminder=challenge.kind == EmailChallenge.Kind.REMINDER)


def already_signed(challenge, token):
    """Someone signed again with an address that has signed: no link, a way to get one."""
    petition = challenge.signature.petition
    return _message(challenge, "emails/already_signed",
                    resend_url=petition.absolute_url(reverse("resend", args=[petition.slug])))


def approved(challenge, token):
    petition = challenge.signature.petition
    return _message(challenge, "emails/approved", signatories_url=petition.absolute_url(
        reverse("signatories", args=[petition.slug])))


def rejected(challenge, token):
    return _message(challenge, "emails/rejected")


BY_KIND = {
    EmailChallenge.Kind.CONFIRM: confirm,
    EmailChallenge.Kind.REMINDER: confirm,
    EmailChallenge.Kind.ALREADY_SIGNED: already_signed,
    EmailChallenge.Kind.APPROVED: approved,
    EmailChallenge.Kind.REJECTED: rejected,
}


def build_message(challenge: EmailChallenge, token: str) -> EmailMultiAlternatives:
    return BY_KIND[challenge.kind](challenge, token)
