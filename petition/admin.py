from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Petition


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    list_display = ["title_fr", "slug", "is_published", "is_featured", "opens_at", "closes_at"]
    list_filter = ["is_published", "is_featured"]
    prepopulated_fields = {"slug": ["title_fr"]}
    search_fields = ["title_fr", "title_en", "slug"]
    fieldsets = [
        (None, {"fields": ["slug", "is_published", "is_featured", "contact_email", "goal",
                           "opens_at", "closes_at", "ended_mandates"]}),
        (_("Campaign"), {"fields": ["organiser", "data_controller"]}),
        (_("Invitation to elected officials who have not signed"), {"fields": [
            "invitation_subject_fr", "invitation_body_fr", "invitation_subject_en",
            "invitation_body_en"]}),
        (_("French (authoritative)"), {"fields": ["title_fr", "body_fr", "display_title_fr",
                                                  "target_fr", "how_to_sign_fr"]}),
        (_("English translation"), {"fields": ["title_en", "body_en", "display_title_en",
                                               "target_en", "how_to_sign_en"]}),
    ]
