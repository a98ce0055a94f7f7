"""Sending one outbox row: build the message, send it, record the outcome."""

import logging
import smtplib
import socket
import threading
import time
from dataclasses import dataclass

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import mailers

from .emails import build_message
from .models import EmailChallenge

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    state: str
    retry_in: int | None = None


# One open connection to the mailer per worker thread, reused from one email
# to the next: an SMTP handshake (and TLS, and login) costs more than sending
# a message. It is renewed after a number of messages, since servers cap
# messages per connection, after a pause, since servers drop idle ones, and
# after any error, since its state is then unknown.
MESSAGES_PER_CONNECTION = 100
IDLE_SECONDS = 10
_local = threading.local()


@dataclass
class _OpenMailer:
    backend: object
    config: str
    sent: int = 0
    used_at: float = 0.0


def _open_mailer() -> _OpenMailer:
    config = repr(settings.MAILERS["default"])  # a changed setting gets a new connection
    current = getattr(_local, "mailer", None)
    if current is not None and (current.config != config
                                or current.sent >= MESSAGES_PER_CONNECTION
                                or time.monotonic() - current.used_at > IDLE_SECONDS):
        close_mailer()
        current = None
    if current is None:
        backend = mailers["default"]
        backend.open()
        current = _local.mailer = _OpenMailer(backend, config, used_at=time.monotonic())
    return current


def close_mailer():
    current = getattr(_local, "mailer", None)
    _local.mailer = None
    if current is not None:
        try:
            current.backend.close()
        except Exception:  # the connection is being dropped anyway
            logger.debug("Closing the mail connection failed", exc_info=True)


def send(message) -> None:
    """Send through this thread's open connection; an error closes it."""
    mailer = _open_mailer()
    try:
        mailer.backend.send_messages([message])
    except Exception:
        close_mailer()
        raise
    mailer.sent += 1
    mailer.used_at = time.monotonic()


def is_temporary(error: Exception) -> bool:
    """4xx SMTP replies, network trouble and provider 5xx are worth retrying."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, AnymailRecipientsRefused):
        return False
    if isinstance(error, AnymailAPIError):
        status = getattr(error, "status_code", None)
        return status is None or status >= 500 or status == 429
    return isinstance(error, (smtplib.SMTPException, socket.error, TimeoutError))


def deliver(challenge_id: int) -> Outcome | None:
    """Send the row if this caller can claim it. Returns None if it could not."""
    challenge = EmailChallenge.objects.select_related("signature__petition", "update").get(
        pk=challenge_id)
    token = challenge.claim()
    if token is None:
        return None
    if not challenge.still_wanted():
        challenge.mark_failed("cancelled: no longer asks for news")
        return Outcome(challenge.state)
    message = build_message(challenge, token)
    try:
        send(message)
    except Exception as error:
        description = f"{type(error).__name__}: {error}"
        if is_temporary(error):
            retry_in = challenge.mark_deferred(description)
            logger.warning("Challenge %s deferred: %s", challenge.pk, description)
            return Outcome(challenge.state, retry_in)
        challenge.mark_failed(description)
        logger.warning("Challenge %s failed: %s", challenge.pk, description)
        return Outcome(challenge.state)
    # The provider's id when anymail reports one (webhooks refer to it), else ours.
    status = getattr(message, "anymail_status", None)
    provider_id = status.message_id if status is not None else None
    message_id = provider_id if provider_id is not None else message.extra_headers["Message-ID"]
    challenge.mark_sent(str(message_id))
    return Outcome(challenge.state)
