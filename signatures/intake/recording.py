"""record(): a signature the campaign received outside the form, with its evidence and trail."""

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from signatures.models import ModerationDecision, Signature

from .evidence import stored_name
from .models import RECORDED, Evidence


class AlreadySigned(Exception):
    """The address signed meanwhile: nothing was saved, nothing sent."""

    def __init__(self, signature):
        super().__init__(f"signature #{signature.pk} is live for this address")
        self.signature = signature


def record(form, petition, actor, *, imported_from="") -> Signature:
    """Save what a valid RecordedSignatureForm holds, as the signing form would.

    The signature goes through Signature.objects.submit: by default the usual
    challenge goes to the given address; with mark_confirmed (checked by the
    form against the actor's permission) it moves through "confirm_email" on
    the campaign's evidence instead. Either way the trail says who entered it,
    from what.
    """
    data = form.cleaned_data
    signature = form.build_signature(petition, data["language"])
    signature.source = data["source"]
    evidence = Evidence(sender=data["sender"], received_at=data["received_at"],
                        message_id=data["message_id"], note=data["note"],
                        imported_from=imported_from, entered_by=actor)
    confirmed = ({"actor": actor, "note": confirmation_note(evidence)}
                 if data["mark_confirmed"] else None)
    uploaded = data.get("file")
    try:
        with transaction.atomic():
            saved = Signature.objects.submit(signature, data["language"], confirmed=confirmed)
            if saved is not signature:
                raise AlreadySigned(saved)  # rolls back the notice submit queued for it
            if uploaded:
                content_type, extension = uploaded.evidence_kind
                evidence.file.save(stored_name(extension), uploaded, save=False)
                evidence.file_type = content_type
            evidence.signature = saved
            evidence.save()
            # Dated as the signature, so that the trail lists it before the confirmation.
            ModerationDecision.objects.create(
                signature=saved, transition=RECORDED, from_state=Signature.State.PENDING_EMAIL,
                to_state=Signature.State.PENDING_EMAIL, actor=actor,
                note=recording_note(saved, evidence), created_at=signature.created_at)
    except BaseException:
        if evidence.file:
            evidence.file.delete(save=False)  # no file left behind by a row that is not there
        raise
    return saved


def _evidence_words(evidence) -> list[str]:
    words = []
    if evidence.sender:
        words.append(_("from %(sender)s") % {"sender": evidence.sender})
    if evidence.received_at:
        words.append(_("dated %(date)s") % {
            "date": date_format(evidence.received_at, "DATETIME_FORMAT", use_l10n=True)})
    if evidence.message_id:
        words.append(_("Message-ID %(id)s") % {"id": evidence.message_id})
    return words


def recording_note(signature, evidence) -> str:
    lines = [_("Recorded by a moderator: received through %(source)s") % {
        "source": signature.get_source_display()}]
    lines += _evidence_words(evidence)
    if evidence.imported_from:
        lines.append(evidence.imported_from)
    if evidence.note:
        lines.append(_("Note: %(note)s") % {"note": evidence.note})
    return clauses(lines) + "."


def clauses(parts: list[str]) -> str:
    """Parts joined by semicolons as the active language writes them (« a ; b » in
    French, with a narrow no-break space)."""
    text = parts[0] if parts else ""
    for part in parts[1:]:
        text = _("%(before)s; %(after)s") % {"before": text, "after": part}
    return text


def confirmation_note(evidence) -> str:
    return _("Confirmed on the campaign's evidence, without the email challenge: "
             "an email %(evidence)s.") % {"evidence": ", ".join(_evidence_words(evidence))}
