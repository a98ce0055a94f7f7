from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignaturesConfig(AppConfig):
    name = "signatures"
    verbose_name = _("Signatures")

    def ready(self):
        # The public counts listen to signatures_moved like any other app.
        from . import figures  # noqa: F401

        # So does the delivery dossier (signatures.delivery).
        from .delivery import models as delivery_models  # noqa: F401

        # Evidence lives in its own room (signatures.intake): register it with the app.
        from .intake import models, receivers  # noqa: F401
