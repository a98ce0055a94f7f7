"""What a signer's email domain says: its kind (by DomainRule), the commune's own domain, MX."""

import logging
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from petition.web import pagecache
from signatures import places
from signatures.models import Signature

from . import mx
from .models import DomainCheck as Check
from .models import DomainKind as Kind
from .models import DomainRule
from .seed import patterns_for

log = logging.getLogger(__name__)

# Mandates whose locality is a commune: only their domain can be the commune's own.
COMMUNE_MANDATES = {mandate for mandate, kind in places.MANDATE_KINDS.items()
                    if kind in (places.COMMUNE, places.ARRONDISSEMENT)}


# --- kind, by rule ------------------------------------------------------------

def rule_for(domain: str) -> DomainRule | None:
    return rules_for([domain]).get(domain)


def rules_for(domains) -> dict:
    """The rule covering each domain (the most specific), in one query."""
    patterns = {domain: patterns_for(domain) for domain in set(domains) if domain}
    if not patterns:
        return {}
    rules = {rule.pattern: rule for rule in DomainRule.objects.filter(
        pattern__in={pattern for candidates in patterns.values() for pattern in candidates})}
    found = {}
    for domain, candidates in patterns.items():
        rule = next((rules[pattern] for pattern in candidates if pattern in rules), None)
        if rule:
            found[domain] = rule
    return found


# The signing path asks each POST's domain; the same few domains sign over and over.
_kinds = pagecache.VersionedMemo(size=1024)


def domain_kind(domain: str) -> str:
    """official, webmail, not_mandate or unknown: what the signing path stores. Kept by
    the pages' version, which saving or deleting a rule bumps (verification.receivers)."""
    return _kinds.get(domain, lambda: kind_by_rule(domain))


def kind_by_rule(domain: str) -> str:
    """domain_kind, read from the rules now."""
    rule = rule_for(domain)
    return rule.kind if rule else Kind.UNKNOWN


def reclassify(patterns) -> int:
    """Store the kind the rules now give on every signature under these patterns."""
    covered = Signature.objects.none()
    for pattern in patterns:
        if pattern.startswith("*."):
            covered |= Signature.objects.filter(email_domain__endswith=pattern[1:])
        else:
            covered |= Signature.objects.filter(email_domain=pattern)
    domains = set(covered.exclude(email_domain="").values_list("email_domain", flat=True)
                  .distinct())
    changed = 0
    for domain in domains:
        changed += (Signature.objects.filter(email_domain=domain)
                    .exclude(email_domain_kind=(kind := kind_by_rule(domain)))
                    .update(email_domain_kind=kind))
    return changed


# --- the commune's own domain -------------------------------------------------

def commune_slug(name: str) -> str:
    """Saint-Étienne-de-Tinée → saint-etienne-de-tinee; L'Haÿ-les-Roses → l-hay-les-roses."""
    return places.fold(re.sub(r"\(.*?\)", " ", name)).replace(" ", "-")  # "Lyon (69)"


def commune_domains(name: str) -> list[str]:
    """The usual patterns of a town hall's domain, derived from the commune's name."""
    slug = commune_slug(name)
    return [f"mairie-{slug}.fr", f"ville-{slug}.fr", f"{slug}.fr"] if slug else []


@dataclass
class CommuneEvidence:
    # "confirmed": a moderator confirmed the domain as this commune's;
    # "other_commune": confirmed, but as another commune's;
    # "derived": the domain follows a usual pattern for the commune's name.
    status: str
    rule: DomainRule | None = None

    @property
    def label(self):
        return {
            "confirmed": _("confirmed commune domain"),
            "other_commune": _("confirmed domain of another commune (INSEE %(code)s)"),
            "derived": _("matches the commune's own domain (derived)"),
        }[self.status] % {"code": self.rule.commune_code if self.rule else ""}


LOOK_UP = object()  # commune_evidence's default: the caller has not looked the rule up


def commune_evidence(signature, rule=LOOK_UP) -> CommuneEvidence | None:
    """`rule`: the domain's rule (or None), when the caller has already looked it up."""
    rule = rule_for(signature.email_domain) if rule is LOOK_UP else rule
    commune_code = signature.locality_code
    if rule and rule.commune_code:
        if commune_code and commune_code != rule.commune_code:
            return CommuneEvidence("other_commune", rule)
        return CommuneEvidence("confirmed", rule)
    if (signature.mandate in COMMUNE_MANDATES
            and signature.email_domain in commune_domains(signature.locality)):
        return CommuneEvidence("derived")
    return None


def may_confirm_commune_domain(signature, rule=None) -> bool:
    """A commune mandate's domain that no rule covers yet."""
    return bool(signature.mandate in COMMUNE_MANDATES and signature.email_domain
                and (rule or rule_for(signature.email_domain)) is None)


def confirm_commune_domain(signature, actor) -> DomainRule | None:
    """A moderator vouches for the signer's domain as the commune's own: it becomes a rule."""
    if not may_confirm_commune_domain(signature):
        return None
    rule, created = DomainRule.objects.get_or_create(
        pattern=signature.email_domain,
        defaults={"kind": Kind.OFFICIAL, "commune_code": signature.locality_code,
                  "created_by": actor,
                  "note": f"Commune domain of {signature.locality} "
                          f"({signature.departement}), confirmed from signature "
                          f"#{signature.pk}."})
    return rule if created else None


# --- can it receive mail? -----------------------------------------------------

def describe_email_domain(domain: str) -> dict:
    """The signing form's check, before the signature is saved.

    A domain that cannot receive mail is a typo or a fake: ValidationError.
    Otherwise its kind and the DNS answer, the Signature fields that go in with
    the INSERT. DNS is asked once per POST (and cached for a day).
    """
    check = mx.check_mail_domain(domain)
    if check == Check.CANNOT_RECEIVE:
        raise ValidationError(
            _("This address's domain (%(domain)s) cannot receive email. Please check the "
              "address for a typo, or use another one."),
            code="domain_cannot_receive", params={"domain": domain})
    return {"email_domain_kind": domain_kind(domain), "email_domain_check": check}


# After this many unanswered domains in a row, our resolver is the trouble:
# stop, and let the next run try again.
GIVE_UP_AFTER = 5


def recheck_unchecked(limit=200) -> dict:
    """Ask DNS again about the domains it did not answer; record what it says now.

    A dead domain is recorded as such, for the moderator to see and filter;
    the signature itself is left alone.
    """
    domains = list(Signature.objects.live()
                   .filter(email_domain_check=Check.UNCHECKED).exclude(email_domain="")
                   .values_list("email_domain", flat=True).distinct()[:limit])
    outcomes = {Check.OK: 0, Check.CANNOT_RECEIVE: 0, Check.UNCHECKED: 0}
    unanswered_in_a_row = 0
    for domain in domains:
        outcome = mx.check_mail_domain(domain, fresh=True)
        outcomes[outcome] += 1
        if outcome == Check.UNCHECKED:
            unanswered_in_a_row += 1
            if unanswered_in_a_row >= GIVE_UP_AFTER:
                log.warning("DNS did not answer for %d domains in a row; next run retries",
                            unanswered_in_a_row)
                break
            continue
        unanswered_in_a_row = 0
        Signature.objects.filter(email_domain=domain, email_domain_check=Check.UNCHECKED
                                 ).update(email_domain_check=outcome)
    return {str(key): value for key, value in outcomes.items()}
