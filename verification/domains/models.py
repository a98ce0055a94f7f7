"""The rules moderators keep about email domains."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from signatures.models import Signature, ascii_domain


def validate_domain_pattern(value: str):
    if not DomainRule.PATTERN.fullmatch(normalise_pattern(value)):
        raise ValidationError(
            _("Write a domain (senat.fr) or a family of subdomains (*.gouv.fr)."),
            code="pattern")


class DomainRule(models.Model):
    """What a signer's email domain says: kept by moderators, seeded by a migration.

    "senat.fr" matches that domain only; "*.gouv.fr" matches its subdomains.
    The most specific rule wins. Saving or deleting a rule re-classifies the
    signatures it covers (see verification.domains).
    """

    PATTERN = re.compile(r"(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                         r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
    class Kind(models.TextChoices):
        # Signature.DomainKind, less "unknown": what no rule says.
        OFFICIAL = Signature.DomainKind.OFFICIAL.value, Signature.DomainKind.OFFICIAL.label
        WEBMAIL = Signature.DomainKind.WEBMAIL.value, Signature.DomainKind.WEBMAIL.label
        NOT_MANDATE = (Signature.DomainKind.NOT_MANDATE.value,
                       Signature.DomainKind.NOT_MANDATE.label)

    pattern = models.CharField(_("domain"), max_length=253, unique=True,
                               validators=[validate_domain_pattern],
                               help_text=_("senat.fr for that domain only; *.gouv.fr for all "
                                           "its subdomains."))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    commune_code = models.CharField(
        _("commune (INSEE code)"), max_length=5, blank=True,
        help_text=_("For a commune's own domain, confirmed by a moderator."))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, verbose_name=_("by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("email domain rule")
        verbose_name_plural = _("email domain rules")
        ordering = ["pattern"]

    def __str__(self):
        return f"{self.pattern} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        self.pattern = normalise_pattern(self.pattern)
        # Editing a pattern re-classifies what the old one covered too.
        self.replaced_pattern = (DomainRule.objects.filter(pk=self.pk)
                                 .values_list("pattern", flat=True).first()
                                 if self.pk else None)
        super().save(*args, **kwargs)


def normalise_pattern(pattern: str) -> str:
    pattern = pattern.strip().rstrip(".").lower()
    prefix = "*." if pattern.startswith("*.") else ""
    return prefix + ascii_domain(pattern.removeprefix("*."))
