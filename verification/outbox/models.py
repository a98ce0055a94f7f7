"""The outbox: one row per email to a signer, and the provider's delivery events."""

import hashlib
import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petition.heartbeats import process_name
from petition.models import Heartbeat, Update
from signatures.models import Signature


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class EmailChallengeQuerySet(models.QuerySet):
    def by_token(self, token: str):
        """The challenge a token belongs to, or None. Only hashes are stored."""
        if not token or len(token) > 100:
            return None
        return self.filter(token_hash=hash_token(token)).select_related(
            "signature", "signature__petition").first()

    def about_signatures(self):
        """Every email but campaign news, which the news sender paces (verification.news)."""
        return self.filter(kind__in=EmailChallenge.SIGNATURE_KINDS)

    def due(self, now=None):
        """Rows that should be on their way but may have been lost."""
        now = now or timezone.now()
        stale = now - timedelta(seconds=settings.CHALLENGE_REQUEUE_AFTER_SECONDS)
        return self.about_signatures().filter(claimable(now)).filter(
            # A queued row published again by the sweeper waits anew (next_attempt_at),
            # so that a slow worker is not flooded with copies.
            Q(state=EmailChallenge.State.QUEUED, queued_at__lte=stale)
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=stale))
            | Q(state=EmailChallenge.State.DEFERRED, next_attempt_at__lte=now)
            | Q(state=EmailChallenge.State.SENDING))

    def oldest_waiting_since(self):
        """When the oldest row still waiting for a worker was queued (None: none waits)."""
        # A paced backlog of news is not late.
        return (self.about_signatures().filter(state=EmailChallenge.State.QUEUED)
                .order_by("queued_at")
                .values_list("queued_at", flat=True).first())


def claimable(now) -> Q:
    """Rows a worker may take: waiting ones, and those whose worker died mid-send.

    A row being sent names the process that claimed it. It is taken back when
    both its claim and that process's last heartbeat are older than
    CHALLENGE_STUCK_SENDING_SECONDS: a process that still beats is sending,
    however slowly. A row claimed by no known process (eager tasks) only
    waits out the delay.
    """
    stuck = now - timedelta(seconds=settings.CHALLENGE_STUCK_SENDING_SECONDS)
    alive = Heartbeat.objects.workers_seen_since(stuck).values("name")
    return (Q(state__in=[EmailChallenge.State.QUEUED, EmailChallenge.State.DEFERRED])
            # A worker that died between claiming and recording: at least once.
            | (Q(state=EmailChallenge.State.SENDING, claimed_at__lte=stuck)
               & ~Q(claimed_by__in=alive)))


class EmailChallenge(models.Model):
    """One email to a signer, kept as an outbox row until it is delivered."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("confirmation request")
        ALREADY_SIGNED = "already_signed", _("already signed notice")
        REMINDER = "reminder", _("confirmation reminder")
        APPROVED = "approved", _("approval notice")
        REJECTED = "rejected", _("rejection notice")
        UPDATE = "update", _("campaign update")

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        DEFERRED = "deferred", _("deferred (temporary failure)")
        FAILED = "failed", _("failed")
        BOUNCED = "bounced", _("bounced")
        COMPLAINED = "complained", _("complained")

    UNDELIVERABLE = (State.FAILED, State.BOUNCED)
    SIGNATURE_KINDS = sorted(set(Kind.values) - {Kind.UPDATE.value})

    signature = models.ForeignKey(Signature, on_delete=models.CASCADE,
                                  related_name="challenges")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CONFIRM)
    # For kind "update": which one. A signature gets each update once, however
    # often the send is started (the constraint below).
    update = models.ForeignKey(Update, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="emails", verbose_name=_("campaign update"))
    state = models.CharField(_("delivery state"), max_length=12, choices=State.choices,
                             default=State.QUEUED)
    language = models.CharField(_("language"), max_length=8, default="fr")
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.CharField(_("message id"), max_length=255, blank=True, db_index=True)

    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The worker process sending it (petition.heartbeats.process_name).
    claimed_by = models.CharField(_("claimed by"), max_length=200, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    used_at = models.DateTimeField(_("link used at"), null=True, blank=True)

    objects = EmailChallengeQuerySet.as_manager()

    class Meta:
        verbose_name = _("email challenge")
        verbose_name_plural = _("email challenges")
        indexes = [models.Index(fields=["state", "queued_at"], name="challenge_outbox"),
                   # The news sender's next rows, and its "are challenges waiting?".
                   models.Index(fields=["kind", "state", "queued_at"], name="outbox_by_kind")]
        constraints = [models.UniqueConstraint(
            fields=["update", "signature"], condition=Q(update__isnull=False),
            name="one_email_per_update_and_signature")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"

    # --- the outbox ---------------------------------------------------------

    def claim(self) -> str | None:
        """Take the row for sending; returns a fresh token, or None if taken (claim_batch)."""
        claimed = claim_batch(self.pk)
        if self.pk not in claimed:
            return None
        self.refresh_from_db(fields=["state", "attempts", "claimed_at", "claimed_by",
                                     "token_hash", "expires_at"])
        return claimed[self.pk]

    def mark_sent(self, message_id: str):
        self._record(self.State.SENT, message_id=message_id[:255], sent_at=timezone.now(),
                     last_error="")

    def mark_deferred(self, error: str) -> int | None:
        """Back off exponentially with jitter; None once attempts are spent."""
        self.refresh_from_db(fields=["attempts"])
        if self.attempts >= settings.CHALLENGE_MAX_ATTEMPTS:
            self.mark_failed(error)
            return None
        delay = min(3600, 30 * 2 ** (self.attempts - 1))
        delay = int(delay * random.uniform(0.8, 1.2))
        self._record(self.State.DEFERRED, last_error=error[:2000],
                     next_attempt_at=timezone.now() + timedelta(seconds=delay))
        return delay

    def mark_failed(self, error: str):
        self._record(self.State.FAILED, last_error=error[:2000])

    # A provider's event type -> the delivery state it means. Later events
    # never move a final state back (a late "delivered" after a bounce).
    EVENT_STATES = {
        "delivered": State.DELIVERED,
        "bounced": State.BOUNCED,
        "complained": State.COMPLAINED,
        "rejected": State.FAILED,
        "failed": State.FAILED,
    }
    FINAL = (State.BOUNCED, State.COMPLAINED, State.FAILED)

    def apply_event(self, event_type: str) -> bool:
        state = self.EVENT_STATES.get(event_type)
        if state is None or self.state == state:
            return False
        if self.state in self.FINAL and state == self.State.DELIVERED:
            return False
        EmailChallenge.objects.filter(pk=self.pk).update(state=state)
        self.state = state
        self.show_on_signature(state)
        if state in (self.State.BOUNCED, self.State.COMPLAINED):
            # Whatever the email was, that address gets no more news, on any petition.
            Signature.objects.filter(
                email_normalised=self.signature.email_normalised).stop_news(state)
        return True

    def still_wanted(self) -> bool:
        """News go only to those who still want them when their turn comes."""
        return self.kind != self.Kind.UPDATE or self.signature.receives_news

    def _record(self, state, **fields):
        """Write the outcome, if the row is still being sent, and the signature's copy of it.

        One statement: one round trip and one commit (one WAL flush) per email.
        """
        values = {"state": state, **fields}
        if connection.vendor != "postgresql":
            self._record_in_two_statements(values)
            return
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(self._meta.get_field(name).column)} = %s"
                                for name in values)
        sql = (f"UPDATE {quote(self._meta.db_table)} SET {assignments} "
               f"WHERE id = %s AND state = %s")
        params = [*values.values(), self.pk, self.State.SENDING]
        if self.carries_link:
            # Moderators see the delivery of the confirmation email on the signature.
            sql = (f"WITH recorded AS ({sql} RETURNING signature_id) "
                   f"UPDATE {quote(Signature._meta.db_table)} SET email_delivery = %s "
                   "WHERE id IN (SELECT signature_id FROM recorded)")
            params.append(state)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        for name, value in values.items():
            setattr(self, name, value)

    def _record_in_two_statements(self, values):
        """`make run`'s SQLite has no UPDATE inside WITH: the same writes, in one transaction."""
        with transaction.atomic():
            recorded = EmailChallenge.objects.filter(
                pk=self.pk, state=self.State.SENDING).update(**values)
            if recorded:
                self.show_on_signature(values["state"])
        for name, value in values.items():
            setattr(self, name, value)

    # --- the link -----------------------------------------------------------

    def problem(self, now=None) -> str | None:
        """Why this link cannot confirm, or None when it can."""
        now = now or timezone.now()
        if not self.carries_link:
            return "invalid"
        if self.signature.state != Signature.State.PENDING_EMAIL:
            return "already_confirmed" if self.signature.email_confirmed_at else "closed"
        if self.used_at:
            return "used"
        if self.expires_at is None or self.expires_at <= now:
            return "expired"
        return None

    def confirm(self) -> bool:
        """Use the link: confirm the signature once, atomically."""
        with transaction.atomic():
            used = EmailChallenge.objects.filter(pk=self.pk, used_at__isnull=True).update(
                used_at=timezone.now())
            # The state machine locks the row and checks it is still pending.
            moved = used and not self.problem() and Signature.objects.filter(
                pk=self.signature_id).move("confirm_email").moved
            if not moved:
                transaction.set_rollback(True)
                return False
        return True

    @property
    def carries_link(self):
        return self.kind in (self.Kind.CONFIRM, self.Kind.REMINDER)

    def show_on_signature(self, state):
        """Moderators see the delivery of the confirmation email on the signature."""
        if self.carries_link:
            Signature.objects.filter(pk=self.signature_id).update(email_delivery=state)

    @property
    def could_not_be_delivered(self):
        return self.state in self.UNDELIVERABLE


def claim_batch(first_id: int, others: int = 0, waited=timedelta(0), now=None) -> dict[int, str]:
    """Take rows for sending, in one statement: this one if it is claimable, and up to
    `others` more of its kind that have been waiting in the queue for `waited` at
    least, the oldest first.

    Returns {id: token} in the order to send them ("" for kinds without a link).
    A compare-and-set on the state: of two workers handed the same row, one
    claims it and the other does not get it. Rows another worker is claiming at
    the same moment are skipped (SKIP LOCKED), never waited for, so two batches
    never wait on each other. A token is made here for each row that carries a
    link, and only its hash is stored. News (kind "update") are never taken as
    `others`: their sender paces them (verification.news).
    """
    now = now or timezone.now()
    State = EmailChallenge.State
    first = EmailChallenge.objects.filter(claimable(now), pk=first_id)
    kind = EmailChallenge.objects.filter(pk=first_id).values("kind")
    waiting = (EmailChallenge.objects.about_signatures()
               .filter(state=State.QUEUED, kind=Subquery(kind[:1]),
                       queued_at__lte=now - waited).exclude(pk=first_id)
               .order_by("queued_at"))
    if connection.vendor != "postgresql":
        return _claim_one_by_one(first, waiting[:others] if others else [], now)
    picks = [first.values("id")]
    if others:
        picks.append(waiting.values("id")[:others])
    sql, params = [], []
    for n, pick in enumerate(picks):
        pick_sql, pick_params = pick.query.sql_with_params()
        sql.append(f"pick{n} AS ({pick_sql} FOR UPDATE SKIP LOCKED)")
        params += pick_params
    tokens = [secrets.token_urlsafe(32) for _ in range(1 + others)]
    linked = [EmailChallenge.Kind.CONFIRM.value, EmailChallenge.Kind.REMINDER.value]
    expires_at = now + timedelta(days=settings.CHALLENGE_TOKEN_TTL_DAYS)
    table = connection.ops.quote_name(EmailChallenge._meta.db_table)
    picked = " UNION ALL ".join(f"SELECT id FROM pick{n}" for n in range(len(picks)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {', '.join(sql)}, "
            f"picked AS (SELECT id, row_number() OVER () AS n FROM ({picked}) AS picks) "
            f"UPDATE {table} AS challenge SET state = %s, claimed_at = %s, claimed_by = %s, "
            "attempts = challenge.attempts + 1, "
            "token_hash = CASE WHEN challenge.kind = ANY(%s) THEN (%s::varchar[])[picked.n] END, "
            "expires_at = CASE WHEN challenge.kind = ANY(%s) THEN %s::timestamptz END "
            "FROM picked WHERE challenge.id = picked.id "
            "RETURNING challenge.id, challenge.kind = ANY(%s), picked.n, challenge.queued_at",
            [*params, State.SENDING, now, process_name(), linked,
             [hash_token(token) for token in tokens], linked, expires_at, linked])
        rows = cursor.fetchall()
    rows.sort(key=lambda row: (row[0] != first_id, row[3], row[0]))
    return {pk: tokens[n - 1] if carries_link else "" for pk, carries_link, n, _ in rows}


def _claim_one_by_one(first, waiting, now) -> dict[int, str]:
    """claim_batch on `make run`'s SQLite (no FOR UPDATE, no UPDATE inside WITH): the
    same compare-and-set, a row at a time. Writes are serialised there, and the
    eager tasks run in the web process."""
    State = EmailChallenge.State
    expires_at = now + timedelta(days=settings.CHALLENGE_TOKEN_TTL_DAYS)
    # Each row with what must still hold when it is taken (as in the one statement).
    candidates = [(first, first.first()), *(
        (EmailChallenge.objects.filter(state=State.QUEUED), row) for row in waiting)]
    claimed = {}
    for still_claimable, row in candidates:
        if row is None:
            continue
        token = secrets.token_urlsafe(32) if row.carries_link else ""
        if still_claimable.filter(pk=row.pk).update(
                state=State.SENDING, claimed_at=now, claimed_by=process_name(),
                attempts=F("attempts") + 1,
                token_hash=hash_token(token) if token else None,
                expires_at=expires_at if token else None):
            claimed[row.pk] = token
    return claimed


def release(ids) -> int:
    """Give back rows this process claimed and never tried (its batch stopped short):
    queued again, the attempt not counted, for the next batch of their kind to take."""
    return EmailChallenge.objects.filter(
        pk__in=list(ids), state=EmailChallenge.State.SENDING, claimed_by=process_name(),
    ).update(state=EmailChallenge.State.QUEUED, attempts=F("attempts") - 1, claimed_at=None,
             claimed_by="", token_hash=None, expires_at=None)


def write_challenges(signature_ids, kind: str) -> list[EmailChallenge]:
    """Outbox rows for many signatures at once (moderation actions, reminders)."""
    signatures = Signature.objects.filter(pk__in=signature_ids).only("pk", "language")
    return EmailChallenge.objects.bulk_create(
        [EmailChallenge(signature_id=s.pk, kind=kind, language=s.language) for s in signatures],
        batch_size=1000)


def may_email_again(signature, now=None) -> bool:
    """A cooldown between emails and a cap per signature: no mail bombing by proxy."""
    now = now or timezone.now()
    # News are not asked for through the form: they count for nothing here.
    sent = signature.challenges.about_signatures().aggregate(
        count=models.Count("id"), last=models.Max("queued_at"))
    if sent["count"] >= settings.RESEND_MAX_EMAILS:
        return False
    cooldown = timedelta(seconds=settings.RESEND_COOLDOWN_SECONDS)
    return sent["last"] is None or sent["last"] <= now - cooldown


def write_reminders(now=None) -> list[EmailChallenge]:
    """One reminder, with a fresh link, to signatures still unconfirmed after a while."""
    now = now or timezone.now()
    due = (Signature.objects.filter(
        state=Signature.State.PENDING_EMAIL,
        created_at__lte=now - timedelta(days=settings.REMINDER_AFTER_DAYS))
        .exclude(challenges__kind=EmailChallenge.Kind.REMINDER)
        .values_list("pk", flat=True))
    return write_challenges(list(due[:5000]), EmailChallenge.Kind.REMINDER)


def restart_due(now=None) -> list[int]:
    """The rows that should be on their way but may have been lost, clock restarted."""
    now = now or timezone.now()
    ids = list(EmailChallenge.objects.due(now).values_list("pk", flat=True)[:5000])
    # Restart the clock so that a slow worker is not flooded with copies
    # (queued_at stays: it says how long the signer has been waiting).
    EmailChallenge.objects.filter(pk__in=ids, state=EmailChallenge.State.QUEUED).update(
        next_attempt_at=now)
    return ids


class DeliveryEvent(models.Model):
    """A provider's tracking event, kept so that each one is applied once."""

    key = models.CharField(max_length=128, unique=True)
    provider = models.CharField(max_length=40)
    event_type = models.CharField(max_length=40)
    message_id = models.CharField(max_length=255, db_index=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")

    def __str__(self):
        return f"{self.provider} {self.event_type} {self.message_id}"
