"""Everything a moderator needs to decide a signature, gathered for many at once.

One signature on the desk and a thousand for "approve all recommended" go
through the same function, in the same handful of queries.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from petition.models import Petition
from signatures.models import Party, Signature

from ..domains import classify as domains
from ..domains.models import DomainCheck as Check
from ..domains.models import DomainKind as Kind
from ..outbox.models import EmailChallenge
from ..register.models import RegisterMatch


@dataclass
class Evidence:
    signature: Signature
    rule: object = None  # the DomainRule covering the address's domain, if any
    commune: domains.CommuneEvidence | None = None
    duplicates: list = field(default_factory=list)
    # The same address's signatures on other petitions.
    elsewhere: list = field(default_factory=list)
    # A refused party the free-text party name matches (an alias), never the chosen one.
    alias_of: Party | None = None

    @property
    def chosen_party_refused(self) -> bool:
        return self.signature.party.refused

    @property
    def is_commune_mandate(self) -> bool:
        return self.signature.mandate in domains.COMMUNE_MANDATES

    @property
    def commune_domain_label(self):
        """For a municipal mandate: is the address on the commune's own domain?"""
        if not self.is_commune_mandate:
            return ""
        if self.commune:
            return self.commune.label
        return _("not the commune's own domain, as far as the rules and its name tell")

    @property
    def domain_kind_label(self):
        kind = self.signature.email_domain_kind
        return Kind(kind).label if kind in Kind.values else _("not classified yet")

    @property
    def dns_label(self):
        check = self.signature.email_domain_check
        return Check(check).label if check in Check.values else _("not checked yet")

    @property
    def register_label(self):
        match = self.signature.register_match
        return RegisterMatch(match).label if match in RegisterMatch.values else _(
            "not checked yet")

    @property
    def delivery_label(self):
        """The confirmation email's delivery, in words (the outbox's states)."""
        state = self.signature.email_delivery
        if state in EmailChallenge.State.values:
            return EmailChallenge.State(state).label
        return _("no email recorded") if not state else state


def gather(signatures) -> list[Evidence]:
    """The evidence for these signatures (party loaded), in order, in five queries at most."""
    signatures = list(signatures)
    if not signatures:
        return []
    rules = domains.rules_for(s.email_domain for s in signatures)
    duplicates = Signature.duplicates_of(signatures)
    elsewhere = other_petitions(signatures)
    refused = None  # the refused parties, read once, only if a typed name needs them
    gathered = []
    for signature in signatures:
        rule = rules.get(signature.email_domain)
        alias_of = None
        if signature.refused_party_flag and not signature.party.refused:
            if refused is None:
                refused = list(Party.objects.filter(refused=True))
            alias_of = Party.refused_match_among(signature.party_detail, refused)
        gathered.append(Evidence(
            signature=signature, rule=rule,
            commune=domains.commune_evidence(signature, rule),
            duplicates=duplicates[signature.pk],
            elsewhere=elsewhere.get(signature.pk, []),
            alias_of=alias_of))
    return gathered


def other_petitions(signatures) -> dict:
    """Each signer's live signatures on other petitions, by the same address.

    Asked per petition and address, so that the one-live-signature-per-address
    index answers (an address alone would read the whole table); no query at
    all while there is a single petition.
    """
    by_address = {}
    for signature in signatures:
        if signature.email_normalised and not signature.purged_at:
            by_address.setdefault(signature.email_normalised, []).append(signature)
    if not by_address:
        return {}
    own = {signature.petition_id for signature in signatures}
    others = list(Petition.objects.exclude(pk__in=own).values_list("pk", flat=True))
    if not others and len(own) == 1:
        return {}
    found = {}
    candidates = (Signature.objects.live()
                  .filter(petition_id__in=[*others, *own], email_normalised__in=list(by_address))
                  .select_related("petition").order_by("-created_at"))
    for other in candidates:
        for signature in by_address[other.email_normalised]:
            if other.petition_id != signature.petition_id:
                found.setdefault(signature.pk, []).append(other)
    return found
