"""The email to moderators when signatures have waited too long for review.

Beat calls send_due() often; it sends at most one digest per period
(REVIEW_DIGEST_EVERY_HOURS), and only when the queue holds signatures
confirmed more than REVIEW_ALERT_AFTER_HOURS ago.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMultiAlternatives
from django.db.models import Count, Min, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from signatures.models import Signature

from .models import ReviewDigest

logger = logging.getLogger(__name__)


def period_start(now, hours) -> datetime:
    """The start of the period `now` falls in: periods of `hours` hours from the epoch (UTC)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    length = timedelta(hours=hours)
    return epoch + length * ((now - epoch) // length)


def moderators():
    """Active staff who may decide signatures, with an address."""
    permission = Permission.objects.filter(content_type__app_label="signatures",
                                           codename="moderate_signature")
    return (get_user_model().objects.filter(is_active=True, is_staff=True)
            .filter(Q(is_superuser=True) | Q(groups__permissions__in=permission)
                    | Q(user_permissions__in=permission))
            .exclude(email="").distinct().order_by("pk"))


def send_due(now=None) -> int:
    """Email the digest if one is due for this period; returns how many moderators got it."""
    if not settings.REVIEW_DIGEST:
        return 0
    now = now or timezone.now()
    overdue = Signature.objects.awaiting_review().filter(
        email_confirmed_at__lt=now - timedelta(hours=settings.REVIEW_ALERT_AFTER_HOURS))
    waiting = overdue.aggregate(count=Count("id"), oldest=Min("email_confirmed_at"))
    if not waiting["count"]:
        return 0
    digest, _created = ReviewDigest.objects.get_or_create(
        period_start=period_start(now, settings.REVIEW_DIGEST_EVERY_HOURS))
    # Claimed by a compare-and-set: two beat runs, or two workers, send it once.
    if not ReviewDigest.objects.filter(pk=digest.pk, sent_at__isnull=True).update(sent_at=now):
        return 0
    recipients = [user.email for user in moderators()]
    try:
        for address in recipients:
            message(address, waiting["count"], waiting["oldest"], now).send()
    except Exception:
        # Nobody (or not everybody) got it: the next run of this period tries again.
        ReviewDigest.objects.filter(pk=digest.pk).update(sent_at=None)
        raise
    ReviewDigest.objects.filter(pk=digest.pk).update(waiting=waiting["count"],
                                                     recipients=len(recipients))
    logger.info("Review digest sent to %d moderators (%d waiting)", len(recipients),
                waiting["count"])
    return len(recipients)


def message(address, count, oldest, now) -> EmailMultiAlternatives:
    with translation.override(settings.LANGUAGE_CODE):  # the moderators' language
        context = {"count": count, "oldest": oldest, "now": now,
                   "hours": settings.REVIEW_ALERT_AFTER_HOURS,
                   "desk_url": settings.SITE_URL + reverse("desk:next")}
        subject = " ".join(render_to_string("emails/review_digest_subject.txt",
                                            context).split())
        text = render_to_string("emails/review_digest.txt", context)
        html = render_to_string("emails/review_digest.html", context)
    email = EmailMultiAlternatives(subject, text, to=[address])
    email.attach_alternative(html, "text/html")
    return email
