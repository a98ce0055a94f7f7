from django import template
from django.urls import reverse

from ..domains import classify as domains

register = template.Library()


@register.inclusion_tag("admin/verification/email_domain_evidence.html", takes_context=True)
def email_domain_evidence(context, signature):
    """On a signature's admin page: what rule covers its domain, and the commune's own domain."""
    user = context["request"].user
    rule = domains.rule_for(signature.email_domain)
    can_confirm = (user.has_perm("signatures.moderate_signature")
                   and domains.may_confirm_commune_domain(signature, rule))
    return {
        "domain": signature.email_domain,
        "rule": rule,
        "evidence": domains.commune_evidence(signature, rule),
        "can_confirm": can_confirm,
        "confirm_url": reverse("admin:verification_domainrule_confirm_commune",
                               args=[signature.pk]) if can_confirm else "",
        "csrf_token": context.get("csrf_token"),
    }
