from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from signatures.models import Signature


class DeskLease(models.Model):
    """A signature handed to one moderator on the desk, for a short while.

    Two moderators never get the same signature: the next one is picked with
    SELECT … FOR UPDATE SKIP LOCKED and taken by an upsert on this row's
    primary key, which only succeeds when the lease is free, expired or
    already ours (see queue.claim_next).
    """

    signature = models.OneToOneField(Signature, on_delete=models.CASCADE, primary_key=True,
                                     related_name="desk_lease")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="+")
    until = models.DateTimeField()

    class Meta:
        verbose_name = _("desk lease")
        verbose_name_plural = _("desk leases")

    def __str__(self):
        return f"{self.signature_id} → {self.moderator_id} until {self.until:%H:%M:%S}"


class ReviewDigest(models.Model):
    """One row per period in which moderators were emailed about the waiting queue:
    the digest never goes out twice for the same period."""

    period_start = models.DateTimeField(unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    waiting = models.PositiveIntegerField(default=0)
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review digest")
        verbose_name_plural = _("review digests")

    def __str__(self):
        return f"{self.period_start:%Y-%m-%d %H:%M} ({self.recipients})"
