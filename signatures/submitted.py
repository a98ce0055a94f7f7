"""What a visitor's session remembers of their last submission, for "check your inbox".

The session is server-side: the visitor's cookie holds a random key, never these
values. Even so, the page must not tell an address that had signed from a new one,
so it shows only what happened from this submission on (`since`), and whatever
it says about the next email counts from what this visitor did, not from what
the address received.
"""

from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.utils import timezone

SIGNATURE, EMAIL, SINCE = "submitted_signature", "submitted_email", "submitted_since"
# Whether the submission made a new signature (False: the address had signed), what
# was typed (to correct the address without typing it all again), and when this
# visitor last caused an email.
CREATED, TYPED, LAST_EMAIL = "submitted_created", "submitted_form", "last_email_at"


def remember_submission(request, signature, email: str, since: datetime, typed: dict):
    """`since`: taken before the submission, so that its own email counts."""
    request.session[SIGNATURE] = signature.pk
    request.session[EMAIL] = email
    request.session[SINCE] = since.isoformat()
    request.session[CREATED] = signature.created_at >= since
    request.session[TYPED] = typed
    request.session[LAST_EMAIL] = since.isoformat()


def remember_email(request, email: str, at: datetime):
    request.session[EMAIL] = email
    request.session[LAST_EMAIL] = at.isoformat()


def submitted_email(request) -> str:
    return request.session.get(EMAIL, "")


def submission(request) -> tuple[int | None, datetime | None]:
    """The signature behind this visitor's last submission, and when it was made."""
    since = request.session.get(SINCE)
    return request.session.get(SIGNATURE), datetime.fromisoformat(since) if since else None


def typed_form(request) -> dict | None:
    return request.session.get(TYPED)


def own_signature_id(request) -> int | None:
    """The signature this visitor's submission created; None when it found one that
    another submission of the address had made (a correction must not withdraw that)."""
    return request.session.get(SIGNATURE) if request.session.get(CREATED) else None


def next_email_at(request, now=None) -> datetime | None:
    """Before this moment, asking again sends nothing: the resend cooldown, counted
    from the last email this visitor caused. None once it has passed."""
    last = request.session.get(LAST_EMAIL)
    if not last:
        return None
    at = datetime.fromisoformat(last) + timedelta(seconds=settings.RESEND_COOLDOWN_SECONDS)
    return at if at > (now or timezone.now()) else None


def forget_expired_sessions() -> None:
    """Sessions hold the address a visitor typed: expired ones are deleted (hourly, by beat)."""
    # The configured engine's store (petition.web.sessions), as `clearsessions` does.
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
