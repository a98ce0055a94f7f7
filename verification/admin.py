from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from signatures.models import Signature

from .domains import classify as domains
from .domains.models import DomainRule, normalise_pattern
from .floods.models import FloodAlert
from .outbox.models import EmailChallenge
from .register.models import RegisterFile


@admin.register(EmailChallenge)
class EmailChallengeAdmin(admin.ModelAdmin):
    list_display = ["id", "signature", "kind", "state", "attempts", "queued_at", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["signature__email_normalised", "message_id"]
    list_select_related = ["signature", "signature__party"]
    readonly_fields = ["signature", "kind", "state", "language", "attempts", "last_error",
                       "message_id", "queued_at", "claimed_at", "next_attempt_at", "sent_at",
                       "expires_at", "used_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FloodAlert)
class FloodAlertAdmin(admin.ModelAdmin):
    """The flood report: each row links to its signatures, ready to reject in one action."""

    list_display = ["hour", "kind", "value", "signatures", "usual", "review"]
    list_filter = ["kind"]
    date_hierarchy = "hour"

    @admin.display(description=_("usual per hour"))
    def usual(self, obj):
        return f"{obj.usual_per_hour:.1f}"

    @admin.display(description=_("signatures"))
    def review(self, obj):
        url = reverse("admin:signatures_signature_changelist")
        return format_html('<a href="{}?{}">{}</a>', url, urlencode(obj.signatures_query()),
                           _("Review these signatures"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DomainRuleForm(forms.ModelForm):
    class Meta:
        model = DomainRule
        fields = ["pattern", "kind", "commune_code", "note"]

    def clean_pattern(self):
        # "Senat.FR." and "senat.fr" are one rule: the uniqueness check sees the stored spelling.
        return normalise_pattern(self.cleaned_data["pattern"])


@admin.register(DomainRule)
class DomainRuleAdmin(admin.ModelAdmin):
    form = DomainRuleForm
    list_display = ["pattern", "kind", "commune_code", "created_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["pattern", "note", "commune_code"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path("confirm-commune-domain/<int:signature_id>/",
                 self.admin_site.admin_view(self.confirm_commune_domain),
                 name="verification_domainrule_confirm_commune"),
            *super().get_urls(),
        ]

    def confirm_commune_domain(self, request, signature_id):
        """The button on a signature's page: its domain is its commune's own."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("signatures.moderate_signature"):
            raise PermissionDenied
        signature = get_object_or_404(Signature, pk=signature_id)
        rule = domains.confirm_commune_domain(signature, request.user)
        if rule:
            self.log_addition(request, rule, [{"added": {}}])
            self.message_user(request, _("%(domain)s is now a confirmed commune domain.")
                              % {"domain": rule.pattern}, messages.SUCCESS)
        else:
            self.message_user(request, _("A rule already covers this domain: nothing changed."),
                              messages.WARNING)
        return redirect("admin:signatures_signature_change", signature.pk)


@admin.register(RegisterFile)
class RegisterFileAdmin(admin.ModelAdmin):
    """Which release of each register file the matches were made against; read-only.

    Files come in through `manage.py import_rne`. The register's lines are not
    browsable here: the signature page shows the line that matched.
    """

    list_display = ["kind", "file_name", "rows", "released_on", "imported_at", "encoding"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
