"""The rules moderators keep about email domains."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from signatures.models import ascii_domain

from .seed import in_words


class DomainKind(models.TextChoices):
    """What an email's domain says (Signature.email_domain_kind), by the rules below."""

    OFFICIAL = "official", _("official")
    WEBMAIL = "webmail", _("webmail")
    NOT_MANDATE = "not_mandate", _("not a mandate's address")
    UNKNOWN = "unknown", _("unknown")


class DomainCheck(models.TextChoices):
    """Whether the email's domain can receive mail, as DNS said (Signature.email_domain_check)."""

    OK = "ok", _("receives email")
    CANNOT_RECEIVE = "no_mail", _("cannot receive email")
    UNCHECKED = "unchecked", _("unchecked (DNS did not answer)")


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

    pattern = models.CharField(_("domain"), max_length=253, unique=True,
                               validators=[validate_domain_pattern],
                               help_text=_("senat.fr for that domain only; *.gouv.fr for all "
                                           "its subdomains."))
    # Every kind but "unknown", which is what no rule says.
    kind = models.CharField(_("kind"), max_length=16, choices=[
        (kind.value, kind.label) for kind in DomainKind if kind != DomainKind.UNKNOWN])
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

    @property
    def note_in_words(self) -> str:
        return in_words(self.note)


def normalise_pattern(pattern: str) -> str:
    pattern = pattern.strip().rstrip(".").lower()
    prefix = "*." if pattern.startswith("*.") else ""
    return prefix + ascii_domain(pattern.removeprefix("*."))
