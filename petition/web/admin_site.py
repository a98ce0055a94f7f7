"""The staff site: Django's admin, with throttled logins and, in production, a second factor.

Every admin registered on it (ours, Django's, django-otp's) answers only the query-string
filters its changelist offers: an unknown lookup (`email__regex=…`) is refused with a 400.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import UsernameField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.plugins.otp_totp.models import TOTPDevice

from .ratelimit import allow, client_ip


def login_key(raw: str) -> str:
    """The username as authentication reads it (UsernameField: NFKC), lower-cased.

    Never finer than authentication's spelling, so that "ｍｏｄ@…" and "mod@…" share a count.
    """
    return UsernameField().to_python((raw or "")[:300]).lower()


class ThrottledLogin:
    """Counts every attempt, per client IP and per username, before checking the password.

    A refused login gets one answer, whichever of the password and the code was wrong,
    so that a password cannot be confirmed without the second factor.
    """

    refused = _("Please enter the correct username, password and code. All three may be "
                "case-sensitive.")

    def clean(self):
        ip = client_ip(self.request) if self.request else ""
        if not allow("admin-login-ip", ip) or not allow("admin-login-user",
                                                         login_key(self.data.get("username"))):
            raise ValidationError(
                _("Too many login attempts. Please wait a quarter of an hour and try again."),
                code="throttled")
        try:
            return super().clean()
        except ValidationError as error:
            if settings.ADMIN_OTP_REQUIRED:
                raise ValidationError(self.refused, code="invalid_login") from error
            raise


class ThrottledLoginForm(ThrottledLogin, AdminAuthenticationForm):
    pass


class ThrottledOTPLoginForm(ThrottledLogin, OTPAdminAuthenticationForm):
    """Password and TOTP code in one try: the staff member's device is found, not chosen.

    django-otp lists the devices only after a first try, so a correct first try failed
    with "Please select a device". Each moderator has one authenticator
    (add_moderator replaces it), which is the one used here.
    """

    def _chosen_device(self, user):
        chosen = super()._chosen_device(user)
        if chosen is not None:
            return chosen
        devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True)[:2])
        return devices[0] if len(devices) == 1 else None

    def _update_form(self, user):
        pass  # the device list would tell that the password was right


# Query-string suffixes that Django's own list filters and date hierarchy write.
FIELD_FILTER_SUFFIXES = ("exact", "isnull", "id__exact", "in", "gte", "lt", "lte")
DATE_HIERARCHY_SUFFIXES = ("year", "month", "day", "gte", "lt")


def offered_lookups(model_admin, request) -> set[str]:
    offered = set()
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            offered.add(item.parameter_name)
            continue
        field = item[0] if isinstance(item, (list, tuple)) else item
        offered |= {f"{field}__{suffix}" for suffix in FIELD_FILTER_SUFFIXES}
    if model_admin.date_hierarchy:
        offered |= {f"{model_admin.date_hierarchy}__{s}" for s in DATE_HIERARCHY_SUFFIXES}
    return offered


class OfferedLookupsOnly:
    def lookup_allowed(self, lookup, value, request):
        return (lookup in offered_lookups(self, request)
                and super().lookup_allowed(lookup, value, request))


class StaffSite(admin.AdminSite):
    site_header = _("Petition of elected officials: campaign team")
    site_title = _("Campaign team")
    index_title = _("Review and settings")

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, OfferedLookupsOnly):
            admin_class = type(admin_class.__name__, (OfferedLookupsOnly, admin_class),
                               {"__module__": admin_class.__module__})
        super().register(model_or_iterable, admin_class, **options)

    # Read on every request, so that ADMIN_OTP_REQUIRED is one switch.
    @property
    def login_form(self):
        return ThrottledOTPLoginForm if settings.ADMIN_OTP_REQUIRED else ThrottledLoginForm

    @property
    def login_template(self):
        return "admin/login_otp.html" if settings.ADMIN_OTP_REQUIRED else None

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_OTP_REQUIRED or request.user.is_verified()
