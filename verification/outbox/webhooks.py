"""Delivery events from the email provider (anymail tracking webhooks).

Anymail checks the webhook secret and normalises each provider's payload;
we apply each event once, dispatching on its type.
"""

import hashlib
import json
import logging

from anymail import urls as anymail_urls
from anymail.signals import tracking
from django.conf import settings
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.http import Http404, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt

from .models import DeliveryEvent, EmailChallenge

logger = logging.getLogger(__name__)


def event_key(event, provider: str) -> str:
    """The provider's event id, or a digest of the payload when it gives none."""
    if event.event_id:
        return f"{provider}:{event.event_id}"[:128]
    payload = json.dumps(event.esp_event, sort_keys=True, default=str)
    return f"{provider}:sha256:{hashlib.sha256(payload.encode()).hexdigest()}"


def apply_tracking_event(event, provider: str) -> bool:
    """Returns True when the event changed a challenge."""
    if event.event_type not in EmailChallenge.EVENT_STATES or not event.message_id:
        return False
    challenge = EmailChallenge.objects.filter(message_id=event.message_id).first()
    if challenge is None:
        logger.info("Ignoring %s event for unknown message %s", provider, event.message_id)
        return False
    try:
        with transaction.atomic():
            DeliveryEvent.objects.create(key=event_key(event, provider), provider=provider,
                                         event_type=event.event_type,
                                         message_id=event.message_id[:255])
            return challenge.apply_event(event.event_type)
    except IntegrityError:
        return False  # a replay: already applied


@receiver(tracking)
def on_tracking_event(sender, event, esp_name, **kwargs):
    apply_tracking_event(event, esp_name.lower())


# Only the configured provider's tracking webhook answers (settings.MAILER, read on
# each request); the others are 404s, so that an unconfigured provider's view (which
# may need settings we do not have) is never reached.
TRACKING_VIEWS = {pattern.name.removesuffix("_tracking_webhook"): pattern.callback
                  for pattern in anymail_urls.urlpatterns
                  if (pattern.name or "").endswith("_tracking_webhook")}


@csrf_exempt
def tracking_webhook(request, provider):
    view = TRACKING_VIEWS.get(provider)
    if view is None or provider != settings.MAILER:
        raise Http404("No such webhook")
    try:
        return view(request)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        # Anymail checked the secret first: this is the provider (or whoever holds
        # the secret) sending a payload its parser does not understand.
        logger.warning("Unreadable %s tracking payload", provider, exc_info=True)
        return HttpResponseBadRequest("Unreadable payload")
