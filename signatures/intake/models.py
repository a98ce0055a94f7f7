from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from signatures.models import Signature

from .evidence import evidence_storage

# The trail entry (ModerationDecision.transition) written when a moderator records a signature.
RECORDED = "record"


class Evidence(models.Model):
    """What the campaign holds for a signature it received outside the form."""

    signature = models.OneToOneField(Signature, on_delete=models.CASCADE,
                                     related_name="evidence")
    # For an email: the sender, date and Message-ID as received.
    sender = models.EmailField(_("sender address"), max_length=254, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Kept outside the static and media paths; served to moderators only.
    file = models.FileField(_("file"), storage=evidence_storage, upload_to="%Y/%m/",
                            blank=True, max_length=200)
    # Read from the file's first bytes, never from its name or the browser's word.
    file_type = models.CharField(_("file type"), max_length=40, blank=True)
    # An import's rows: which file (its SHA-256) and which line.
    imported_from = models.CharField(_("imported from"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, verbose_name=_("entered by"))
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        # Separate from recording: it lets a signature skip the email challenge.
        permissions = [("record_confirmed_signature",
                        _("Can record a signature as confirmed on the campaign's evidence"))]

    def __str__(self):
        return f"{self.signature.get_source_display()} #{self.signature_id}"
