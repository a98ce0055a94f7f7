"""The recommended verdict: what the evidence says a moderator should do, and why.

The rule is written here once. The desk shows its verdict with its reasons,
"approve all recommended" approves exactly the signatures it says "approve",
and RULE explains it on the page in the same words.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from signatures.models import RejectionReason

from ..domains.models import DomainCheck as Check
from ..domains.models import DomainKind as Kind
from ..register.models import RegisterMatch
from .evidence import Evidence, gather

APPROVE, REJECT, LOOK = "approve", "reject", "look"

# The rule, as the page explains it (in the order it is applied).
RULE = [
    _("Reject: the party chosen in the form is refused (far right). Such signatures are "
      "rejected by the system at email confirmation; one still here predates the rule."),
    _("Look closely: the register gives a far-right nuance; the party typed as free text "
      "matches a refused party; the address's "
      "domain cannot receive email, is not a mandate's, or is another commune's; a possible "
      "duplicate; the register does not list the signer, only probably lists them without "
      "an official address, or has not been checked yet."),
    _("Approve: none of the above, and the register lists the signer (or probably lists "
      "them, from an official address or the commune's own domain)."),
]


@dataclass
class Recommendation:
    verdict: str  # APPROVE, REJECT or LOOK
    reasons: list = field(default_factory=list)
    reject_reason_code: str = ""

    @property
    def label(self):
        return {APPROVE: _("approve"), REJECT: _("reject"), LOOK: _("look closely")}[
            self.verdict]


def recommend(evidence: Evidence) -> Recommendation:
    signature = evidence.signature
    if evidence.chosen_party_refused:
        return Recommendation(REJECT, [_("far-right party")], RejectionReason.FAR_RIGHT)
    concerns, support = [], []
    if evidence.alias_of:
        concerns.append(_("the party typed (“%(typed)s”) matches a refused party, "
                          "%(party)s: a free-text match, never rejected automatically") % {
            "typed": signature.party_detail, "party": evidence.alias_of.name})
    if signature.register_nuance_flag:
        concerns.append(_("the register gives the signer a far-right nuance: approval is "
                          "blocked until a permitted moderator clears it"))
    if signature.email_domain_check == Check.CANNOT_RECEIVE:
        concerns.append(_("the address's domain cannot receive email"))
    if signature.email_domain_kind == Kind.NOT_MANDATE:
        concerns.append(_("the address is not a mandate's"))
    if evidence.commune and evidence.commune.status == "other_commune":
        concerns.append(_("the domain is another commune's"))
    if count := len(evidence.duplicates):
        concerns.append(ngettext("%(count)d possible duplicate", "%(count)d possible duplicates",
                                 count) % {"count": count})
    official = (signature.email_domain_kind == Kind.OFFICIAL
                or (evidence.commune and evidence.commune.status in ("confirmed", "derived")))
    webmail = signature.email_domain_kind == Kind.WEBMAIL
    match signature.register_match:
        case RegisterMatch.EXACT:
            support.append(_("listed in the register"))
        case RegisterMatch.PROBABLE if official:
            support.append(_("probably listed in the register, from an official address"))
        case RegisterMatch.PROBABLE:
            concerns.append(_("only probably listed in the register, and not from an official "
                              "address"))
        case RegisterMatch.NONE if webmail:
            concerns.append(_("webmail and not in the register"))
        case RegisterMatch.NONE:
            concerns.append(_("not in the register"))
        case _:
            concerns.append(_("not checked against the register yet"))
    if concerns:
        return Recommendation(LOOK, concerns)
    if official:
        support.append(_("official address"))
    return Recommendation(APPROVE, support)


def recommended_for_approval(signatures) -> list[Evidence]:
    """Those of these signatures (party loaded) that the rule says to approve."""
    return [evidence for evidence in gather(signatures)
            if recommend(evidence).verdict == APPROVE]
