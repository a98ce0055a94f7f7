"""The staff's form for a signature received outside the form: the signing form's own
validation, plus where it came from and what the campaign holds as evidence."""

import re
from datetime import datetime, time, timedelta
from email.utils import parsedate_to_datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from signatures.forms import SignatureForm, has_invisible_characters
from signatures.models import Signature, normalise_email

from .evidence import sniff_upload

CONFIRM_PERMISSION = "signatures.record_confirmed_signature"
RECORD_PERMISSION = "signatures.moderate_signature"

SOURCE_CHOICES = [choice for choice in Signature.Source.choices
                  if choice[0] != Signature.Source.FORM]
# An RFC 5322 msg-id as a mail client shows it: <left@right>, printable ASCII, no spaces.
MESSAGE_ID = re.compile(r"<?([!-;=?-~]+@[!-;=?-~]+)>?")


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def parse_received_at(text: str):
    """A Date header as received ("Tue, 1 Dec 2026 10:02:00 +0100"), or ISO 8601."""
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class RecordedSignatureForm(SignatureForm):
    """A moderator's entry: every check of the public form, without its flood limits.

    The rate limits protect the public form from floods; a moderator typing
    what the campaign received, or importing its list, is not one. Everything
    else (names, titles, localities, parties, the email's domain) is the
    signing form's own code.
    """

    source = forms.ChoiceField(label=_("Received through"), choices=SOURCE_CHOICES)
    language = forms.ChoiceField(label=_("Language of the signer's emails"),
                                 choices=settings.LANGUAGES, initial="fr")
    sender = forms.EmailField(
        label=_("Sender's address, as received"), max_length=254, required=False,
        help_text=_("For an email: the From address."))
    received_at = forms.CharField(
        label=_("Date, as received"), max_length=80, required=False,
        help_text=_("For an email, its Date header (Tue, 1 Dec 2026 10:02:00 +0100); "
                    "otherwise the date of the letter or of the resolution (2026-12-01)."))
    message_id = forms.CharField(
        label=_("Message-ID, as received"), max_length=255, required=False,
        help_text=_("For an email: its Message-ID header, <…@…>."))
    note = forms.CharField(label=_("Note (internal, never published)"), max_length=2000,
                           required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Evidence file (optional)"), required=False)
    mark_confirmed = forms.BooleanField(
        label=_("Mark it confirmed: the campaign holds an email from this official address"),
        required=False,
        help_text=_("Instead of sending the usual confirmation request. The sender, date and "
                    "Message-ID of that email are required, and go into the trail."))

    def __init__(self, *args, petition=None, actor=None, oversized=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.petition, self.actor, self.oversized = petition, actor, oversized
        # Nothing for a bot to fill here: the page is behind the staff login.
        del self.fields["website"]
        # News need the signer's own consent: they can ask for them from any email.
        del self.fields["news"]
        self.fields["consent"].label = _(
            "The signer agreed that their name, title, locality and party are published.")
        self.fields["consent"].error_messages["required"] = _(
            "The petition publishes every signature: record only signers who agreed to it.")
        self.fields["email"].help_text = _(
            "The signer's official address: the confirmation request goes there.")
        self.fields["file"].help_text = _(
            "One PDF or image (PNG, JPEG, GIF, WebP), at most %(size)s MB. "
            "Only moderators can open it.") % {
                "size": megabytes(settings.SIGNATURE_EVIDENCE_MAX_BYTES)}
        self.may_confirm = bool(actor and actor.has_perm(CONFIRM_PERMISSION))
        if not self.may_confirm:
            self.fields["mark_confirmed"].widget = forms.HiddenInput()
        self.existing = None

    def check_rate_limits(self, data):
        pass  # see the class's docstring

    @property
    def preview_title(self):
        """The public title the signature will have (for an import's preview)."""
        return self.build_signature(self.petition, self.cleaned_data["language"]).title

    @property
    def source_label(self):
        return dict(SOURCE_CHOICES)[self.cleaned_data["source"]]

    def clean_sender(self):
        return normalise_email(self.cleaned_data["sender"]) if self.cleaned_data["sender"] else ""

    def clean_received_at(self):
        text = " ".join(self.cleaned_data["received_at"].split())
        if not text:
            return None
        moment = parse_received_at(text)
        if moment is None:
            raise ValidationError(_("Write the date as in the email's Date header "
                                    "(Tue, 1 Dec 2026 10:02:00 +0100) or as 2026-12-01."),
                                  code="date")
        if moment > timezone.now() + timedelta(days=1):
            raise ValidationError(_("This date is in the future."), code="future")
        return moment

    def clean_message_id(self):
        text = self.cleaned_data["message_id"].strip()
        if not text:
            return ""
        match = MESSAGE_ID.fullmatch(text)
        if not match:
            raise ValidationError(_("A Message-ID reads <something@somewhere>, without spaces."),
                                  code="message_id")
        return f"<{match.group(1)}>"

    def clean_note(self):
        value = self.cleaned_data["note"].strip()
        # Markup is kept as typed: the note is only ever shown escaped, to staff.
        if has_invisible_characters(value, allowed="\n\r\t"):
            raise ValidationError(_("The note contains invisible or control characters."),
                                  code="controls")
        return value

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if "file" in self.oversized or (uploaded and uploaded.size >
                                        settings.SIGNATURE_EVIDENCE_MAX_BYTES):
            raise ValidationError(
                _("This file is larger than %(size)s MB. Send a lighter scan or a PDF."),
                code="too_large",
                params={"size": megabytes(settings.SIGNATURE_EVIDENCE_MAX_BYTES)})
        if not uploaded:
            return None
        kind = sniff_upload(uploaded)
        if kind is None:
            raise ValidationError(
                _("This file is neither a PDF nor an image (PNG, JPEG, GIF, WebP), "
                  "whatever its name says."), code="file_type")
        uploaded.evidence_kind = kind
        return uploaded

    def clean(self):
        data = super().clean()
        email = data.get("email")
        if email and self.petition is not None:
            self.existing = Signature.objects.live().filter(
                petition=self.petition, email_normalised=normalise_email(email)).first()
            if self.existing:
                self.add_error("email", _(
                    "This address has already signed this petition (signature #%(id)s).")
                    % {"id": self.existing.pk})
        if data.get("mark_confirmed"):
            self.check_confirmation(data)
        return data

    def check_confirmation(self, data):
        """Checked here, on the server: a hidden checkbox is no permission."""
        if not self.may_confirm:  # the field is hidden: the message goes above the form
            self.add_error(None, _(
                "You may not mark a signature confirmed: it needs the permission "
                "« record a signature as confirmed on the campaign's evidence »."))
            return
        if data.get("source") != Signature.Source.EMAIL:
            self.add_error("source", _("Only an email from the official address can stand "
                                       "for the confirmation."))
        for name in ("sender", "received_at", "message_id"):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("Needed to mark the signature confirmed."))
        email = data.get("email")
        if data.get("sender") and email and data["sender"] != normalise_email(email):
            self.add_error("sender", _("The email was sent from another address than the "
                                       "signer's: send the confirmation request instead."))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("List of signatories (CSV)"),
        help_text=_("UTF-8 (with or without BOM) or Latin-1; « ; » or « , » between cells; "
                    "the first line names the columns (see README.md)."))
    mark_confirmed = forms.BooleanField(
        label=_("Mark the rows confirmed: the campaign holds an email from each address"),
        required=False,
        help_text=_("Each such row needs source “email”, sender equal to the address, its "
                    "date and its Message-ID. Otherwise each signer gets the usual "
                    "confirmation request."))

    def __init__(self, *args, actor=None, oversized=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.oversized = oversized
        self.may_confirm = bool(actor and actor.has_perm(CONFIRM_PERMISSION))
        if not self.may_confirm:
            self.fields["mark_confirmed"].widget = forms.HiddenInput()

    def clean_file(self):
        if "file" in self.oversized:
            raise ValidationError(_("This file is larger than %(size)s MB: split it."),
                                  code="too_large", params={
                                      "size": megabytes(settings.SIGNATURE_IMPORT_MAX_BYTES)})
        return self.cleaned_data["file"]

    def clean(self):
        data = super().clean()
        if data.get("mark_confirmed") and not self.may_confirm:
            # The field is hidden from them: the message goes above the form.
            raise ValidationError(_(
                "You may not mark signatures confirmed: it needs the permission "
                "« record a signature as confirmed on the campaign's evidence »."))
        return data
