"""Moderators get a digest email when signatures have waited too long for review."""

from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from signatures.models import Signature
from verification.desk import digest
from verification.desk.models import ReviewDigest

from .conftest import text_part

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def waiting(petition, party, n, hours):
    signature = Signature.objects.create(
        petition=petition, civility="F", first_name="Anne", last_name=f"Wait{n}",
        email=f"anne{n}@mairie-lyon.fr", mandate="mayor", locality="Lyon", departement="69",
        party=party, consented_at=timezone.now())
    signature.confirm_email()
    Signature.objects.filter(pk=signature.pk).update(
        email_confirmed_at=NOON - timedelta(hours=hours))
    return signature


def test_the_digest_goes_to_moderators_once_per_period(
        settings, smtp_server, moderator, petition, parties):
    settings.REVIEW_ALERT_AFTER_HOURS, settings.REVIEW_DIGEST_EVERY_HOURS = 24, 24
    User.objects.create_user("staff@campagne.fr", "staff@campagne.fr", is_staff=True)
    waiting(petition, parties["PS"], 1, hours=30)
    waiting(petition, parties["PS"], 2, hours=50)
    waiting(petition, parties["PS"], 3, hours=2)  # not overdue yet
    assert digest.send_due(NOON) == 1
    message = smtp_server.wait_for(1)
    assert message["To"] == "mod@campagne.fr"  # moderators only, not every staff member
    assert "2 signatures attendent la relecture depuis plus de 24 heures" in message["Subject"]
    assert "/admin/desk/" in text_part(message)
    assert "2\xa0jours" in text_part(message)  # the oldest's wait
    # Beat runs again and again within the period: nothing more goes out.
    assert digest.send_due(NOON + timedelta(minutes=15)) == 0
    assert digest.send_due(NOON + timedelta(hours=11)) == 0
    assert len(smtp_server.messages) == 1
    # The next period, still overdue: one more.
    assert digest.send_due(NOON + timedelta(hours=24)) == 1
    assert ReviewDigest.objects.count() == 2


def test_no_digest_when_nothing_is_overdue_or_when_turned_off(
        settings, smtp_server, moderator, petition, parties):
    waiting(petition, parties["PS"], 1, hours=2)
    assert digest.send_due(NOON) == 0
    waiting(petition, parties["PS"], 2, hours=48)
    settings.REVIEW_DIGEST = False
    assert digest.send_due(NOON) == 0
    assert smtp_server.messages == [] and not ReviewDigest.objects.exists()


def test_a_failed_send_is_tried_again_in_the_same_period(
        settings, smtp_server, moderator, petition, parties):
    waiting(petition, parties["PS"], 1, hours=48)
    smtp_server.refuse_with = (550, "mailbox unavailable")
    try:
        digest.send_due(NOON)
    except Exception:
        pass
    smtp_server.refuse_with = None
    assert digest.send_due(NOON + timedelta(minutes=15)) == 1
    assert len(smtp_server.messages) == 1


def test_beat_runs_the_digest_through_a_thin_task(settings):
    from verification import tasks

    assert settings.CELERY_BEAT_SCHEDULE["send-review-digest"]["task"] == (
        tasks.send_review_digest.name)
