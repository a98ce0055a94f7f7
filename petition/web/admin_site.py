"""The staff site: Django's admin, with throttled logins and, in production, a second factor."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm

from .ratelimit import allow, client_ip


class ThrottledLogin:
    """Counts every attempt, per client IP and per username, before checking the password."""

    def clean(self):
        username = (self.data.get("username") or "")[:150].strip().lower()
        ip = client_ip(self.request) if self.request else ""
        if not allow("admin-login-ip", ip) or not allow("admin-login-user", username):
            raise ValidationError(
                _("Too many login attempts. Please wait a quarter of an hour and try again."),
                code="throttled")
        return super().clean()


class ThrottledLoginForm(ThrottledLogin, AdminAuthenticationForm):
    pass


class ThrottledOTPLoginForm(ThrottledLogin, OTPAdminAuthenticationForm):
    pass


class StaffSite(admin.AdminSite):
    site_header = _("Petition of elected officials: campaign team")
    site_title = _("Campaign team")
    index_title = _("Review and settings")

    # Read on every request, so that ADMIN_OTP_REQUIRED is one switch.
    @property
    def login_form(self):
        return ThrottledOTPLoginForm if settings.ADMIN_OTP_REQUIRED else ThrottledLoginForm

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.ADMIN_OTP_REQUIRED else None

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_OTP_REQUIRED or request.user.is_verified()
