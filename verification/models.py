from .outbox.models import *  # noqa: F401,F403
from .outbox.models import (  # noqa: F401
    DeliveryEvent,
    DomainRule,
    EmailChallenge,
    FloodAlert,
    RegisterEntry,
    RegisterFile,
    may_email_again,
    normalise_pattern,
    queue_email,
    queue_emails,
    request_new_email,
    send_reminders,
    validate_domain_pattern,
)
