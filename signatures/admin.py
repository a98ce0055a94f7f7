from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Party, Signature, SignatureEvent


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "refused", "requires_detail", "is_active", "position"]
    list_editable = ["position"]
    list_filter = ["refused", "is_active"]
    search_fields = ["name", "short_name", "aliases"]


class SignatureEventInline(admin.TabularInline):
    model = SignatureEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "transition", "from_state", "to_state", "actor", "reason", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["full_name", "title", "party", "refused_party_flag", "email", "state",
                    "email_confirmed_at"]
    list_filter = ["state", "mandate", "refused_party_flag", "party", "petition"]
    search_fields = ["last_name", "first_name", "email_normalised", "locality"]
    list_select_related = ["party"]
    ordering = ["email_confirmed_at", "id"]
    readonly_fields = ["petition", "state", "email", "consented_at", "language", "created_at",
                       "email_confirmed_at", "approved_at", "decided_at", "withdrawn_at",
                       "refused_party_flag"]
    fieldsets = [
        (None, {"fields": ["petition", "state", "refused_party_flag"]}),
        (_("Signer"), {"fields": ["civility", "first_name", "last_name", "email", "mandate",
                                   "mandate_other", "locality", "departement", "party",
                                   "party_detail", "comment"]}),
        (_("Dates"), {"fields": ["consented_at", "language", "created_at", "email_confirmed_at",
                                 "approved_at", "decided_at", "withdrawn_at"]}),
    ]
    inlines = [SignatureEventInline]

    @admin.display(description=_("title"))
    def title(self, obj):
        return obj.title

    def has_delete_permission(self, request, obj=None):
        # Signatures leave by withdrawal or by the retention policy, never by a click.
        return False
