import copy

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .markdown import render_markdown
from .web import pagecache


def in_language(obj, name):
    """The English value for English readers when there is one, else the French."""
    english = getattr(obj, f"{name}_en")
    return english if get_language() == "en" and english else getattr(obj, f"{name}_fr")


class PetitionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def featured(self):
        return self.published().filter(is_featured=True).order_by("-opens_at").first()


class Petition(models.Model):
    class EndedMandates(models.TextChoices):
        """How the public list shows a signer whose mandate the register no longer holds."""

        AT_SIGNING = "at_signing", _("the mandate held at signing, with its date")
        FORMER = "former", _("« former mayor of … »")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title_fr = models.CharField(_("title (French)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    body_fr = models.TextField(_("text (French, Markdown)"),
                               help_text=_("The authoritative text."))
    body_en = models.TextField(_("text (English, Markdown)"), blank=True,
                               help_text=_("A translation; the French text prevails."))
    display_title_fr = models.CharField(
        _("display title (French)"), max_length=120, blank=True,
        help_text=_("Shown as the page heading and in email subjects. "
                    "Empty: the text's own title."))
    display_title_en = models.CharField(_("display title (English)"), max_length=120, blank=True)
    how_to_sign_fr = models.TextField(
        _("how to sign (French, Markdown)"), blank=True,
        help_text=_("The campaign box near the top of the page: the form, or writing to the "
                    "campaign's address."))
    how_to_sign_en = models.TextField(_("how to sign (English, Markdown)"), blank=True)
    organiser = models.CharField(_("organiser"), max_length=200, blank=True,
                                 help_text=_("Who runs the campaign."))
    target_fr = models.CharField(_("addressed to (French)"), max_length=200, blank=True,
                                 help_text=_("Whom the petition addresses."))
    target_en = models.CharField(_("addressed to (English)"), max_length=200, blank=True)
    data_controller = models.TextField(
        _("data controller"), blank=True,
        help_text=_("Name and postal address of who is responsible for the signers' data, "
                    "shown on the privacy page."))
    contact_email = models.EmailField(_("contact address"), blank=True,
                                      help_text=_("Reply-To of the emails sent to signers."))
    goal = models.PositiveIntegerField(_("goal"), null=True, blank=True)
    opens_at = models.DateTimeField(_("opens at"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Shown at the site root.")
    )
    ended_mandates = models.CharField(
        _("mandates that end"), max_length=12, choices=EndedMandates.choices,
        default=EndedMandates.AT_SIGNING,
        help_text=_("On the public list, for a signer the register no longer lists "
                    "with the mandate they signed with."))
    # « Have your elected officials signed? »: the invitation a visitor sends, from their
    # own mail program (a mailto: link), to an official who has not signed.
    invitation_subject_fr = models.CharField(
        _("invitation subject (French)"), max_length=200, blank=True,
        help_text=_("For the mailto: link a visitor sends an elected official who has not "
                    "signed. Empty: a default subject."))
    invitation_subject_en = models.CharField(_("invitation subject (English)"), max_length=200,
                                             blank=True)
    invitation_body_fr = models.TextField(
        _("invitation text (French)"), blank=True,
        help_text=_("Plain text. The site never sends it and never records who clicks. "
                    "Empty: a default text with the petition's address."))
    invitation_body_en = models.TextField(_("invitation text (English)"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-opens_at"]

    def __str__(self):
        return self.title_fr

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Cached public pages show its text and dates; each process keeps it by version.
        pagecache.changed()

    def get_absolute_url(self):
        return reverse("petition_detail", args=[self.slug])

    def absolute_url(self, path=None):
        return settings.SITE_URL + (path or self.get_absolute_url())

    @property
    def is_translation_shown(self):
        """English readers get the translation when there is one."""
        return get_language() == "en" and bool(self.body_en)

    def _in_language(self, name):
        return in_language(self, name)

    @property
    def text_title(self):
        """The heading of the text itself, kept as written."""
        return self._in_language("title")

    @property
    def title(self):
        """What the site calls the petition: the campaign's display title, else the text's."""
        if get_language() == "en" and self.display_title_en:
            return self.display_title_en
        if get_language() == "en" and self.title_en:
            return self.title_en
        return self.display_title_fr or self.title_fr

    @property
    def target(self):
        return self._in_language("target")

    @property
    def invitation_subject(self):
        return self._in_language("invitation_subject") or _(
            "Will you sign the elected officials' petition?")

    @property
    def invitation_body(self):
        return self._in_language("invitation_body") or _(
            "Hello,\n\nElected officials are signing this petition: %(title)s.\n"
            "Will you sign it too? %(url)s\n") % {"title": self.title,
                                                 "url": self.absolute_url()}

    @property
    def how_to_sign_html(self):
        return render_markdown(self._in_language("how_to_sign"))

    @property
    def body_html(self):
        return self._html_en if self.is_translation_shown else self._html_fr

    @cached_property
    def _html_fr(self):
        return render_markdown(self.body_fr)

    @cached_property
    def _html_en(self):
        return render_markdown(self.body_en)

    @property
    def has_closed(self):
        return self.closes_at is not None and timezone.now() >= self.closes_at

    def is_open(self, at=None):
        at = at or timezone.now()
        return self.is_published and self.opens_at <= at and (
            self.closes_at is None or at < self.closes_at
        )


_published = pagecache.VersionedMemo(size=16)


@receiver(post_delete, sender=Petition)
def forget_a_deleted_petition(sender, **kwargs):
    pagecache.changed()  # as save() does; the admin's bulk delete calls no delete()


def published_or_404(slug) -> Petition:
    """The published petition of that slug, kept by the pages' version: every page and
    every signing POST reads it. A copy, so that nothing set on it reaches another
    request."""
    if len(slug) > Petition._meta.get_field("slug").max_length:
        raise Http404  # not a slug we could have: not worth a place in the memo
    petition = _published.get(slug, lambda: Petition.objects.published().filter(
        slug=slug).first())
    if petition is None:
        raise Http404("No published petition here.")
    return copy.copy(petition)


class UpdateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False).order_by("-published_at", "-pk")


class Update(models.Model):
    """News of a campaign, in Markdown: emailed to the signers who asked for it
    (verification.news) and published, once sent, on the petition page."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="updates",
                                 verbose_name=_("petition"))
    title_fr = models.CharField(_("title (French)"), max_length=200)
    body_fr = models.TextField(_("text (French, Markdown)"), max_length=20_000)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True,
                                help_text=_("Empty: English readers get the French."))
    body_en = models.TextField(_("text (English, Markdown)"), max_length=20_000, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, editable=False,
                                   verbose_name=_("written by"))
    # Set when the moderator sends it: from then on it is on the petition page and
    # can no longer be edited (the emails say what it says).
    published_at = models.DateTimeField(_("sent and published at"), null=True, blank=True,
                                        editable=False)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign update")
        verbose_name_plural = _("campaign updates")
        ordering = ["-created_at"]
        permissions = [("send_update", _("Can write and send campaign updates to signers"))]

    def __str__(self):
        return self.title_fr

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.published_at:
            transaction.on_commit(pagecache.bump)  # the petition page lists it

    @property
    def in_english(self) -> bool:
        """English readers get the translation when there is one, title and text together."""
        return get_language() == "en" and bool(self.body_en)

    @property
    def title(self):
        return (self.title_en or self.title_fr) if self.in_english else self.title_fr

    @property
    def body(self):
        return self.body_en if self.in_english else self.body_fr

    @property
    def body_html(self):
        """Sanitised exactly like the petition's text."""
        return render_markdown(self.body)


class HeartbeatQuerySet(models.QuerySet):
    def workers_seen_since(self, since):
        return self.filter(kind=Heartbeat.Kind.WORKER, seen_at__gt=since)

    def last_seen(self, kind):
        return (self.filter(kind=kind).order_by("-seen_at")
                .values_list("seen_at", flat=True).first())


class Heartbeat(models.Model):
    """The last sign of life of one Celery worker process, or of beat (petition/heartbeats.py)."""

    class Kind(models.TextChoices):
        WORKER = "worker", _("worker process")
        BEAT = "beat", _("beat (scheduler)")

    # host:pid:nonce for a worker process (the name its claims carry), beat@host for beat.
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    seen_at = models.DateTimeField(_("last seen at"))

    objects = HeartbeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} ({self.seen_at:%Y-%m-%d %H:%M:%S})"
