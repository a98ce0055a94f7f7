"""One build of a delivery dossier: its area, its progress and, once done, its file."""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petition.models import Petition

from .area import Area

# The public download is rebuilt at most this often; a moderator may ask sooner.
PUBLIC_REBUILD_AFTER = timedelta(hours=1)
# 600,000 signatories take minutes (docs/performance.md): a build still under way after
# this long has lost its worker.
LOST_AFTER = timedelta(hours=2)


class DeliveryDossierQuerySet(models.QuerySet):
    def current(self, petition, area_key=""):
        """The latest dossier built for this area, if any."""
        return (self.filter(petition=petition, area=area_key, state=DeliveryDossier.State.READY)
                .order_by("-built_at").first())

    def pending(self, petition, area_key=""):
        return self.filter(petition=petition, area=area_key,
                           state__in=DeliveryDossier.PENDING).first()

    def ask(self, petition, area_key="", by=None):
        """A queued build for the area, or the one already queued or under way (one at a
        time per area: a unique constraint, so two askers at once get the same row)."""
        self.abandon_lost_builds()
        try:
            with transaction.atomic():
                return self.create(petition=petition, area=area_key, requested_by=by)
        except IntegrityError:
            return self.pending(petition, area_key)

    def abandon_lost_builds(self):
        """A build whose worker died (or whose message was lost) would block its area
        for ever: past LOST_AFTER it is marked failed, and the next ask queues anew."""
        cutoff = timezone.now() - LOST_AFTER
        self.filter(Q(state=DeliveryDossier.State.BUILDING, started_at__lt=cutoff)
                    | Q(state=DeliveryDossier.State.QUEUED, requested_at__lt=cutoff)).update(
            state=DeliveryDossier.State.FAILED, error="lost: no worker finished it")

    def due_for_the_public(self, petition) -> bool:
        """The public file is missing or older than an hour, and nothing is being built."""
        current = self.current(petition)
        stale = current is None or current.built_at < timezone.now() - PUBLIC_REBUILD_AFTER
        return stale and self.pending(petition) is None


class DeliveryDossier(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        BUILDING = "building", _("being built")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    PENDING = (State.QUEUED, State.BUILDING)

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, verbose_name=_("petition"))
    # signatures.delivery.pdf.Area.key: "" all, "29", "29-3" (a deputy's), "29-sen".
    area = models.CharField(_("area"), max_length=10, blank=True,
                            help_text=_("Empty: every signatory. A département code (29), "
                                        "29-3 for the deputy of its 3rd constituency, 29-sen "
                                        "for its senators."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.QUEUED)
    done = models.PositiveIntegerField(_("signatories written"), default=0)
    total = models.PositiveIntegerField(_("signatories"), default=0)
    file_name = models.CharField(_("file"), max_length=200, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, verbose_name=_("asked by"))
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = DeliveryDossierQuerySet.as_manager()

    class Meta:
        app_label = "signatures"
        verbose_name = _("delivery dossier")
        verbose_name_plural = _("delivery dossiers")
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(
            fields=["petition", "area"], condition=Q(state__in=["queued", "building"]),
            name="one_pending_dossier_per_area")]

    def __str__(self):
        return f"{self.petition.slug} {self.area or 'all'} ({self.get_state_display()})"

    @property
    def area_description(self):
        return Area.from_key(self.area).describe()

    @property
    def path(self) -> Path:
        return Path(settings.DELIVERY_DOSSIER_ROOT) / self.file_name

    @property
    def percent(self) -> int:
        return 100 if self.state == self.State.READY else (
            self.done * 100 // self.total if self.total else 0)

    def build(self) -> bool:
        """Write the file, showing progress on the row; False when another worker has it."""
        claimed = DeliveryDossier.objects.filter(pk=self.pk, state=self.State.QUEUED).update(
            state=self.State.BUILDING, started_at=timezone.now())
        if not claimed:
            return False
        root = Path(settings.DELIVERY_DOSSIER_ROOT)
        root.mkdir(parents=True, exist_ok=True)
        name = f"{self.petition.slug}-{self.area or 'all'}-{self.pk}.pdf"

        def progress(done, total):
            DeliveryDossier.objects.filter(pk=self.pk).update(done=done, total=total)

        # fpdf2 and fontTools (20 MB a process) are for the task that builds the file only.
        from .pdf import write

        try:
            held = write(self.petition, root / name, Area.from_key(self.area), progress)
        except Exception as error:
            DeliveryDossier.objects.filter(pk=self.pk).update(
                state=self.State.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
            raise
        DeliveryDossier.objects.filter(pk=self.pk).update(
            state=self.State.READY, file_name=name, size=(root / name).stat().st_size,
            done=held, total=held, built_at=timezone.now())
        self.forget_older()
        return True

    def forget_older(self):
        """Only the newest file of an area is kept."""
        older = DeliveryDossier.objects.filter(
            petition=self.petition, area=self.area, state=self.State.READY,
            requested_at__lt=self.requested_at).exclude(pk=self.pk)
        for dossier in older:
            dossier.path.unlink(missing_ok=True)
        older.delete()
