"""Django loads an app's models from here: each sub-package keeps its own."""

from .desk.models import DeskLease, ReviewDigest
from .domains.models import DomainRule, normalise_pattern, validate_domain_pattern
from .floods.models import FloodAlert
from .outbox.models import DeliveryEvent, EmailChallenge
from .register.models import FarRightNuance, RegisterEntry, RegisterFile

__all__ = ["DeliveryEvent", "DeskLease", "DomainRule", "EmailChallenge", "FarRightNuance",
           "FloodAlert", "RegisterEntry", "RegisterFile", "ReviewDigest", "normalise_pattern",
           "validate_domain_pattern"]
