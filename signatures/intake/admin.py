"""The staff pages of signatures.intake, mixed into SignatureAdmin (signatures/admin.py):
record a signature by hand, import a list (with a dry run first), open an evidence file."""

import re

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from petition.models import Petition
from signatures.models import Signature

from .evidence import cap_uploads, evidence_storage
from .forms import RECORD_PERMISSION, ImportForm, RecordedSignatureForm
from .importing import ImportFileError, check, import_rows
from .models import Evidence
from .recording import AlreadySigned, record

SHOWN_IN_PREVIEW = 100
STASH = "imports/{}.csv"  # a previewed list waits here, under its SHA-256, for "Import"
DIGEST = re.compile(r"[0-9a-f]{64}")


def capped_uploads(view, limit_setting):
    """Install the size cap before anything reads the body, then check CSRF as usual."""
    def prepare_body(request):
        cap_uploads(request, getattr(settings, limit_setting))

    @csrf_exempt
    def wrapped(request, *args, **kwargs):
        if not hasattr(request, "_files"):  # unless the middleware has already parsed it
            prepare_body(request)
        return csrf_protect(view)(request, *args, **kwargs)
    # petition.web.middleware parses form bodies early: it calls this first.
    wrapped.prepare_body = prepare_body
    return wrapped


class IntakeAdmin:
    """Mixed into SignatureAdmin, before admin.ModelAdmin."""

    def get_urls(self):
        site = self.admin_site
        return [
            path("record/", site.admin_view(capped_uploads(
                self.record_view, "SIGNATURE_EVIDENCE_MAX_BYTES")),
                name="signatures_signature_record"),
            path("import/", site.admin_view(capped_uploads(
                self.import_view, "SIGNATURE_IMPORT_MAX_BYTES")),
                name="signatures_signature_import"),
            path("<int:pk>/evidence/", site.admin_view(self.evidence_file),
                 name="signatures_signature_evidence"),
        ] + super().get_urls()

    # --- the signature's page -------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "source", "evidence_summary"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or obj.source == Signature.Source.FORM:
            return fieldsets
        shown = ["source"]
        if request.user.has_perm(RECORD_PERMISSION):
            shown.append("evidence_summary")  # the sender's address and the file
        return [*fieldsets, (_("Received outside the form"), {"fields": shown})]

    @admin.display(description=_("evidence"))
    def evidence_summary(self, obj):
        evidence = Evidence.objects.filter(signature=obj).select_related("entered_by").first()
        if evidence is None:
            return "–"
        rows = [
            (_("sender address"), evidence.sender),
            (_("received at"), localize(localtime(evidence.received_at))
             if evidence.received_at else ""),
            (_("Message-ID"), evidence.message_id),
            (_("note"), evidence.note),
            (_("imported from"), evidence.imported_from),
            (_("entered by"), evidence.entered_by or ""),
            (_("entered at"), localize(localtime(evidence.entered_at))),
        ]
        listing = format_html_join("", "<dt>{}</dt><dd>{}</dd>",
                                   ((label, value) for label, value in rows if value))
        link = format_html('<dd><a href="{}">{}</a> ({})</dd>',
                           reverse("admin:signatures_signature_evidence", args=[obj.pk]),
                           _("open the evidence file"), evidence.file_type
                           ) if evidence.file else ""
        return format_html('<dl class="evidence">{}{}</dl>', listing, link)

    # --- record one -------------------------------------------------------------

    def _check_recorder(self, request):
        if not request.user.has_perm(RECORD_PERMISSION):
            raise PermissionDenied

    def _petition(self):
        petition = Petition.objects.featured()
        if petition is None:
            raise Http404("No featured petition")
        return petition

    def record_view(self, request):
        self._check_recorder(request)
        petition = self._petition()
        if request.method == "POST":
            form = RecordedSignatureForm(request.POST, request.FILES, petition=petition,
                                         actor=request.user,
                                         oversized=getattr(request, "oversized_uploads", ()))
            if form.is_valid():
                try:
                    signature = record(form, petition, request.user)
                except AlreadySigned as already:
                    form.add_error("email", _(
                        "This address has already signed this petition (signature #%(id)s).")
                        % {"id": already.signature.pk})
                else:
                    self.message_user(request, _(
                        "Signature recorded: it awaits review.")
                        if signature.state == Signature.State.EMAIL_CONFIRMED else _(
                        "Signature recorded: a confirmation request is on its way to the "
                        "signer's address."), messages.SUCCESS)
                    return redirect("admin:signatures_signature_change", signature.pk)
        else:
            form = RecordedSignatureForm(petition=petition, actor=request.user,
                                         initial={"source": Signature.Source.EMAIL})
        signature_fields = [name for name in form.fields if name not in INTAKE_FIELDS]
        return render(request, "admin/signatures/signature/record.html", {
            **self.admin_site.each_context(request),
            "title": _("Record a signature received outside the form"),
            "opts": self.model._meta,
            "petition": petition,
            "form": form,
            "groups": [
                (_("The signature, as the form asks for it"),
                 [form[name] for name in signature_fields]),
                (_("Where it came from"), [form[name] for name in INTAKE_FIELDS
                                           if name != "mark_confirmed"]),
                *([(_("Confirmation"), [form["mark_confirmed"]])] if form.may_confirm else []),
            ],
            "hidden": [] if form.may_confirm else [form["mark_confirmed"]],
        })

    # --- import a list ------------------------------------------------------------

    def import_view(self, request):
        self._check_recorder(request)
        petition = self._petition()
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Import a list of signatories"), "petition": petition,
                   "shown": SHOWN_IN_PREVIEW}
        form = ImportForm(actor=request.user)
        if request.method == "POST" and request.POST.get("stash"):
            return self._import_stashed(request, petition, context)
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES, actor=request.user,
                              oversized=getattr(request, "oversized_uploads", ()))
            if form.is_valid():
                uploaded = form.cleaned_data["file"]
                content = uploaded.read()
                try:
                    report = check(content, uploaded.name, petition, request.user,
                                   confirmed=form.cleaned_data["mark_confirmed"])
                except ImportFileError as error:
                    form.add_error("file", str(error))
                else:
                    name = STASH.format(report.digest)
                    if not evidence_storage().exists(name):
                        evidence_storage().save(name, ContentFile(content))
                    return render(request, "admin/signatures/signature/import.html", {
                        **context, "report": report, "dry_run": True,
                        "confirmed": form.cleaned_data["mark_confirmed"]})
        return render(request, "admin/signatures/signature/import.html",
                      {**context, "form": form})

    def _import_stashed(self, request, petition, context):
        digest = request.POST["stash"]
        confirmed = request.POST.get("mark_confirmed") == "on"
        if confirmed and not ImportForm(actor=request.user).may_confirm:
            raise PermissionDenied
        name = STASH.format(digest)
        if not DIGEST.fullmatch(digest) or not evidence_storage().exists(name):
            self.message_user(request, _("This preview has already been imported or has "
                                         "expired: upload the file again."), messages.ERROR)
            return redirect("admin:signatures_signature_import")
        with evidence_storage().open(name, "rb") as stashed:
            content = stashed.read()
        try:
            report = import_rows(content, request.POST.get("filename", "list.csv"), petition,
                                 request.user, confirmed=confirmed)
        except ImportFileError as error:  # the settings changed since the preview
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:signatures_signature_import")
        evidence_storage().delete(name)
        self.message_user(request, ngettext(
            "%(count)d signature imported.", "%(count)d signatures imported.",
            len(report.imported)) % {"count": len(report.imported)}, messages.SUCCESS)
        return render(request, "admin/signatures/signature/import.html",
                      {**context, "report": report, "dry_run": False})

    # --- the evidence file ----------------------------------------------------------

    def evidence_file(self, request, pk):
        self._check_recorder(request)
        evidence = get_object_or_404(Evidence, signature_id=pk)
        if not evidence.file:
            raise Http404("No evidence file")
        extension = evidence.file.name.rpartition(".")[2]
        # Downloaded, never rendered by the site's origin: a PDF or image cannot act here.
        return FileResponse(evidence.file.open("rb"), content_type=evidence.file_type,
                            as_attachment=True, filename=f"evidence-{pk}.{extension}")


INTAKE_FIELDS = ["source", "language", "sender", "received_at", "message_id", "note", "file",
                 "mark_confirmed"]
