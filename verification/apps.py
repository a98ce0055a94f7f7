from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Verification")

    def ready(self):
        from signatures.forms import EMAIL_DOMAIN_VALIDATORS

        from . import receivers  # noqa: F401
        from .domains.classify import refuse_domain_without_mail
        from .outbox import webhooks  # noqa: F401

        if refuse_domain_without_mail not in EMAIL_DOMAIN_VALIDATORS:
            EMAIL_DOMAIN_VALIDATORS.append(refuse_domain_without_mail)
