"""What a visitor's session remembers of their last submission, for "check your inbox".

The session is server-side: the visitor's cookie holds a random key, never these
values. Even so, the page must not tell an address that had signed from a new one,
so it shows only what happened from this submission on (`since`).
"""

from datetime import datetime

from django.contrib.sessions.backends.db import SessionStore

SIGNATURE, EMAIL, SINCE = "submitted_signature", "submitted_email", "submitted_since"


def remember_submission(request, signature, email: str, since: datetime):
    """`since`: taken before the submission, so that its own email counts."""
    request.session[SIGNATURE] = signature.pk
    request.session[EMAIL] = email
    request.session[SINCE] = since.isoformat()


def remember_email(request, email: str):
    request.session[EMAIL] = email


def submitted_email(request) -> str:
    return request.session.get(EMAIL, "")


def submission(request) -> tuple[int | None, datetime | None]:
    """The signature behind this visitor's last submission, and when it was made."""
    since = request.session.get(SINCE)
    return request.session.get(SIGNATURE), datetime.fromisoformat(since) if since else None


def forget_expired_sessions() -> None:
    """Sessions hold the address a visitor typed: expired ones are deleted (hourly, by beat)."""
    SessionStore.clear_expired()
