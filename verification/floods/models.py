"""Hours in which one email domain or one IP hash signed unusually often."""

from datetime import UTC, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from signatures.models import Signature


class FloodAlertQuerySet(models.QuerySet):
    def report(self, now=None) -> int:
        """Record the hours' domains and IP hashes that sign unusually often.

        Run every few minutes by beat over the current and the previous hour,
        so a flood in progress shows before its hour ends. Unusual means at
        least a floor of signatures in the hour, and several times what the
        same domain or IP hash usually sends in an hour over the past week.
        Rows are updated in place: running it again changes nothing.
        """
        now = now or timezone.now()
        current = now.replace(minute=0, second=0, microsecond=0)
        found = 0
        for start in (current - timedelta(hours=1), current):
            for kind, field, floor in (
                (FloodAlert.Kind.DOMAIN, "email_domain", settings.FLOOD_DOMAIN_MIN_PER_HOUR),
                (FloodAlert.Kind.IP_HASH, "ip_hash", settings.FLOOD_IP_MIN_PER_HOUR),
            ):
                found += self._report_hour(start, kind, field, floor)
        return found

    def _report_hour(self, start, kind, field, floor) -> int:
        end = start + timedelta(hours=1)
        counts = dict(
            Signature.objects.filter(created_at__gte=start, created_at__lt=end)
            .exclude(**{field: ""}).values_list(field).annotate(n=models.Count("id"))
            .filter(n__gte=floor).values_list(field, "n"))
        if not counts:
            return 0
        days = settings.FLOOD_BASELINE_DAYS
        before = dict(
            Signature.objects.filter(created_at__gte=start - timedelta(days=days),
                                     created_at__lt=start, **{f"{field}__in": list(counts)})
            .values_list(field).annotate(n=models.Count("id")).values_list(field, "n"))
        found = 0
        for value, count in counts.items():
            usual = before.get(value, 0) / (days * 24)
            if count < settings.FLOOD_FACTOR * max(usual, 1):
                continue
            self.update_or_create(hour=start, kind=kind, value=value,
                                  defaults={"signatures": count, "usual_per_hour": usual})
            found += 1
        return found


class FloodAlert(models.Model):
    """An hour in which one domain or one IP hash sent unusually many signatures."""

    class Kind(models.TextChoices):
        DOMAIN = "domain", _("email domain")
        IP_HASH = "ip_hash", _("IP hash")

    hour = models.DateTimeField(_("hour"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("domain or IP hash"), max_length=254)
    signatures = models.PositiveIntegerField(_("signatures in the hour"))
    usual_per_hour = models.FloatField(_("usual per hour (past week)"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = FloodAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("flood alert")
        verbose_name_plural = _("flood alerts")
        ordering = ["-hour", "-signatures"]
        constraints = [models.UniqueConstraint(fields=["hour", "kind", "value"],
                                               name="one_alert_per_hour_and_source")]

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H:00} {self.value} ({self.signatures})"

    def signatures_query(self) -> dict:
        """The admin filters that select this alert's signatures."""
        # The changelist's filter names (signatures/admin.py): email_domain, ip_hash.
        parameter = {self.Kind.DOMAIN: "email_domain"}.get(self.kind, self.kind)
        return {"state": "all", parameter: self.value,
                "signed_hour": self.hour.astimezone(UTC).strftime("%Y-%m-%dT%H")}
