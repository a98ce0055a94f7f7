from datetime import UTC, datetime, timedelta

from django.contrib import admin, messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import moderation
from .delivery import admin as delivery_admin  # noqa: F401  (registers DeliveryDossier)
from .forms import ClearNuanceForm, RejectForm
from .intake.admin import IntakeAdmin
from .models import ModerationDecision, Party, RejectionReason, Signature
from .places import departement_choices


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "refused", "requires_detail", "is_active", "position"]
    list_editable = ["position"]
    list_filter = ["refused", "is_active"]
    search_fields = ["name", "short_name", "aliases"]

    def has_delete_permission(self, request, obj=None):
        return False  # signatures refer to parties; deactivate instead


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "is_active", "position"]
    list_editable = ["position"]

    def has_delete_permission(self, request, obj=None):
        return False  # decisions refer to reasons; deactivate instead


class DecisionInline(admin.TabularInline):
    model = ModerationDecision
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_state", "to_state", "decided_by", "reason", "note",
              "changes"]
    readonly_fields = fields
    verbose_name_plural = _("trail of decisions")

    @admin.display(description=_("action"))
    def action(self, obj):
        return ModerationDecision.ACTIONS.get(obj.transition, obj.transition)

    @admin.display(description=_("by"))
    def decided_by(self, obj):
        return obj.actor_label

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StateFilter(admin.SimpleListFilter):
    """Opens on the review queue; "all" is an explicit choice."""

    title = _("state")
    parameter_name = "state"
    QUEUE = Signature.State.EMAIL_CONFIRMED

    def lookups(self, request, model_admin):
        return [("all", _("All")), *Signature.State.choices]

    def value(self):
        return super().value() or self.QUEUE

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        return queryset.filter(state=self.value())

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class DepartementFilter(admin.SimpleListFilter):
    title = _("département")
    parameter_name = "departement"

    def lookups(self, request, model_admin):
        return [choice for choice in departement_choices() if choice[0]]

    def queryset(self, request, queryset):
        return queryset.filter(departement=self.value()) if self.value() else queryset


class ExactValueFilter(admin.SimpleListFilter):
    """Reached by a link from the flood report: shows the value asked for, and "All"."""

    field = ""

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, value)] if value else []

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class EmailDomainFilter(ExactValueFilter):
    title = _("email domain")
    parameter_name = field = "email_domain"


class IpHashFilter(ExactValueFilter):
    title = _("IP hash")
    parameter_name = field = "ip_hash"


class SignedHourFilter(ExactValueFilter):
    title = _("signed in the hour (UTC)")
    parameter_name = "signed_hour"

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            start = datetime.strptime(self.value(), "%Y-%m-%dT%H").replace(tzinfo=UTC)
        except ValueError:
            return queryset.none()
        return queryset.filter(created_at__gte=start, created_at__lt=start + timedelta(hours=1))


DISPLAY_FIELDS = ["civility", "first_name", "last_name", "mandate", "mandate_other", "locality",
                  "departement", "party", "party_detail", "comment"]


class AddressesForModerators:
    """Signers' addresses, in any admin that can reach them, for moderators only.

    Without `signatures.moderate_signature`, a lookup on an address field is refused (a
    400, not a shorter list that would say yes or no), the search skips those fields,
    and the form leaves out `address_fields` (say, an SMTP error quoting the address).
    """

    address_lookups = ("email", "email_normalised")
    address_fields = ()

    def can_see_addresses(self, request):
        return request.user.has_perm("signatures.moderate_signature")

    def _reaches_address(self, lookup: str) -> bool:
        return any(lookup == field or lookup.startswith(f"{field}__")
                   for field in self.address_lookups)

    def lookup_allowed(self, lookup, value, request):
        if self._reaches_address(lookup) and not self.can_see_addresses(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if self.can_see_addresses(request):
            return fields
        return [field for field in fields if not self._reaches_address(field.lstrip("^=@"))]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.can_see_addresses(request):
            return fields
        return [field for field in fields if field not in self.address_fields]


@admin.register(Signature)
class SignatureAdmin(IntakeAdmin, AddressesForModerators, admin.ModelAdmin):
    """The review queue. The columns that verification sets (the email, its domain, the
    register, the delivery) are added by verification.admin, which declares their labels."""

    list_display = ["name_flagged", "title_and_locality", "party_flagged", "email_confirmed_at",
                    "state"]
    list_filter = [StateFilter, "mandate", "party", "refused_party_flag", "mixed_script_flag",
                   DepartementFilter, EmailDomainFilter, IpHashFilter, SignedHourFilter]
    # Columns that show the signer's address: moderators only.
    moderator_only_columns = ()
    search_fields = ["last_name", "first_name", "name_key", "email_normalised", "locality"]
    list_select_related = ["party"]
    ordering = ["email_confirmed_at", "id"]
    list_per_page = 100
    actions = ["approve", "reject", "return_to_review", "clear_register_nuance_flag"]
    readonly_fields = ["petition", "state", "email",
                       "refused_party", "mixed_script_flag", "consented_at", "language",
                       "created_at", "email_confirmed_at", "approved_at", "decided_at",
                       "withdrawn_at", "duplicates", "locality_code", "circonscription"]
    fieldsets = [
        (None, {"fields": ["petition", "state", "refused_party", "mixed_script_flag",
                           "duplicates"]}),
        # The codes come from the reference data at signing: shown, never typed.
        (_("Public display"), {"fields": [*DISPLAY_FIELDS, "locality_code", "circonscription"]}),
        (_("Email"), {"fields": ["email"]}),
        (_("Dates"), {"fields": ["consented_at", "language", "created_at", "email_confirmed_at",
                                 "approved_at", "decided_at", "withdrawn_at"]}),
    ]
    inlines = [DecisionInline]

    class Media:
        # Columns that fit at 1280 px, filters folded (templates/admin/filter.html).
        css = {"all": ["css/review_queue.css"]}

    def changelist_view(self, request, extra_context=None):
        # The queue needs the width: no navigation sidebar beside the filters.
        return super().changelist_view(request, {"is_nav_sidebar_enabled": False,
                                                 **(extra_context or {})})

    # --- columns ------------------------------------------------------------

    @admin.display(description=_("name"), ordering="name_key")
    def name_flagged(self, obj):
        if obj.mixed_script_flag:
            # Accepted (real names mix scripts, rarely), but it may be a look-alike.
            return format_html('{} <strong class="refused">⚠ {}</strong>', obj.full_name,
                               _("mixed scripts"))
        return obj.full_name

    @admin.display(description=_("refused party"))
    def refused_party(self, obj):
        """A warning, never a green tick: a refused party is not a good thing."""
        if not obj.refused_party_flag:
            return _("no")
        why = (_("the party chosen is refused (far right)") if obj.party.refused
               else _("the party typed matches a refused party (far right): check it"))
        return format_html('<strong class="refused">⚠ {}</strong>', why)

    @admin.display(description=_("title and locality"))
    def title_and_locality(self, obj):
        return obj.title

    @admin.display(description=_("party"), ordering="party__name")
    def party_flagged(self, obj):
        if obj.refused_party_flag:
            return format_html('<strong class="refused">⚠ {} ({})</strong>', obj.party_label,
                               _("refused"))
        if obj.register_nuance_flag:
            return format_html('{} <strong class="refused">⚠ {}</strong>', obj.party_label,
                               _("register nuance %(code)s (far right)")
                               % {"code": obj.register_nuance})
        return obj.party_label

    @admin.display(description=_("possible duplicates"))
    def duplicates(self, obj):
        others = obj.possible_duplicates() if obj.pk else []
        if not others:
            return "–"
        return format_html_join(
            ", ", '<a href="{}">{} ({}, {})</a>',
            ((reverse("admin:signatures_signature_change", args=[other.pk]), other.full_name,
              other.locality, other.get_state_display()) for other in others))

    # --- permissions --------------------------------------------------------

    def has_moderate_permission(self, request):
        return request.user.has_perm("signatures.moderate_signature")

    # Only moderators see signers' addresses, or can search by them: other
    # staff (say, whoever edits the petition's text) get the rest.
    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if self.has_moderate_permission(request):
            return shown
        return [column for column in shown if column not in self.moderator_only_columns]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_moderate_permission(request):
            return fieldsets
        return [(name, {**options, "fields": [f for f in options["fields"] if f != "email"]})
                for name, options in fieldsets]

    def has_add_permission(self, request):
        return False  # signatures come from the form and the signer's mailbox

    def has_delete_permission(self, request, obj=None):
        # Signatures leave by withdrawal or by the retention policy, never by a click.
        return False

    # --- the trail of edits -------------------------------------------------

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            ModerationDecision.objects.create(
                signature=obj, transition=ModerationDecision.EDIT, from_state=obj.state,
                to_state=obj.state, actor=request.user,
                changes={name: [_plain(form.initial.get(name)), _plain(form.cleaned_data[name])]
                         for name in form.changed_data},
            )

    # --- actions ------------------------------------------------------------

    def _apply(self, request, queryset, transition, **decision):
        result = moderation.decide(queryset, transition, request.user, **decision)
        for level, sentence in moderation.outcome(result, transition):
            self.message_user(request, sentence, level)
        return result

    @admin.action(description=_("Approve the selected signatures"), permissions=["moderate"])
    def approve(self, request, queryset):
        self._apply(request, queryset, "approve")

    @admin.action(description=_("Send back to review"), permissions=["moderate"])
    def return_to_review(self, request, queryset):
        self._apply(request, queryset, "return_to_review")

    @admin.action(description=_("Reject the selected signatures…"), permissions=["moderate"])
    def reject(self, request, queryset):
        if "apply" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid():
                self._apply(request, queryset, "reject", reason=form.cleaned_data["reason"],
                            note=form.cleaned_data["note"])
                return None
        else:
            form = RejectForm()
        # "Select all N" (select_across) reaches here with the changelist's
        # filters in the URL: the page keeps both, so one action can reject a
        # whole flood without posting thousands of ids.
        return self._action_page(request, "reject.html", title=_("Reject signatures"),
                                 form=form, count=queryset.count(),
                                 signatures=queryset.select_related("party")[
                                     :SHOWN_BEFORE_REJECT])

    def _action_page(self, request, template, **context):
        """The page an action asks its details on, carrying the selection back."""
        return render(request, f"admin/signatures/signature/{template}", {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "selected_ids": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across") == "1",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            **context,
        })


    def has_clear_nuance_permission(self, request):
        return request.user.has_perm("signatures.clear_register_nuance_flag")

    @admin.action(description=_("Clear the register's far-right nuance flag…"),
                  permissions=["clear_nuance"])
    def clear_register_nuance_flag(self, request, queryset):
        """With a note that goes into each signature's trail."""
        form = ClearNuanceForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            cleared = sum(signature.clear_register_nuance_flag(request.user,
                                                               form.cleaned_data["note"])
                          for signature in queryset.filter(register_nuance_flag=True))
            self.message_user(request, ngettext(
                "%(count)d signature: far-right nuance flag cleared.",
                "%(count)d signatures: far-right nuance flag cleared.", cleared)
                % {"count": cleared}, messages.SUCCESS)
            return None
        return self._action_page(
            request, "clear_nuance.html", title=_("Clear the register's far-right nuance flag"),
            form=form, signatures=queryset.filter(register_nuance_flag=True).select_related(
                "party")[:SHOWN_BEFORE_REJECT])


SHOWN_BEFORE_REJECT = 50


def _plain(value):
    """A JSON-friendly rendering of a form value for the trail."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)
