"""Campaign news: one outbox row per update and signer, sent at a pace that never
delays an email about a signature.

- `write_emails` freezes the audience when the moderator sends: one
  EmailChallenge(kind=update) per signer, under a unique constraint on
  (update, signature), so sending again (a double click, a restarted task)
  adds only those who were not there yet.
- `send_batch` is the only sender of those rows. It runs on the `news` queue,
  one at a time (a lock in the cache), sends at most NEWS_EMAILS_PER_MINUTE
  for a few seconds, then hands back how long to wait. Before every email it
  asks whether an email about a signature (confirmation, reminder, notice) is
  queued, being sent or due again; if one is, it stops and comes back later.
  So a worker slot busy with news is freed within one email, and confirmations
  never wait behind 50,000 news.
- Each row is sent by `delivery.deliver`, as challenges are: the same claim
  (exactly once), retries with backoff, dead claims taken back. The generic
  sweeper leaves these rows alone; beat runs `send_news` every minute instead,
  which resumes a send that a crash or an outage stopped.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from petition.heartbeats import process_name
from petition.models import Update
from signatures.models import Signature

from ..outbox import delivery
from ..outbox.models import EmailChallenge, claimable

BATCH_SECONDS = 5
# After yielding to a waiting confirmation, look again this much later.
YIELD_SECONDS = 1
LOCK = "news-sender"

State = EmailChallenge.State


def audience(update: Update, mandates=(), departements=()):
    """The signers an update goes to: approved, asked for news, optionally narrowed."""
    signatures = Signature.objects.receiving_news().filter(petition_id=update.petition_id)
    if mandates:
        signatures = signatures.filter(mandate__in=list(mandates))
    if departements:
        signatures = signatures.filter(departement__in=list(departements))
    return signatures


def write_emails(update: Update, mandates=(), departements=()) -> int:
    """One outbox row per recipient not written yet; returns how many were added."""
    before = update.emails.count()
    recipients = list(audience(update, mandates, departements).values_list("pk", "language"))
    EmailChallenge.objects.bulk_create(
        [EmailChallenge(signature_id=pk, kind=EmailChallenge.Kind.UPDATE, update=update,
                        language=language) for pk, language in recipients],
        batch_size=2000, ignore_conflicts=True)
    return update.emails.count() - before


def signature_emails_waiting(now=None) -> bool:
    """Is an email about a signature waiting for a worker? One indexed query."""
    now = now or timezone.now()
    return EmailChallenge.objects.about_signatures().filter(
        Q(state__in=[State.QUEUED, State.SENDING])
        | Q(state=State.DEFERRED, next_attempt_at__lte=now)).exists()


def due(now=None):
    """News rows to send now: queued, due again after a failure, or claimed by a dead worker."""
    now = now or timezone.now()
    return (EmailChallenge.objects.filter(kind=EmailChallenge.Kind.UPDATE)
            .filter(claimable(now))
            .filter(Q(state=State.QUEUED) | Q(state=State.DEFERRED, next_attempt_at__lte=now)
                    | Q(state=State.SENDING))
            .order_by("queued_at", "pk"))


def send_batch() -> float | None:
    """Send news for up to BATCH_SECONDS at the configured pace.

    Returns the seconds to wait before the next batch, or None when nothing is
    left (or another sender holds the lock and will go on).
    """
    if not cache.add(LOCK, process_name(), timeout=BATCH_SECONDS * 4):
        return None
    try:
        interval = 60 / max(1, settings.NEWS_EMAILS_PER_MINUTE)
        ids = list(due().values_list("pk", flat=True)[:max(1, int(BATCH_SECONDS / interval))])
        if not ids:
            return None
        start = time.monotonic()
        for position, pk in enumerate(ids):
            if signature_emails_waiting():
                return YIELD_SECONDS
            wait = start + position * interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            delivery.deliver(pk)
        return max(0.0, start + len(ids) * interval - time.monotonic())
    finally:
        cache.delete(LOCK)


def progress(update: Update) -> dict:
    """How many of an update's emails are in each state, for the admin."""
    counts = dict(update.emails.order_by().values_list("state").annotate(n=Count("id"))
                  .values_list("state", "n"))
    return {"total": sum(counts.values()),
            "sent": sum(counts.get(s, 0) for s in (State.SENT, State.DELIVERED)),
            "waiting": sum(counts.get(s, 0) for s in (State.QUEUED, State.SENDING,
                                                      State.DEFERRED)),
            "failed": sum(counts.get(s, 0) for s in (State.FAILED, State.BOUNCED,
                                                     State.COMPLAINED))}

