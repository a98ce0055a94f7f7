from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Verification")

    def ready(self):
        # What verification does when signatures sends its signals (signatures.signals).
        from . import receivers  # noqa: F401
        from .outbox import webhooks  # noqa: F401
