from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _

from . import checks


class PetitionConfig(AppConfig):
    default = True
    name = "petition"
    verbose_name = _("Petitions")

    def ready(self):
        checks.register()
        from . import worker  # noqa: F401  (Celery signal receivers)


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on our staff site (petition/web/admin_site.py)."""

    default = False

    default_site = "petition.web.admin_site.StaffSite"
