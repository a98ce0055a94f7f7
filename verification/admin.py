from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from signatures import admin as signatures_admin
from signatures.models import Signature

from .domains import classify as domains
from .domains.models import DomainCheck, DomainKind, DomainRule, normalise_pattern
from .floods.models import FloodAlert
from .news import admin as news_admin  # noqa: F401  (registers the campaign updates' admin)
from .outbox.models import EmailChallenge
from .register.models import FarRightNuance, RegisterFile, RegisterMatch


@admin.register(EmailChallenge)
class EmailChallengeAdmin(signatures_admin.AddressesForModerators, admin.ModelAdmin):
    address_lookups = ("signature__email", "signature__email_normalised")
    address_fields = ("last_error",)  # SMTP refusals quote the recipient
    list_display = ["id", "signature", "kind", "state", "attempts", "queued_at", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["signature__email_normalised", "message_id"]
    list_select_related = ["signature", "signature__party"]
    readonly_fields = ["signature", "kind", "state", "language", "attempts", "last_error",
                       "message_id", "queued_at", "claimed_at", "claimed_by", "next_attempt_at",
                       "sent_at", "expires_at", "used_at"]

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

    list_display = ["kind", "file_name", "rows", "released_on", "imported_at", "layout",
                    "dates_read", "dates_dropped", "ended", "nuances"]
    readonly_fields = [*list_display, "encoding", "unknown_columns"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FarRightNuance)
class FarRightNuanceAdmin(admin.ModelAdmin):
    """The register's nuances that flag a signature, whatever party its signer declared."""

    list_display = ["code", "label"]
    search_fields = ["code", "label"]


# --- the columns verification sets on Signature ---------------------------------------
# Signature keeps them for the review queue's speed; their values and labels are
# declared here, in the app that sets them, and so is how the queue shows them.

def label(vocabulary, value) -> str:
    """The translated label of a stored value ("" stays "")."""
    return dict(vocabulary.choices).get(value, value)


class VocabularyFilter(admin.SimpleListFilter):
    """A filter on a Signature column whose values verification declares."""

    field = ""
    vocabulary = None

    def lookups(self, request, model_admin):
        return self.vocabulary.choices

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class DomainKindFilter(VocabularyFilter):
    title = _("domain kind")
    parameter_name = "email_domain_kind__exact"
    field = "email_domain_kind"
    vocabulary = DomainKind


class DomainCheckFilter(VocabularyFilter):
    title = _("email domain check")
    parameter_name = "email_domain_check__exact"
    field = "email_domain_check"
    vocabulary = DomainCheck


class RegisterMatchFilter(VocabularyFilter):
    title = _("register (RNE)")
    parameter_name = "register"
    field = "register_match"
    vocabulary = RegisterMatch

    def lookups(self, request, model_admin):
        return [*RegisterMatch.choices, ("unchecked", _("not checked"))]

    def queryset(self, request, queryset):
        if self.value() == "unchecked":
            return queryset.filter(register_match="")
        return super().queryset(request, queryset)


class MandateEndedFilter(admin.SimpleListFilter):
    title = _("mandate no longer in the register")
    parameter_name = "mandate_ended"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(register_mandate_ended_on__isnull=self.value() == "no")
        return queryset


def inserted(names, after, new) -> list:
    position = names.index(after) + 1
    return [*names[:position], *new, *names[position:]]


# What the register says beyond the match: the nuance and its flag, the end of a mandate.
REGISTER_FACTS = ["register_nuance", "register_nuance_flag", "register_nuance_cleared_at",
                  "register_mandate_ended_on"]


class SignatureAdmin(signatures_admin.SignatureAdmin):
    list_display = inserted(
        inserted(signatures_admin.SignatureAdmin.list_display, "email_confirmed_at",
                 ["delivery"]),
        "party_flagged", ["email_and_kind", "domain_check", "register_verdict"])
    list_filter = inserted(signatures_admin.SignatureAdmin.list_filter,
                           signatures_admin.DepartementFilter,
                           [DomainKindFilter, DomainCheckFilter, RegisterMatchFilter,
                            MandateEndedFilter, "register_nuance_flag"])
    moderator_only_columns = ("email_and_kind",)
    readonly_fields = [*signatures_admin.SignatureAdmin.readonly_fields,
                       "domain_kind", "domain_check", "delivery", "register_result",
                       "register_match_note", "register_checked_at", *REGISTER_FACTS]
    fieldsets = [
        (name, {**options, "fields": [*options["fields"], "domain_kind", "domain_check",
                                      "delivery"]})
        if options["fields"] == ["email"] else (name, options)
        for name, options in signatures_admin.SignatureAdmin.fieldsets]
    fieldsets.insert(3, (_("Register of elected officials (RNE)"), {
        "fields": ["register_result", "register_match_note", "register_checked_at",
                   *REGISTER_FACTS]}))

    @admin.display(description=_("email"), ordering="email_normalised")
    def email_and_kind(self, obj):
        kind = label(DomainKind, obj.email_domain_kind) or "?"
        if obj.email_domain_kind == DomainKind.WEBMAIL:
            # Allowed (small communes' mayors use webmail), but worth a look.
            return format_html("{} <strong>[{}]</strong>", obj.email, kind)
        return format_html("{} <small>[{}]</small>", obj.email, kind)

    @admin.display(description=_("domain kind"))
    def domain_kind(self, obj):
        return label(DomainKind, obj.email_domain_kind) or self.get_empty_value_display()

    @admin.display(description=_("email domain check"), ordering="email_domain_check")
    def domain_check(self, obj):
        shown = label(DomainCheck, obj.email_domain_check)
        if obj.email_domain_check == DomainCheck.CANNOT_RECEIVE:
            return format_html('<strong class="refused">⚠ {}</strong>', shown)
        return shown or "–"

    @admin.display(description=_("register (RNE)"))
    def register_result(self, obj):
        return label(RegisterMatch, obj.register_match) or self.get_empty_value_display()

    @admin.display(description=_("register (RNE)"), ordering="register_match")
    def register_verdict(self, obj):
        if not obj.register_match:
            return "–"
        mark = {"exact": "✓", "probable": "≈", "other_mandate": "≠", "none": "✗"}[
            obj.register_match]
        why = obj.register_match_note.split(". ", 1)[0] if obj.register_match in (
            "probable", "other_mandate") else ""
        ended = (_("mandate no longer in the register since %(date)s") % {
            "date": date_format(obj.register_mandate_ended_on, "SHORT_DATE_FORMAT")}
            if obj.register_mandate_ended else "")
        return format_html('{} {}<br><small>{}</small> <strong>{}</strong>', mark,
                           label(RegisterMatch, obj.register_match), why, ended)

    @admin.display(description=_("email delivery"), ordering="email_delivery")
    def delivery(self, obj):
        return label(EmailChallenge.State, obj.email_delivery) or "–"


admin.site.unregister(Signature)
admin.site.register(Signature, SignatureAdmin)
