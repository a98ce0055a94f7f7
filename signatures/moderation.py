"""A moderator's decision on signatures: the one path the admin's actions and the review desk share.

The state machine (Signature.objects.move) writes the trail of decisions; this
adds the admin's own log entry and the words a moderator reads afterwards.
"""

from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.utils.translation import ngettext

from .models import MoveResult, Signature


def decide(queryset, transition, actor, *, reason=None, note="") -> MoveResult:
    """Move the signatures, write the trail and the admin log, in a bounded number of queries."""
    result = queryset.move(transition, actor=actor, reason=reason, note=note)
    if result.moved:
        LogEntry.objects.log_actions(
            actor.pk, list(Signature.objects.filter(pk__in=result.moved)), CHANGE,
            change_message=f"{transition}: {note}".strip(": "), single_object=False)
    return result


# One sentence per action, so that French plurals agree (« 4 signatures approuvées »).
MOVED = {
    "approve": lambda count: ngettext("%(count)d signature approved.",
                                      "%(count)d signatures approved.", count),
    "reject": lambda count: ngettext("%(count)d signature rejected.",
                                     "%(count)d signatures rejected.", count),
    "return_to_review": lambda count: ngettext("%(count)d signature sent back to review.",
                                               "%(count)d signatures sent back to review.",
                                               count),
}


def outcome(result: MoveResult, transition) -> list[tuple[int, str]]:
    """What a moderator is told after a decision: (message level, sentence)."""
    said = []
    if count := len(result.moved):
        said.append((messages.SUCCESS, MOVED[transition](count) % {"count": count}))
    if count := result.skipped["state"]:
        said.append((messages.WARNING, ngettext(
            "%(count)d signature skipped: this action is not possible from its state.",
            "%(count)d signatures skipped: this action is not possible from their state.",
            count) % {"count": count}))
    if count := result.skipped["register_nuance"]:
        said.append((messages.ERROR, ngettext(
            "%(count)d signature not approved: the register gives its signer a far-right "
            "nuance.",
            "%(count)d signatures not approved: the register gives their signers a "
            "far-right nuance.", count) % {"count": count}))
    if count := result.skipped["refused_party"]:
        said.append((messages.ERROR, ngettext(
            "%(count)d signature not approved: its party is refused (far right).",
            "%(count)d signatures not approved: their party is refused (far right).",
            count) % {"count": count}))
    return said
