"""Sending outbox rows: claim them, build each message, send it, record its outcome."""

import logging
import smtplib
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import mailers
from django.db import InterfaceError, OperationalError, connection

from .emails import build_message
from .models import EmailChallenge, claim_batch, release

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


# A worker handed one row takes up to this many more of its kind that wait in the
# queue: one claim and one read for them all, instead of two statements an email.
# Their own tasks then find them claimed. Each row's outcome is still recorded as
# soon as it is sent (a crash can send at most one email twice, as before), and
# a row claimed but never tried goes back to the queue.
BATCH_OTHERS = 19
# Only rows that have waited this long are taken into another's batch: until
# then, a row's own task is on its way, and another thread sends it at the same
# time instead of after the batch's others. Waits that long only when the
# workers are behind, which is when batches pay.
BATCH_AFTER = timedelta(seconds=1)


class _TakenHere:
    """The rows this process has claimed, minus those it deferred or gave back.

    A task handed one of them has nothing to do (its claim could only fail),
    and skips the database: after a burst, most tasks are for rows that went
    out in a batch. Only the latest `size` are kept; a task for a forgotten
    one costs a claim that finds nothing, as without this.
    """

    def __init__(self, size):
        self.size = size
        self.ids = OrderedDict()
        self.lock = threading.Lock()

    def __contains__(self, pk):
        return pk in self.ids

    def add(self, ids):
        with self.lock:
            self.ids.update(dict.fromkeys(ids))
            while len(self.ids) > self.size:
                self.ids.popitem(last=False)

    def discard(self, ids):
        with self.lock:
            for pk in ids:
                self.ids.pop(pk, None)


_taken_here = _TakenHere(50_000)


def deliver(challenge_id: int) -> Outcome | None:
    """Send this row alone, if this caller can claim it. Returns None if it could not."""
    return deliver_batch(challenge_id, others=0).get(challenge_id)


def deliver_batch(challenge_id: int, others: int = BATCH_OTHERS) -> dict[int, Outcome]:
    """Send this row, if it can be claimed, and up to `others` more of its kind that have
    waited BATCH_AFTER at least.

    Returns the outcome of each row claimed, in the order they were sent.
    """
    _give_back_left_over()
    if challenge_id in _taken_here:
        return {}
    tokens = claim_batch(challenge_id, others, waited=BATCH_AFTER)
    if not tokens:
        return {}
    _taken_here.add(tokens)
    order = list(tokens)
    outcomes = {}
    tried = 0
    went_out = False  # whether the email of the row being tried has gone out
    try:
        challenges = EmailChallenge.objects.select_related(
            "signature__petition", "update").in_bulk(order)
        for pk in order:
            tried += 1
            went_out = False
            if pk not in challenges:  # its signature was deleted since the claim
                continue
            challenge = challenges[pk]
            outcome = _try_to_send(challenge, tokens[pk])
            if isinstance(outcome, str):  # the message id: it has gone out
                went_out = True
                challenge.mark_sent(outcome)
                outcome = Outcome(challenge.state)
            elif outcome.retry_in is not None:
                _taken_here.discard([pk])  # its retry will claim it again
            outcomes[pk] = outcome
    except (OperationalError, InterfaceError):
        # The database went away (the task is retried): a row whose email had not
        # gone out is given back with the rest; one that had gone out stays claimed,
        # since sending it again would send it twice.
        if not went_out:
            tried = max(0, tried - 1)
        raise
    finally:
        # Any other error (a bug) leaves the row it met claimed, so that it cannot
        # stop every batch after this one; the rows after it were never tried and
        # go back to the queue.
        if untried := order[tried:]:
            _give_back(untried)
    return outcomes


# Rows that could not be given back (the database was away): a live process's
# claims are never taken from it, so this process gives them back itself, before
# its next batch.
_left_over = set()
_left_over_lock = threading.Lock()


def _give_back(ids):
    try:
        if not connection.in_atomic_block:  # (an eager task inside a request: leave it)
            connection.close_if_unusable_or_obsolete()  # one the error broke is replaced
        release(ids)
        _taken_here.discard(ids)
    except Exception:
        logger.warning("Could not give back %s unsent challenges; will retry", len(ids),
                       exc_info=True)
        with _left_over_lock:
            _left_over.update(ids)


def _give_back_left_over():
    if not _left_over:
        return
    with _left_over_lock:
        ids = set(_left_over)
        _left_over.clear()
    _give_back(ids)


def _try_to_send(challenge: EmailChallenge, token: str) -> Outcome | str:
    """The message id of the email once it has gone out (not recorded yet), or the
    recorded outcome of a failure."""
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
    return str(message_id)
