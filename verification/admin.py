from django.contrib import admin

from .models import EmailChallenge


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
