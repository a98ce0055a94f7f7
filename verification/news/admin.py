"""Campaign updates in the admin: write (Markdown, French and English), preview, send a
test to oneself, then send to the signers who asked for news, optionally narrowed.

Everything here needs `petition.send_update`, a permission of its own: being a
moderator of signatures is not enough to write to thousands of people.
"""

import logging

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from petition.models import Update
from signatures.places import departement_choices
from signatures.titles import Mandate

from .. import queue
from ..outbox import emails
from . import sending

logger = logging.getLogger(__name__)

PERMISSION = "petition.send_update"


class AudienceForm(forms.Form):
    """Who gets the update: everyone who asked for news, or only some mandates or places."""

    mandates = forms.MultipleChoiceField(
        label=_("Only these mandates (none ticked: every mandate)"), required=False,
        choices=Mandate.choices, widget=forms.CheckboxSelectMultiple)
    departements = forms.MultipleChoiceField(
        label=_("Only these départements (none chosen: everywhere)"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departements"].choices = [c for c in departement_choices() if c[0]]


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    list_display = ["title_fr", "petition", "created_at", "published_at", "delivery"]
    list_filter = ["petition"]
    fields = ["petition", "title_fr", "body_fr", "title_en", "body_en"]
    change_form_template = "admin/petition/update/change_form.html"

    # --- who may ---------------------------------------------------------------

    def _may(self, request):
        return request.user.has_perm(PERMISSION)

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        # A sent update says what its emails said: it is no longer edited.
        return self._may(request) and (obj is None or obj.published_at is None)

    def has_delete_permission(self, request, obj=None):
        return self._may(request) and (obj is None or obj.published_at is None)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("emails"))
    def delivery(self, obj):
        if obj.published_at is None:
            return "–"
        counts = sending.progress(obj)
        return _("%(sent)s sent, %(waiting)s waiting, %(failed)s not sent") % counts

    # --- preview, test, send ------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview), name="petition_update_preview"),
            path("<int:pk>/test/", view(self.send_test), name="petition_update_test"),
            path("<int:pk>/send/", view(self.send), name="petition_update_send"),
            *super().get_urls(),
        ]

    def _update(self, request, pk):
        if not self._may(request):
            raise PermissionDenied
        return get_object_or_404(Update.objects.select_related("petition"), pk=pk)

    def _context(self, request, update, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta,
                "original": update, "update": update, **extra}

    def preview(self, request, pk):
        """The update as the petition page and the emails will show it, in both languages."""
        update = self._update(request, pk)
        versions = []
        for code, name in settings.LANGUAGES:
            with translation.override(code):
                versions.append({"code": code, "name": name, "title": update.title,
                                 "html": update.body_html,
                                 "translated": code == "fr" or update.in_english})
        return TemplateResponse(request, "admin/petition/update/preview.html", self._context(
            request, update, versions=versions, progress=sending.progress(update),
            title=_("Update: %(title)s") % {"title": update.title_fr}))

    def send_test(self, request, pk):
        update = self._update(request, pk)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.email:
            self.message_user(request, _("Your account has no email address to send a test to."),
                              messages.ERROR)
            return redirect("admin:petition_update_preview", update.pk)
        try:
            for code, _name in settings.LANGUAGES:
                emails.update_test(update, code, request.user).send()
        except Exception as error:  # the mail server's answer, shown instead of a 500
            logger.warning("Test of update %s failed: %s", update.pk, error)
            self.message_user(request, _("The test could not be sent: %(error)s")
                              % {"error": f"{type(error).__name__}: {error}"}, messages.ERROR)
        else:
            self.message_user(request, _("A test was sent to %(address)s, in French and in "
                                         "English.") % {"address": request.user.email},
                              messages.SUCCESS)
        return redirect("admin:petition_update_preview", update.pk)

    def send(self, request, pk):
        """GET: choose the audience and see how many it is. POST: send."""
        update = self._update(request, pk)
        form = AudienceForm(request.POST if request.method == "POST" else request.GET or None)
        audience = mandates = departements = None
        if form.is_bound and form.is_valid():
            mandates = form.cleaned_data["mandates"]
            departements = form.cleaned_data["departements"]
        elif not form.is_bound:
            mandates = departements = []
        if mandates is not None:
            audience = sending.audience(update, mandates, departements).count()
        if request.method == "POST" and audience is not None and "send" in request.POST:
            written = queue.send_update(update, mandates, departements)
            self.log_change(request, update, (
                f"Sent: {written} emails added; mandates {mandates or 'all'}, "
                f"départements {departements or 'all'}"))
            self.message_user(request, ngettext(
                "Sending to %(count)s signer has begun, at most %(pace)s emails a minute.",
                "Sending to %(count)s signers has begun, at most %(pace)s emails a minute.",
                written) % {"count": written, "pace": settings.NEWS_EMAILS_PER_MINUTE}
                if written else _("Every signer of this audience already has this update: "
                                  "nothing more to send."), messages.SUCCESS)
            return redirect("admin:petition_update_preview", update.pk)
        return TemplateResponse(request, "admin/petition/update/send.html", self._context(
            request, update, form=form, audience=audience, already=update.emails.count(),
            title=_("Send “%(title)s”") % {"title": update.title_fr}))
