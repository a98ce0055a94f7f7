from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def waited(moment):
    """How long ago, as a moderator reads it: « moins d’une minute », never « 0 minute »."""
    if timezone.now() - moment < timedelta(minutes=1):
        return _("less than a minute")
    return timesince(moment)
