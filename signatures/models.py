import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Q, Value
from django.db.models.constants import OnConflict
from django.db.models.functions import Cast, Concat
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from petition.models import Petition
from petition.web import pagecache

from .folding import fold
from .places import departement_name, of_place
from .scripts import mixes_scripts
from .signals import signature_submitted, signatures_moved
from .titles import Civility, Mandate, former_title, public_title, salutation


def ascii_domain(domain: str) -> str:
    """The IDNA (punycode) spelling of a domain; left as typed when it has none."""
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain  # the validators say what is wrong


def normalise_email(address: str) -> str:
    """One spelling per mailbox: trimmed, lower-cased, IDNA domain."""
    local, _, domain = address.strip().rpartition("@")
    return f"{local}@{ascii_domain(domain)}".lower()


class Party(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    short_name = models.CharField(_("abbreviation"), max_length=30, blank=True)
    aliases = models.CharField(
        _("other spellings"), max_length=300, blank=True,
        help_text=_("Comma-separated; used to recognise the party when typed as free text."),
    )
    refused = models.BooleanField(
        _("refused"), default=False,
        help_text=_("Signatures from this party cannot be approved (far right)."),
    )
    requires_detail = models.BooleanField(
        _("asks for a name"), default=False,
        help_text=_("For “other”: the signer types the party's name."),
    )
    position = models.PositiveSmallIntegerField(_("position in the list"), default=100)
    is_active = models.BooleanField(_("offered in the form"), default=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["position", "name"]

    def __str__(self):
        return f"{self.name} ({self.short_name})" if self.short_name else self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # The public lists name parties; each process keeps the offered ones by version.
        pagecache.changed()

    @classmethod
    def offered(cls) -> list["Party"]:
        """The parties the signing form offers, in its order, kept by the pages' version
        (every POST checks its choice against them). Shared: copy one before changing it."""
        return _offered_parties.get("offered", lambda: list(cls.objects.filter(is_active=True)))

    def spellings(self) -> set[str]:
        names = [self.name, self.short_name, *self.aliases.split(",")]
        return {fold(name) for name in names if fold(name)} | {
            fold(name).replace(" ", "") for name in names if fold(name)}

    @classmethod
    def refused_match(cls, text: str):
        """The refused party a free-text party name designates, if any ("R.N.")."""
        return cls.refused_match_among(text, cls.objects.filter(refused=True))

    @staticmethod
    def refused_match_among(text: str, refused_parties):
        folded = fold(text)
        if not folded:
            return None
        candidates = {folded, folded.replace(" ", "")}
        for party in refused_parties:
            if candidates & party.spellings():
                return party
        return None


_offered_parties = pagecache.VersionedMemo(size=1)


@receiver(post_delete, sender=Party)
def forget_a_deleted_party(sender, **kwargs):
    pagecache.changed()  # as save() does; the admin's bulk delete calls no delete()


class RejectionReason(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=120)
    note = models.TextField(_("note"), blank=True,
                            help_text=_("Internal guidance for moderators; never sent."))
    position = models.PositiveSmallIntegerField(_("position in the list"), default=100)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        ordering = ["position", "label"]

    def __str__(self):
        return self.label

    FAR_RIGHT = "far-right"

    @classmethod
    def far_right(cls):
        """The reason the system gives when it rejects a refused party (seeded by migrations)."""
        reason, _created = cls.objects.get_or_create(
            code=cls.FAR_RIGHT, defaults={"label": "Parti d'extrême droite", "position": 1})
        return reason


class InvalidTransition(Exception):
    pass


@dataclass
class MoveResult:
    moved: list = field(default_factory=list)
    # Why rows were left alone: "state" (not possible from their state),
    # "refused_party" (approval of a refused party) or "register_nuance"
    # (approval of someone the register gives a far-right nuance).
    skipped: Counter = field(default_factory=Counter)


# A title depends on six columns and the language, and many signatories share them
# (a commune's councillors, a département's mayors): each process works each one
# out once. Bounded, and small: a crowd of distinct pages meets a new combination on
# nearly every row, and 20,000 of them were about 8 MB of a web worker (make bench:
# the largest worker after the distinct scenarios and signing, 118 MB).
_TITLES_KEPT = 4096
_titles: dict[tuple, str] = {}


def title_of(mandate, civility, locality, departement, other, circonscription) -> str:
    """The public title (titles.public_title, with the article the places data knows)."""
    key = (get_language(), mandate, civility, locality, departement, other, circonscription)
    title = _titles.get(key)
    if title is None:
        if len(_titles) >= _TITLES_KEPT:
            _titles.clear()
        title = _titles[key] = public_title(
            mandate, civility, locality, departement, other, circonscription=circonscription,
            of=of_place(mandate, locality, departement))
    return title


class SignatureQuerySet(models.QuerySet):
    def live(self):
        return self.exclude(state__in=Signature.DEAD_STATES)

    def approved(self):
        return self.filter(state=Signature.State.APPROVED)

    def awaiting_review(self):
        return self.filter(state=Signature.State.EMAIL_CONFIRMED)

    def receiving_news(self):
        """Approved signers who asked for the campaign's news and can still be written to."""
        return self.approved().filter(news_consent_at__isnull=False).exclude(email="")

    def stop_news(self, because: str) -> int:
        """No more news to these signatures (an unsubscription, a bounce, a complaint)."""
        return self.filter(news_consent_at__isnull=False).update(
            news_consent_at=None, news_stopped_because=because, news_changed_at=timezone.now())

    def move(self, transition, *, actor=None, reason=None, note="",
             by_system=False) -> MoveResult:
        """Apply a transition to every row it is valid for, in a bounded number of queries.

        Rows are locked, checked against the state machine, updated with a
        compare-and-set per source state, and each move is written to the
        trail. Invalid rows are skipped and counted, never half-moved.

        A confirmed signature whose chosen party is refused is then rejected
        by the system, in the same transaction (see reject_refused_parties).
        `by_system`: the trail says the system decided, not a person.
        """
        _sources, target = Signature.TRANSITIONS[transition]
        now = timezone.now()
        stamps = {name: (now if value is NOW else value)
                  for name, value in Signature.STAMPS[transition].items()}
        result = MoveResult()
        with transaction.atomic():
            ids = list(self.values_list("pk", flat=True))
            rows = (Signature.objects.select_for_update().filter(pk__in=ids)
                    .values_list("pk", "state", "refused_party_flag", "register_nuance_flag",
                                 "party__refused"))
            by_source, chosen_refused = {}, []
            for pk, state, refused, far_right_nuance, party_refused in rows:
                if refusal := Signature.why_not(transition, state, refused, far_right_nuance):
                    result.skipped[refusal] += 1
                    continue
                by_source.setdefault(state, []).append(pk)
                if party_refused:
                    chosen_refused.append(pk)
            decisions = []
            for source, pks in by_source.items():
                Signature.objects.filter(pk__in=pks, state=source).update(state=target, **stamps)
                decisions += [
                    ModerationDecision(signature_id=pk, transition=transition,
                                       from_state=source, to_state=target, actor=actor,
                                       reason=reason, note=note, by_system=by_system,
                                       created_at=now)
                    for pk in pks
                ]
                result.moved += pks
            ModerationDecision.objects.bulk_create(decisions, batch_size=1000)
            if result.moved:
                signatures_moved.send(sender=Signature, ids=result.moved, transition=transition,
                                      target=target, sources=by_source)
            if transition == "confirm_email" and chosen_refused:
                Signature.objects.filter(pk__in=chosen_refused).reject_refused_parties()
        return result

    def reject_refused_parties(self) -> MoveResult:
        """The system rejects signatures whose CHOSEN party is refused (far right).

        Only the party picked from the list counts: a party typed as free text
        that merely looks like a refused one (an alias) is left to a moderator.
        """
        return self.filter(party__refused=True).move(
            "reject", reason=RejectionReason.far_right(), by_system=True)

    def expire_unconfirmed(self, now=None) -> int:
        """Pending signatures never confirmed within the policy's delay expire."""
        now = now or timezone.now()
        cutoff = now - timedelta(days=settings.UNCONFIRMED_EXPIRE_DAYS)
        return len(self.filter(state=Signature.State.PENDING_EMAIL, created_at__lt=cutoff)
                   .move("expire").moved)

    def purge_personal_data(self, now=None) -> int:
        """Delete who signed, once a withdrawn or expired signature has waited the policy's delay.

        What remains (mandate, département, party, dates) carries no personal
        data and keeps the campaign's statistics true.
        """
        now = now or timezone.now()
        cutoff = now - timedelta(days=settings.PURGE_AFTER_DAYS)
        rejected_cutoff = now - timedelta(days=settings.REJECTED_ANONYMISE_DAYS)
        due = list(self.filter(purged_at__isnull=True).filter(
            Q(state=Signature.State.WITHDRAWN, withdrawn_at__lt=cutoff)
            | Q(state=Signature.State.EXPIRED, expired_at__lt=cutoff)
            | Q(state=Signature.State.REJECTED, decided_at__lt=rejected_cutoff)
        ).values_list("pk", flat=True)[:10000])
        erased = Signature.objects.filter(pk__in=due).erase_personal_data(now)
        return erased + self.forget_addresses_of_closed_petitions(now)

    def forget_ip_hashes(self, now=None) -> int:
        """The IP hash only serves to see floods: it goes after a few weeks."""
        now = now or timezone.now()
        cutoff = now - timedelta(days=settings.IP_HASH_KEEP_DAYS)
        return self.filter(created_at__lt=cutoff).exclude(ip_hash="").update(ip_hash="")

    def forget_addresses_of_closed_petitions(self, now=None) -> int:
        """Some months after a petition closes, signers' addresses go; public fields stay."""
        from .signals import personal_data_erased

        now = now or timezone.now()
        closed_before = now - timedelta(days=30 * settings.EMAIL_DELETE_MONTHS_AFTER_CLOSE)
        due = self.filter(petition__closes_at__lt=closed_before).exclude(email="")
        personal_data_erased.send(sender=Signature, signatures=due, addresses_only=True)
        return due.update(
            email="", email_domain="", **NO_NEWS,
            # Still unique per petition, as the live-signature constraint needs.
            email_normalised=Concat(Value("erased:"), Cast("id", models.CharField())))

    def erase_personal_data(self, now=None) -> int:
        """Delete who signed; the trail keeps only what happened, not what was written."""
        from .signals import personal_data_erased

        now = now or timezone.now()
        with transaction.atomic():
            ids = list(self.values_list("pk", flat=True))
            ModerationDecision.objects.filter(signature_id__in=ids).update(changes={}, note="")
            personal_data_erased.send(sender=Signature, signatures=Signature.objects.filter(
                pk__in=ids), addresses_only=False)
            return Signature.objects.filter(pk__in=ids).update(
                first_name="", last_name="", name_key="", search_key="", email="",
                # With the mandate, a commune's or a constituency's code names the person.
                email_normalised="", email_domain="", locality="", locality_code="",
                circonscription="", comment="", **NO_NEWS,
                party_detail="", mandate_other="", ip_hash="", purged_at=now,
                # The register's line names the signer too, and so would their nuance.
                register_match_note="", register_nuance="")

    def submit(self, signature, language="fr", confirmed=None):
        """Save a new signature, or find the live one for the same address.

        Either way the verification app is told, inside the same transaction,
        so that an email goes out: a challenge for a new signature, a notice
        for an address that has already signed. The caller cannot tell which
        happened, and neither can whoever submitted the form.

        `confirmed`: the decision (actor, note) of a moderator who vouches for
        the address on the campaign's evidence (signatures.intake). The new
        signature then moves through "confirm_email" before anyone is told,
        so no challenge goes out for it.
        """
        # No savepoint of its own inside the caller's transaction (the signing view's, which
        # also holds the session): nothing here is caught and carried on from.
        with transaction.atomic(savepoint=False):
            found = self._insert_unless_signed(signature)
            duplicate = found is not None
            signature = found or signature
            if confirmed is not None and not duplicate:
                Signature.objects.filter(pk=signature.pk).move("confirm_email", **confirmed)
                signature.refresh_from_db()
            signature_submitted.send(
                sender=Signature, signature=signature, duplicate=duplicate, language=language
            )
        return signature


    def _insert_unless_signed(self, signature, attempts=3):
        """INSERT … ON CONFLICT DO NOTHING: None once the new row is in, else the live
        signature of the same address (the partial unique constraint refused the row).

        One statement where a savepoint, the INSERT and a release took three, and no
        error logged by PostgreSQL for each double submit. A concurrent submission of the
        address makes the INSERT wait for its commit, then find it. Should the row that
        refused it be gone before it is read (withdrawn meanwhile), or the conflict be
        another key (a random public_id already taken), the INSERT is tried again.
        """
        signature.derive_fields()
        meta = Signature._meta
        fields = [field for field in meta.local_concrete_fields if field is not meta.pk]
        for _attempt in range(attempts):
            inserted = self._insert([signature], fields=fields, returning_fields=[meta.pk],
                                    on_conflict=OnConflict.IGNORE)
            if inserted:
                signature.pk = inserted[0][0]
                signature._state.adding, signature._state.db = False, self.db
                return None
            existing = self.live().filter(petition=signature.petition_id,
                                          email_normalised=signature.email_normalised).first()
            if existing is not None:
                return existing
            signature.public_id = random_public_id()
        raise IntegrityError("a signature could not be inserted nor its live twin found")


# Erasing an address erases the consent to write to it.
NO_NEWS = {"news_consent_at": None, "news_consent_version": "", "news_changed_at": None,
           "news_stopped_because": ""}

NOW = object()  # stands for the moment of the transition in Signature.STAMPS

REFUSALS = {"refused_party": "refused party", "register_nuance": "far-right nuance in the register"}


def random_public_id() -> int:
    return secrets.randbelow(2**62) + 1


class Signature(models.Model):
    class State(models.TextChoices):
        PENDING_EMAIL = "pending_email", _("awaiting email confirmation")
        EMAIL_CONFIRMED = "email_confirmed", _("email confirmed, awaiting review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")
        EXPIRED = "expired", _("expired")

    DEAD_STATES = (State.WITHDRAWN, State.EXPIRED)

    class Source(models.TextChoices):
        """How the signature reached the campaign (see signatures.intake). Never public."""

        FORM = "form", _("the signing form")
        EMAIL = "email", _("an email to the campaign")
        LETTER = "letter", _("a letter")
        COUNCIL_RESOLUTION = "council_resolution", _("a council resolution")
        OTHER = "other", _("other")

    # The state machine, in one place: transition -> (from states, to state).
    TRANSITIONS = {
        "confirm_email": ({State.PENDING_EMAIL}, State.EMAIL_CONFIRMED),
        "approve": ({State.EMAIL_CONFIRMED}, State.APPROVED),
        # Pending ones too: a flood is rejected before its addresses confirm.
        "reject": ({State.PENDING_EMAIL, State.EMAIL_CONFIRMED, State.APPROVED},
                   State.REJECTED),
        "return_to_review": ({State.APPROVED, State.REJECTED}, State.EMAIL_CONFIRMED),
        "withdraw": (
            {State.PENDING_EMAIL, State.EMAIL_CONFIRMED, State.APPROVED, State.REJECTED},
            State.WITHDRAWN,
        ),
        "expire": ({State.PENDING_EMAIL}, State.EXPIRED),
    }
    # What each transition stamps. Going back to review keeps the first
    # email confirmation and clears the decision.
    STAMPS = {
        "confirm_email": {"email_confirmed_at": NOW},
        "approve": {"approved_at": NOW, "decided_at": NOW},
        "reject": {"decided_at": NOW, "approved_at": None},
        "return_to_review": {"decided_at": None, "approved_at": None},
        "withdraw": {"withdrawn_at": NOW, "approved_at": None},
        "expire": {"expired_at": NOW},
    }

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="signatures",
                                 verbose_name=_("petition"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices,
                             default=State.PENDING_EMAIL)
    civility = models.CharField(_("civility"), max_length=1, choices=Civility.choices)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    # Folded name and locality: accent- and case-insensitive public search.
    search_key = models.CharField(max_length=310, editable=False, blank=True)
    email = models.EmailField(_("email"), max_length=254)
    email_normalised = models.CharField(max_length=254, editable=False)
    email_domain = models.CharField(_("email domain"), max_length=254, editable=False,
                                    db_index=True)
    # Set by the verification app, which declares their values and labels
    # (verification.domains.models.DomainKind and DomainCheck,
    # verification.outbox.models.EmailChallenge.State,
    # verification.register.models.RegisterMatch). They live here, not in
    # verification's tables, so that the review queue filters them without a join.
    email_domain_kind = models.CharField(_("domain kind"), max_length=16, blank=True,
                                         editable=False)
    # "" until checked; "unchecked" is checked again by beat.
    email_domain_check = models.CharField(_("email domain check"), max_length=12, blank=True,
                                          editable=False)
    email_delivery = models.CharField(_("email delivery"), max_length=12, blank=True,
                                      editable=False)
    # Does the Répertoire national des élus list this person with this mandate
    # here? "" until checked.
    register_match = models.CharField(_("register (RNE)"), max_length=16, blank=True,
                                      editable=False)
    register_match_note = models.TextField(_("register (RNE) note"), blank=True,
                                           editable=False)
    register_checked_at = models.DateTimeField(_("register checked at"), null=True,
                                               blank=True, editable=False)
    # Set by the verification app too. The register's political nuance for the
    # signer's line, where the file gives one; when the Ministry classes it as
    # extreme right the flag blocks approval, as a refused party does, until a
    # moderator with the permission clears it (with a note, in the trail).
    register_nuance = models.CharField(_("political nuance (RNE)"), max_length=10,
                                       blank=True, editable=False)
    register_nuance_flag = models.BooleanField(_("far-right nuance in the register"),
                                               default=False, editable=False)
    register_nuance_cleared_at = models.DateTimeField(_("far-right nuance cleared at"),
                                                      null=True, blank=True, editable=False)
    # The register no longer holds the line that confirmed the signer (a new
    # release dropped it, or gives it an end date): since when.
    register_mandate_ended_on = models.DateField(_("mandate no longer in the register since"),
                                                 null=True, blank=True, editable=False)
    mandate = models.CharField(_("mandate"), max_length=32, choices=Mandate.choices)
    mandate_other = models.CharField(_("mandate (other)"), max_length=100, blank=True)
    locality = models.CharField(_("locality"), max_length=100, blank=True)
    departement = models.CharField(_("département"), max_length=3, blank=True)
    # Official code of the territory, by mandate (see places.MANDATE_KINDS): INSEE
    # code of a commune, SIREN of an EPCI, code of a département or a région.
    # `locality` and `departement` are filled from it.
    locality_code = models.CharField(_("locality code"), max_length=10, blank=True)
    circonscription = models.CharField(_("constituency"), max_length=3, blank=True)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, verbose_name=_("party"))
    party_detail = models.CharField(_("party (as typed)"), max_length=100, blank=True)
    refused_party_flag = models.BooleanField(_("refused party"), default=False)
    comment = models.CharField(_("public comment"), max_length=280, blank=True)
    consented_at = models.DateTimeField(_("consent to publication given at"))
    consent_version = models.CharField(_("consent text version"), max_length=20,
                                       default="2026-11")
    # Campaign news: a separate consent, never assumed (the form's box is unticked).
    # Null: the signer gets only the emails of their own signature.
    news_consent_at = models.DateTimeField(_("consent to campaign news given at"), null=True,
                                           blank=True, editable=False)
    news_consent_version = models.CharField(_("news consent text version"), max_length=20,
                                            blank=True, editable=False)
    # The last change of that choice; it stamps the news links, so that a link made
    # before a change cannot undo it (see news_token).
    news_changed_at = models.DateTimeField(_("news choice changed at"), null=True, blank=True,
                                           editable=False)
    news_stopped_because = models.CharField(_("news stopped because"), max_length=12,
                                            blank=True, editable=False,
                                            choices=[("signer", _("the signer unsubscribed")),
                                                     ("bounced", _("an email bounced")),
                                                     ("complained",
                                                      _("the signer marked an email as spam"))])
    language = models.CharField(_("language"), max_length=8, default="fr")
    # Recorded by a moderator when not "form": the evidence is a signatures.intake.Evidence.
    source = models.CharField(_("received through"), max_length=20, choices=Source.choices,
                              default=Source.FORM)
    # Keyed hash of the client's IP, never the IP itself: lets moderators see
    # a flood coming from one place. Cleared after IP_HASH_KEEP_DAYS.
    ip_hash = models.CharField(_("IP hash"), max_length=16, blank=True, editable=False)
    # The public list's cursor and tie-break: random, so that it says nothing of the
    # order of submission and cannot be tied to one (the primary key could).
    public_id = models.BigIntegerField(unique=True, default=random_public_id, editable=False)
    # The name mixes writing systems ("Emmаnuel" with a Cyrillic а): accepted, since real
    # names sometimes do, but shown to the moderator as a possible look-alike.
    mixed_script_flag = models.BooleanField(_("mixed scripts in the name"), default=False,
                                            editable=False)

    created_at = models.DateTimeField(_("signed at"), default=timezone.now)
    email_confirmed_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    purged_at = models.DateTimeField(_("personal data deleted at"), null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        permissions = [
            ("moderate_signature", _("Can approve or reject signatures")),
            ("clear_register_nuance_flag",
             _("Can clear the register's far-right nuance flag of a signature")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "email_normalised"],
                condition=~Q(state__in=["withdrawn", "expired"]),
                name="one_live_signature_per_email",
            ),
        ]
        indexes = [
            # The public list: approved signatures of a petition, newest first.
            models.Index(fields=["petition", "state", "-approved_at", "-public_id"],
                         name="sig_public_list"),
            # The review queue and the sweepers.
            models.Index(fields=["state", "email_confirmed_at"], name="sig_queue"),
            models.Index(fields=["state", "created_at"], name="sig_state_created"),
            # The hourly flood report groups the last hours' signatures.
            models.Index(fields=["created_at"], name="sig_created"),
            # The public list filtered by département or mandate, newest first.
            models.Index(fields=["petition", "state", "departement", "-approved_at",
                                 "-public_id"], name="sig_public_departement"),
            models.Index(fields=["petition", "state", "mandate", "-approved_at", "-public_id"],
                         name="sig_public_mandate"),
            # The public name search (LIKE '%…%'): trigrams, PostgreSQL only;
            # migration 0011 skips it on the local SQLite default.
            GinIndex(fields=["search_key"], name="sig_search_trgm", opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self):
        return f"{self.full_name} – {self.title}"

    def save(self, *args, **kwargs):
        self.derive_fields()
        super().save(*args, **kwargs)

    def derive_fields(self):
        """What a signature stores of its own fields: keys, domain, flags (save, submit)."""
        if not (self._state.adding and self.email_normalised):
            # The signing form hands in the address it has already normalised.
            self.email_normalised = normalise_email(self.email)
        self.email_domain = self.email_normalised.rpartition("@")[2]
        # Last name first: the public list sorts by it.
        self.name_key = fold(f"{self.last_name} {self.first_name}")
        self.mixed_script_flag = mixes_scripts(f"{self.first_name} {self.last_name}")
        self.search_key = fold(f"{self.first_name} {self.last_name} {self.locality}")
        if self._state.adding:
            self.refused_party_flag = self.party.refused or bool(
                self.party_detail and Party.refused_match(self.party_detail))

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def salutation(self):
        """How emails greet the signer, « Madame la Maire »; empty: by name."""
        return salutation(self.mandate, self.civility)

    @property
    def title(self):
        return title_of(self.mandate, self.civility, self.locality, self.departement,
                        self.mandate_other, self.circonscription)

    @property
    def departement_name(self):
        return departement_name(self.departement)

    @property
    def party_label(self):
        return self.party_detail if self.party.requires_detail else self.party.name

    @property
    def is_public(self):
        return self.state == self.State.APPROVED

    @property
    def register_mandate_ended(self) -> bool:
        """Marked "mandate no longer in the register" for the moderators."""
        return self.register_mandate_ended_on is not None

    @property
    def listed_title(self):
        """The title on the public list: for a mandate the register no longer holds,
        « ancienne maire de … » when the petition says so, else the mandate held at
        signing with its date."""
        title = self.title
        if not self.register_mandate_ended:
            return title
        if self.petition.ended_mandates == self.petition.EndedMandates.FORMER:
            return former_title(title, self.civility)
        return _("%(title)s, at signing on %(date)s") % {
            "title": title, "date": date_format(timezone.localtime(self.created_at).date(),
                                                "DATE_FORMAT")}

    @classmethod
    def why_not(cls, transition: str, state: str, refused_party: bool,
                far_right_nuance: bool = False) -> str | None:
        """Why a transition is refused ("state", "refused_party", "register_nuance"),
        or None when allowed."""
        sources, _target = cls.TRANSITIONS[transition]
        if state not in sources:
            return "state"
        if transition == "approve" and refused_party:
            return "refused_party"
        if transition == "approve" and far_right_nuance:
            return "register_nuance"
        return None

    def can(self, transition: str) -> bool:
        return self.why_not(transition, self.state, self.refused_party_flag,
                            self.register_nuance_flag) is None

    def _move(self, transition, **decision):
        result = Signature.objects.filter(pk=self.pk).move(transition, **decision)
        if not result.moved:
            reason = next((REFUSALS[why] for why in ("refused_party", "register_nuance")
                           if result.skipped[why]), self.state)
            raise InvalidTransition(f"{transition} is not possible ({reason})")
        self.refresh_from_db()

    CLEAR_NUANCE = "clear_register_nuance"

    def clear_register_nuance_flag(self, actor, note: str):
        """A moderator with the permission lifts the register's far-right flag; the note
        says why and goes into the trail. The flag stays lifted through later imports."""
        if not actor.has_perm("signatures.clear_register_nuance_flag"):
            raise PermissionDenied
        if not note.strip():
            raise ValueError("a note is required")
        with transaction.atomic():
            cleared = Signature.objects.filter(pk=self.pk, register_nuance_flag=True).update(
                register_nuance_flag=False, register_nuance_cleared_at=timezone.now())
            if cleared:
                ModerationDecision.objects.create(
                    signature_id=self.pk, transition=self.CLEAR_NUANCE, from_state=self.state,
                    to_state=self.state, actor=actor, note=note.strip(),
                    changes={"register_nuance_flag": [True, False]})
        self.refresh_from_db()
        return bool(cleared)

    def confirm_email(self):
        self._move("confirm_email")

    def approve(self, actor, note=""):
        self._move("approve", actor=actor, note=note)

    def reject(self, actor, reason=None, note=""):
        self._move("reject", actor=actor, reason=reason, note=note)

    def return_to_review(self, actor, note=""):
        self._move("return_to_review", actor=actor, note=note)

    def withdraw(self, actor=None, note=""):
        self._move("withdraw", actor=actor, note=note)

    def expire(self):
        self._move("expire")

    # --- the signer's own withdrawal -------------------------------------------

    WITHDRAWAL_SALT = "signatures.withdraw"

    def withdrawal_token(self) -> str:
        """A signed, unforgeable reference to this signature, for the signer's emails."""
        return signing.dumps(self.pk, salt=self.WITHDRAWAL_SALT, compress=True)

    @classmethod
    def from_withdrawal_token(cls, token: str):
        try:
            pk = signing.loads(token, salt=cls.WITHDRAWAL_SALT)
        except signing.BadSignature:
            return None
        return cls.objects.filter(pk=pk).select_related("petition", "party").first()

    # --- the signer's choice of campaign news ------------------------------------

    NEWS_PURPOSES = ("unsubscribe", "preferences")

    @property
    def receives_news(self) -> bool:
        return (self.state == self.State.APPROVED and self.news_consent_at is not None
                and bool(self.email))

    def _news_stamp(self) -> int:
        return round(self.news_changed_at.timestamp() * 1e6) if self.news_changed_at else 0

    def news_token(self, purpose: str) -> str:
        """A signed link for one purpose ("unsubscribe" or "preferences"), valid until the
        signer's next change of choice: replaying it afterwards is refused."""
        assert purpose in self.NEWS_PURPOSES
        return signing.dumps([self.pk, self._news_stamp()], salt=f"signatures.news.{purpose}",
                             compress=True)

    @classmethod
    def from_news_token(cls, token: str, purpose: str):
        """The signature a news link was made for, or None: forged, for another purpose,
        stale (the choice changed since), or its address erased. The caller tells none of
        these apart."""
        if purpose not in cls.NEWS_PURPOSES or not token or len(token) > 200:
            return None
        try:
            pk, stamp = signing.loads(token, salt=f"signatures.news.{purpose}")
        except (signing.BadSignature, ValueError, TypeError):
            return None
        signature = cls.objects.filter(pk=pk).exclude(email="").select_related(
            "petition").first() if isinstance(pk, int) else None
        if signature is None or signature._news_stamp() != stamp:
            return None
        return signature

    def choose_news(self, wanted: bool, version: str = "") -> bool:
        """The signer's own choice; returns whether it changed anything."""
        now = timezone.now()
        current = Signature.objects.filter(pk=self.pk, news_changed_at=self.news_changed_at)
        if wanted:
            changed = current.filter(news_consent_at__isnull=True).update(
                news_consent_at=now, news_consent_version=version, news_stopped_because="",
                news_changed_at=now)
        else:
            changed = current.filter(news_consent_at__isnull=False).update(
                news_consent_at=None, news_stopped_because="signer", news_changed_at=now)
        self.refresh_from_db(fields=["news_consent_at", "news_consent_version",
                                     "news_changed_at", "news_stopped_because"])
        return bool(changed)

    def withdraw_and_erase(self):
        """The signer withdraws: gone from everything public, personal data deleted now."""
        with transaction.atomic():
            self.withdraw(note="")
            Signature.objects.filter(pk=self.pk).erase_personal_data()
        self.refresh_from_db()

    def possible_duplicates(self):
        return Signature.duplicates_of([self])[self.pk]

    @staticmethod
    def duplicates_of(signatures) -> dict:
        """Each signature's possible duplicates, in one query: same petition and folded
        name, and same locality or same email domain."""
        signatures = list(signatures)
        found = {signature.pk: [] for signature in signatures}
        if not signatures:
            return found
        # Narrowed in SQL (a common name has thousands of rows at 600,000), decided below:
        # the same name and locality give the same folded search key.
        # The key and the domain are compared through `|| ''` so that no index answers
        # them: PostgreSQL otherwise ANDs the name's index with the trigram index (which
        # takes `=` too) and the domain's (18,000 rows for a town hall's), 80 ms for a
        # common name at 600,000, where filtering the name's rows (at most ~1,600) takes 3.
        candidates = (Signature.objects
                      .filter(petition_id__in={s.petition_id for s in signatures},
                              name_key__in={s.name_key for s in signatures})
                      .alias(search_key_unindexed=Concat("search_key", Value("")),
                             email_domain_unindexed=Concat("email_domain", Value("")))
                      .filter(Q(search_key_unindexed__in={s.search_key for s in signatures})
                              | Q(email_domain_unindexed__in={s.email_domain
                                                              for s in signatures}))
                      .select_related("party").order_by("pk"))
        by_name = {}
        for other in candidates:
            by_name.setdefault((other.petition_id, other.name_key), []).append(other)
        for signature in signatures:
            locality = fold(signature.locality)
            found[signature.pk] = [
                other for other in by_name.get((signature.petition_id, signature.name_key), [])
                if other.pk != signature.pk
                and ((locality and fold(other.locality) == locality)
                     or other.email_domain == signature.email_domain)]
        return found


class PublicRow:
    """A signature's public columns as plain values, so that the model's own
    properties (full_name, title, listed_title, party_label, departement_name) run
    without building model instances: a list page's 51, an export's 600,000 (each
    instance was most of their cost). The pages and the exports say the same.

    `columns` name the values ("party__name" goes to row.party.name); `known`
    sets others (the petition, which listed_title reads).
    """

    full_name = Signature.full_name
    title = Signature.title
    listed_title = Signature.listed_title
    register_mandate_ended = Signature.register_mandate_ended
    party_label = Signature.party_label
    departement_name = Signature.departement_name

    def __init__(self, values, columns, **known):
        self.party = _PublicParty()
        for name, value in zip(columns, values, strict=True):
            if name.startswith("party__"):
                setattr(self.party, name.removeprefix("party__"), value)
            else:
                setattr(self, name, value)
        self.__dict__.update(known)

    def __getattr__(self, name):
        raise AttributeError(f"{name} is not among the columns read for this row")


class _PublicParty:
    pass


class ModerationDecision(models.Model):
    """The trail: every transition and every moderator's edit of a signature."""

    EDIT = "edit"

    signature = models.ForeignKey(Signature, on_delete=models.CASCADE,
                                  related_name="decisions")
    transition = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(_("from"), max_length=20, choices=Signature.State.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=Signature.State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, verbose_name=_("by"))
    reason = models.ForeignKey(RejectionReason, null=True, blank=True,
                               on_delete=models.PROTECT, verbose_name=_("reason"))
    note = models.TextField(_("note"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True,
                               help_text=_("For edits: field → [before, after]."))
    # A rule decided, not a person (a refused party rejected at confirmation).
    by_system = models.BooleanField(_("by the system"), default=False)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["created_at", "id"]

    ACTIONS = {
        "confirm_email": _("email confirmed"),
        "approve": _("approved"),
        "reject": _("rejected"),
        "return_to_review": _("sent back to review"),
        "withdraw": _("withdrawn"),
        "expire": _("expired"),
        EDIT: _("edited"),
    }

    def __str__(self):
        action = self.ACTIONS.get(self.transition, self.transition)
        if self.from_state == self.to_state:
            return str(action)
        return f"{action} ({self.get_from_state_display()} → {self.get_to_state_display()})"

    @property
    def actor_label(self):
        """Who decided, as the trail says it: a moderator, the system, or the signer."""
        if self.by_system:
            return _("the system")
        if self.actor_id:
            return str(self.actor)
        return _("the signer") if self.transition in ("confirm_email", "withdraw") else "–"
