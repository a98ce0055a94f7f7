"""The emails to a signer: one small function per kind, each giving its template
what it needs. Templates are subject/text/HTML trios on emails/base.*."""

from email.utils import make_msgid

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator

from signatures.models import Signature

from .mime import OutboxEmail
from .models import EmailChallenge

SUBJECT_MAX_CHARS = 79


def _message(challenge: EmailChallenge, template: str, **context) -> OutboxEmail:
    signature = challenge.signature
    petition = signature.petition
    with translation.override(challenge.language):
        context = {
            "signature": signature,
            "petition": petition,
            "petition_url": petition.absolute_url(),
            "withdraw_url": settings.SITE_URL + reverse(
                "withdraw", args=[signature.withdrawal_token()]),
            # Every email lets the signer change their choice of campaign news.
            "news_url": _news_link(signature, "news_preferences", "preferences"),
            **context,
        }
        # Subjects are one line: a newline here would be a header injection.
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        # Under 80 characters, as mail clients show them, however long the title.
        subject = Truncator(subject).chars(SUBJECT_MAX_CHARS)
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or None
    message = OutboxEmail(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[signature.email],
        reply_to=[petition.contact_email] if petition.contact_email else None,
        headers={"Message-ID": make_msgid(domain=domain), "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _news_link(signature, view: str, purpose: str) -> str:
    return settings.SITE_URL + reverse(view, args=[signature.news_token(purpose)])


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


def update(challenge, token):
    """Campaign news, to a signer who asked for them: with RFC 8058 one-click unsubscription
    (mail programs show an "Unsubscribe" button that POSTs to the link)."""
    news = challenge.update
    with translation.override(challenge.language):
        unsubscribe_url = _news_link(challenge.signature, "news_unsubscribe", "unsubscribe")
        news_page_url = news.petition.absolute_url() + "#news"
        title, body, body_html = news.title, news.body, news.body_html
    message = _message(challenge, "emails/update", update_title=title, update_text=body,
                       update_html=body_html, unsubscribe_url=unsubscribe_url,
                       news_page_url=news_page_url)
    message.extra_headers.update({
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "bulk",
    })
    return message


BY_KIND = {
    EmailChallenge.Kind.CONFIRM: confirm,
    EmailChallenge.Kind.REMINDER: confirm,
    EmailChallenge.Kind.ALREADY_SIGNED: already_signed,
    EmailChallenge.Kind.APPROVED: approved,
    EmailChallenge.Kind.REJECTED: rejected,
    EmailChallenge.Kind.UPDATE: update,
}


def build_message(challenge: EmailChallenge, token: str) -> OutboxEmail:
    return BY_KIND[challenge.kind](challenge, token)


def update_test(news, language: str, user) -> OutboxEmail:
    """The update as a signer would get it, for the moderator who writes it. The made-up
    signer has no id, so its links lead to the "not valid" pages."""
    signature = Signature(petition=news.petition, first_name=user.get_full_name() or user.email,
                          last_name="", email=user.email, language=language)
    challenge = EmailChallenge(signature=signature, kind=EmailChallenge.Kind.UPDATE,
                               update=news, language=language)
    message = update(challenge, "")
    message.subject = f"[TEST {language.upper()}] {message.subject}"
    return message
