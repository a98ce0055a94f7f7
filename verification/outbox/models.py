import hashlib
import random
import re
import secrets
from datetime import UTC, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from signatures.models import Signature, normalise_email

from ..register import files as rne


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class EmailChallengeQuerySet(models.QuerySet):
    def by_token(self, token: str):
        """The challenge a token belongs to, or None. Only hashes are stored."""
        if not token or len(token) > 100:
            return None
        return self.filter(token_hash=hash_token(token)).select_related(
            "signature", "signature__petition").first()

    def due(self, now=None):
        """Rows that should be on their way but may have been lost."""
        now = now or timezone.now()
        stale = now - timedelta(seconds=settings.CHALLENGE_REQUEUE_AFTER_SECONDS)
        return self.filter(claimable(now)).filter(
            Q(state=EmailChallenge.State.QUEUED, queued_at__lte=stale)
            | Q(state=EmailChallenge.State.DEFERRED, next_attempt_at__lte=now)
            | Q(state=EmailChallenge.State.SENDING))


def claimable(now) -> Q:
    """Rows a worker may take: waiting ones, and those whose worker died mid-send."""
    stuck = now - timedelta(seconds=settings.CHALLENGE_STUCK_SENDING_SECONDS)
    return (Q(state__in=[EmailChallenge.State.QUEUED, EmailChallenge.State.DEFERRED])
            # A worker that died between claiming and recording: at least once.
            | Q(state=EmailChallenge.State.SENDING, claimed_at__lte=stuck))


class EmailChallenge(models.Model):
    """One email to a signer, kept as an outbox row until it is delivered."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("confirmation request")
        ALREADY_SIGNED = "already_signed", _("already signed notice")
        REMINDER = "reminder", _("confirmation reminder")
        APPROVED = "approved", _("approval notice")
        REJECTED = "rejected", _("rejection notice")

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

    signature = models.ForeignKey(Signature, on_delete=models.CASCADE,
                                  related_name="challenges")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CONFIRM)
    state = models.CharField(_("delivery state"), max_length=12, choices=State.choices,
                             default=State.QUEUED)
    language = models.CharField(_("language"), max_length=8, default="fr")
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.CharField(_("message id"), max_length=255, blank=True, db_index=True)

    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    used_at = models.DateTimeField(_("link used at"), null=True, blank=True)

    objects = EmailChallengeQuerySet.as_manager()

    class Meta:
        verbose_name = _("email challenge")
        verbose_name_plural = _("email challenges")
        indexes = [models.Index(fields=["state", "queued_at"], name="challenge_outbox")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"

    # --- the outbox ---------------------------------------------------------

    def claim(self) -> str | None:
        """Take the row for sending; returns a fresh token, or None if taken.

        A compare-and-set on the state: of two workers handed the same
        message, one claims it and the other gets None. The token is made
        here and only its hash is stored.
        """
        now = timezone.now()
        token = secrets.token_urlsafe(32) if self.carries_link else None
        fields = {
            "state": self.State.SENDING, "claimed_at": now,
            "token_hash": hash_token(token) if token else None,
            "expires_at": (now + timedelta(days=settings.CHALLENGE_TOKEN_TTL_DAYS)
                           if token else None),
        }
        claimed = EmailChallenge.objects.filter(claimable(now), pk=self.pk).update(
            attempts=F("attempts") + 1, **fields)
        if not claimed:
            return None
        # No re-read on the hot path: `attempts` is read back only if sending fails.
        for name, value in fields.items():
            setattr(self, name, value)
        return token or ""

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
        return True

    def _record(self, state, **fields):
        # One commit (one WAL flush) for the row and the signature's copy of its state.
        with transaction.atomic():
            EmailChallenge.objects.filter(pk=self.pk, state=self.State.SENDING).update(
                state=state, **fields)
            self.show_on_signature(state)
        for name, value in {"state": state, **fields}.items():
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


def queue_email(signature: Signature, kind: str, language: str) -> EmailChallenge:
    """Write the outbox row; publish it to the worker once the transaction commits."""
    from ..tasks import send_challenge

    challenge = EmailChallenge.objects.create(signature=signature, kind=kind, language=language)
    send_challenge.delay_on_commit(challenge.pk)
    return challenge


def queue_emails(signature_ids, kind: str) -> list[EmailChallenge]:
    """The bulk form of queue_email, for moderation actions on many rows."""
    from ..tasks import send_challenge

    signatures = Signature.objects.filter(pk__in=signature_ids).only("pk", "language")
    challenges = EmailChallenge.objects.bulk_create(
        [EmailChallenge(signature_id=s.pk, kind=kind, language=s.language) for s in signatures],
        batch_size=1000)
    for challenge in challenges:
        send_challenge.delay_on_commit(challenge.pk)
    return challenges


def request_new_email(petition, address: str, language: str) -> EmailChallenge | None:
    """The signer asks for the email again. Silent when nobody signed with it."""
    signature = Signature.objects.live().filter(
        petition=petition, email_normalised=normalise_email(address)).first()
    if signature is None or not may_email_again(signature):
        return None
    if signature.state == Signature.State.PENDING_EMAIL:
        return queue_email(signature, EmailChallenge.Kind.CONFIRM, language)
    return queue_email(signature, EmailChallenge.Kind.ALREADY_SIGNED, language)


def may_email_again(signature, now=None) -> bool:
    """A cooldown between emails and a cap per signature: no mail bombing by proxy."""
    now = now or timezone.now()
    sent = signature.challenges.aggregate(count=models.Count("id"), last=models.Max("queued_at"))
    if sent["count"] >= settings.RESEND_MAX_EMAILS:
        return False
    cooldown = timedelta(seconds=settings.RESEND_COOLDOWN_SECONDS)
    return sent["last"] is None or sent["last"] <= now - cooldown


def send_reminders(now=None) -> int:
    """One reminder, with a fresh link, to signatures still unconfirmed after a while."""
    now = now or timezone.now()
    due = (Signature.objects.filter(
        state=Signature.State.PENDING_EMAIL,
        created_at__lte=now - timedelta(days=settings.REMINDER_AFTER_DAYS))
        .exclude(challenges__kind=EmailChallenge.Kind.REMINDER)
        .values_list("pk", flat=True))
    return len(queue_emails(list(due[:5000]), EmailChallenge.Kind.REMINDER))


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


class FloodAlertQuerySet(models.QuerySet):
    def report(self, now=None) -> int:
        """Record the hours' domains and IP hashes that sign unusually often.

        Run every few minutes by beat over the current and the previous hour,
        so a flood in progress shows before its hour ends. Unusual means at
        least a floor of signatures in the hour, and several times what the
        same domain or IP hash usually sends in an hour over the past week.
        Rows are updated in place: running it again changes nothing.
        """
        now = now or timezone.now()
        current = now.replace(minute=0, second=0, microsecond=0)
        found = 0
        for start in (current - timedelta(hours=1), current):
            for kind, field, floor in (
                (FloodAlert.Kind.DOMAIN, "email_domain", settings.FLOOD_DOMAIN_MIN_PER_HOUR),
                (FloodAlert.Kind.IP_HASH, "ip_hash", settings.FLOOD_IP_MIN_PER_HOUR),
            ):
                found += self._report_hour(start, kind, field, floor)
        return found

    def _report_hour(self, start, kind, field, floor) -> int:
        end = start + timedelta(hours=1)
        counts = dict(
            Signature.objects.filter(created_at__gte=start, created_at__lt=end)
            .exclude(**{field: ""}).values_list(field).annotate(n=models.Count("id"))
            .filter(n__gte=floor).values_list(field, "n"))
        if not counts:
            return 0
        days = settings.FLOOD_BASELINE_DAYS
        before = dict(
            Signature.objects.filter(created_at__gte=start - timedelta(days=days),
                                     created_at__lt=start, **{f"{field}__in": list(counts)})
            .values_list(field).annotate(n=models.Count("id")).values_list(field, "n"))
        found = 0
        for value, count in counts.items():
            usual = before.get(value, 0) / (days * 24)
            if count < settings.FLOOD_FACTOR * max(usual, 1):
                continue
            self.update_or_create(hour=start, kind=kind, value=value,
                                  defaults={"signatures": count, "usual_per_hour": usual})
            found += 1
        return found


class FloodAlert(models.Model):
    """An hour in which one domain or one IP hash sent unusually many signatures."""

    class Kind(models.TextChoices):
        DOMAIN = "domain", _("email domain")
        IP_HASH = "ip_hash", _("IP hash")

    hour = models.DateTimeField(_("hour"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("domain or IP hash"), max_length=254)
    signatures = models.PositiveIntegerField(_("signatures in the hour"))
    usual_per_hour = models.FloatField(_("usual per hour (past week)"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = FloodAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("flood alert")
        verbose_name_plural = _("flood alerts")
        ordering = ["-hour", "-signatures"]
        constraints = [models.UniqueConstraint(fields=["hour", "kind", "value"],
                                               name="one_alert_per_hour_and_source")]

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H:00} {self.value} ({self.signatures})"

    def signatures_query(self) -> dict:
        """The admin filters that select this alert's signatures."""
        return {"state": "all", self.kind: self.value,
                "signed_hour": self.hour.astimezone(UTC).strftime("%Y-%m-%dT%H")}


def validate_domain_pattern(value: str):
    if not DomainRule.PATTERN.fullmatch(normalise_pattern(value)):
        raise ValidationError(
            _("Write a domain (senat.fr) or a family of subdomains (*.gouv.fr)."),
            code="pattern")


class DomainRule(models.Model):
    """What a signer's email domain says: kept by moderators, seeded by a migration.

    "senat.fr" matches that domain only; "*.gouv.fr" matches its subdomains.
    The most specific rule wins. Saving or deleting a rule re-classifies the
    signatures it covers (see verification.domains).
    """

    PATTERN = re.compile(r"(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                         r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
    class Kind(models.TextChoices):
        # Signature.DomainKind, less "unknown": what no rule says.
        OFFICIAL = Signature.DomainKind.OFFICIAL.value, Signature.DomainKind.OFFICIAL.label
        WEBMAIL = Signature.DomainKind.WEBMAIL.value, Signature.DomainKind.WEBMAIL.label
        NOT_MANDATE = (Signature.DomainKind.NOT_MANDATE.value,
                       Signature.DomainKind.NOT_MANDATE.label)

    pattern = models.CharField(_("domain"), max_length=253, unique=True,
                               validators=[validate_domain_pattern],
                               help_text=_("senat.fr for that domain only; *.gouv.fr for all "
                                           "its subdomains."))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    commune_code = models.CharField(
        _("commune (INSEE code)"), max_length=5, blank=True,
        help_text=_("For a commune's own domain, confirmed by a moderator."))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, verbose_name=_("by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("email domain rule")
        verbose_name_plural = _("email domain rules")
        ordering = ["pattern"]

    def __str__(self):
        return f"{self.pattern} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        self.pattern = normalise_pattern(self.pattern)
        # Editing a pattern re-classifies what the old one covered too.
        self.replaced_pattern = (DomainRule.objects.filter(pk=self.pk)
                                 .values_list("pattern", flat=True).first()
                                 if self.pk else None)
        super().save(*args, **kwargs)


def normalise_pattern(pattern: str) -> str:
    pattern = pattern.strip().rstrip(".").lower()
    prefix = "*." if pattern.startswith("*.") else ""
    domain = pattern.removeprefix("*.")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass  # left as typed; the validator says what is wrong
    return prefix + domain


# --- the Répertoire national des élus (RNE) ------------------------------------------

class RegisterFile(models.Model):
    """The release of one of the register's files that is loaded now (one row per kind)."""

    kind = models.CharField(_("file"), max_length=4, unique=True,
                            choices=[(kind.code, kind.label) for kind in rne.KINDS.values()])
    file_name = models.CharField(_("file name"), max_length=255)
    rows = models.PositiveIntegerField(_("lines"))
    encoding = models.CharField(_("encoding"), max_length=12)
    released_on = models.DateField(_("release date"), null=True, blank=True,
                                   help_text=_("Read from the file's name when it has a date."))
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        verbose_name = _("register file (RNE)")
        verbose_name_plural = _("register files (RNE)")
        ordering = ["kind"]

    def __str__(self):
        return self.file_name

    @classmethod
    def import_file(cls, path, *, released_on=None, progress=None) -> "RegisterFile":
        """Replace this kind's lines with the file's, all at once or not at all.

        Matching tasks running meanwhile keep reading the previous release
        until the transaction commits.
        """
        with rne.Reader(path) as reader, transaction.atomic():
            RegisterEntry.objects.filter(kind=reader.kind).delete()
            count = RegisterEntry.objects.load(reader, progress)
            record, _created = cls.objects.update_or_create(kind=reader.kind, defaults={
                "file_name": reader.path.name[:255], "rows": count,
                "encoding": reader.encoding,
                "released_on": released_on or rne.release_date(reader.path.name),
                "imported_at": timezone.now()})
        record.skipped = reader.skipped
        RegisterEntry.objects.analyse()
        return record


class RegisterEntryQuerySet(models.QuerySet):
    COLUMNS = ["kind", "line", "last_name", "first_name", "last_key", "first_key", "first_head",
               "sex", "function", "departement", "commune_code", "epci_siren", "canton_code",
               "region_code", "circonscription", "territory_name", "mandate_started_on"]
    BATCH = 5000

    def load(self, reader, progress=None) -> int:
        """Write the reader's lines: PostgreSQL COPY, or bulk inserts elsewhere (SQLite)."""
        from django.db import connection

        rows = (self._row(reader.kind, line) for line in reader)
        count = 0
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(RegisterEntry._meta.db_table)
            names = ", ".join(connection.ops.quote_name(name) for name in self.COLUMNS)
            with connection.cursor() as cursor, cursor.cursor.copy(
                    f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
                    if progress and not count % self.BATCH:
                        progress(reader, count)
        else:
            batch = []
            for row in rows:
                batch.append(RegisterEntry(**dict(zip(self.COLUMNS, row, strict=True))))
                if len(batch) == self.BATCH:
                    count += len(self.bulk_create(batch))
                    batch = []
                    if progress:
                        progress(reader, count)
            count += len(self.bulk_create(batch))
        if progress:
            progress(reader, count)
        return count

    @staticmethod
    def _row(kind, line):
        first_key = line.first_key
        return (kind, line.line, line.last_name, line.first_name, line.last_key[:100],
                first_key[:100], first_key.split(" ", 1)[0][:50], line.sex, line.function,
                line.departement, line.commune_code, line.epci_siren, line.canton_code,
                line.region_code, line.circonscription, line.territory_name,
                line.mandate_started_on)

    def analyse(self):
        """Fresh statistics after replacing half a million rows, so lookups use the index."""
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {RegisterEntry._meta.db_table}")


class RegisterEntry(models.Model):
    """One mandate line of the register, reduced to what matching needs.

    The Ministry's files also give birth date, birth place and
    socio-professional category. None of them is stored: matching does not
    need them, and a copy of 600,000 people's birth dates is a liability we
    have no reason to hold. The file kind is the mandate kind (one file per
    mandate); the line number lets a moderator find the line in the file.
    """

    kind = models.CharField(_("file"), max_length=4,
                            choices=[(kind.code, kind.label) for kind in rne.KINDS.values()])
    line = models.PositiveIntegerField(_("line in the file"))
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    # Folded: no accents, case or punctuation; last_key also without spaces.
    last_key = models.CharField(max_length=100)
    first_key = models.CharField(max_length=100)
    first_head = models.CharField(max_length=50)  # the first of compound first names
    sex = models.CharField(_("sex code"), max_length=1, blank=True)
    function = models.CharField(_("function"), max_length=120, blank=True)
    departement = models.CharField(_("département"), max_length=3, blank=True)
    commune_code = models.CharField(_("commune (INSEE)"), max_length=5, blank=True)
    epci_siren = models.CharField(_("EPCI (SIREN)"), max_length=9, blank=True)
    canton_code = models.CharField(_("canton"), max_length=10, blank=True)
    region_code = models.CharField(_("région"), max_length=3, blank=True)
    # Legislative constituency number; for French citizens abroad, the consular
    # or AFE constituency code.
    circonscription = models.CharField(_("constituency"), max_length=10, blank=True)
    territory_name = models.CharField(_("territory"), max_length=150, blank=True)
    mandate_started_on = models.DateField(_("mandate start"), null=True, blank=True)

    objects = RegisterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("register line (RNE)")
        verbose_name_plural = _("register lines (RNE)")
        indexes = [
            # Matching looks people up by folded last name and first given name.
            models.Index(fields=["last_key", "first_head"], name="register_name"),
            models.Index(fields=["kind"], name="register_kind"),
        ]

    def __str__(self):
        return f"{self.last_name} {self.first_name} ({self.kind}:{self.line})"
