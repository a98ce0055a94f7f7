"""The staff's page of delivery dossiers: ask for one, watch it being built, download it."""

import re

from django import forms
from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..places import ABROAD, departements
from ..tasks import build_delivery_dossier
from .models import DeliveryDossier

AREA = re.compile(r"(?P<departement>[0-9]{2,3}|2A|2B)(?:-(?P<rest>[1-9][0-9]?|sen))?")


class DossierForm(forms.ModelForm):
    class Meta:
        model = DeliveryDossier
        fields = ["petition", "area"]

    def clean_area(self):
        area = self.cleaned_data["area"].strip().upper().replace("SEN", "sen")
        match = AREA.fullmatch(area)
        if area and not (match and (match["departement"] in departements()
                                    or match["departement"] == ABROAD)):
            raise forms.ValidationError(_("Give a département code (29), 29-3 for the deputy "
                                          "of its 3rd constituency, or 29-sen for its "
                                          "senators; or leave it empty for every signatory."))
        return area


@admin.register(DeliveryDossier)
class DeliveryDossierAdmin(admin.ModelAdmin):
    form = DossierForm
    list_display = ["petition", "area_shown", "state", "progress", "requested_by",
                    "requested_at", "built_at", "download"]
    list_filter = ["state", "petition"]
    actions = None

    @admin.display(description=_("area"))
    def area_shown(self, dossier):
        return dossier.area_description

    @admin.display(description=_("progress"))
    def progress(self, dossier):
        return format_html('<progress max="100" value="{}" aria-label="{}">{} %</progress> '
                           "{} / {}", dossier.percent, _("progress"), dossier.percent,
                           dossier.done, dossier.total)

    @admin.display(description=_("file"))
    def download(self, dossier):
        if dossier.state != DeliveryDossier.State.READY:
            return dossier.error[:80] if dossier.error else "–"
        return format_html('<a href="{}">{} ({} KB)</a>', reverse(
            "admin:signatures_deliverydossier_download", args=[dossier.pk]),
            _("download"), dossier.size // 1024)

    def get_urls(self):
        return [path("<int:pk>/download/", self.admin_site.admin_view(self.download_view),
                     name="signatures_deliverydossier_download")] + super().get_urls()

    def download_view(self, request, pk):
        if not self.has_view_permission(request):
            raise Http404
        dossier = get_object_or_404(DeliveryDossier, pk=pk, state=DeliveryDossier.State.READY)
        if not dossier.path.exists():
            raise Http404
        return FileResponse(dossier.path.open("rb"), content_type="application/pdf",
                            as_attachment=True, filename=dossier.file_name)

    def has_change_permission(self, request, obj=None):
        return False  # a dossier is asked for, built and replaced, never edited

    def save_model(self, request, obj, form, change):
        """A moderator's request: queued at once (or the build already under way)."""
        dossier = DeliveryDossier.objects.ask(obj.petition, obj.area, by=request.user)
        obj.pk = dossier.pk
        if dossier.requested_by_id != request.user.pk:
            messages.info(request, _("A dossier for this area is already being built."))
        build_delivery_dossier.delay_on_commit(dossier.pk)

    def response_add(self, request, obj, post_url_continue=None):
        return self.response_post_save_add(request, obj)
