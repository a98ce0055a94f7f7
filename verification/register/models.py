"""The Répertoire national des élus (RNE), as loaded: one row per file, one per mandate line."""

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petition.web import pagecache

from . import files as rne


class RegisterMatch(models.TextChoices):
    """How well the register confirms a signer (Signature.register_match)."""

    EXACT = "exact", _("listed")
    PROBABLE = "probable", _("probably listed")
    # Found, by name and place, but the register says they hold another mandate.
    OTHER_MANDATE = "other_mandate", _("in the register, with another mandate")
    NONE = "none", _("not found")


class RegisterFile(models.Model):
    """The release of one of the register's files that is loaded now (one row per kind)."""

    kind = models.CharField(_("file"), max_length=4, unique=True,
                            choices=[(kind.code, kind.label) for kind in rne.KINDS.values()])
    file_name = models.CharField(_("file name"), max_length=255)
    rows = models.PositiveIntegerField(_("lines"))
    encoding = models.CharField(_("encoding"), max_length=12)
    released_on = models.DateField(_("release date"), null=True, blank=True,
                                   help_text=_("Read from the file's name when it has a date."))
    imported_at = models.DateTimeField(_("imported at"))
    # What the import could not use, as it reported it.
    layout = models.CharField(_("layout"), max_length=80, blank=True)
    dates_read = models.PositiveIntegerField(_("mandate dates read"), default=0)
    dates_dropped = models.PositiveIntegerField(
        _("mandate dates dropped"), default=0,
        help_text=_("Mandate start dates in a form the import could not read."))
    ended = models.PositiveIntegerField(_("lines with an end date"), default=0)
    nuances = models.PositiveIntegerField(_("lines with a political nuance"), default=0)
    unknown_columns = models.TextField(_("unknown columns"), blank=True)

    class Meta:
        verbose_name = _("register file (RNE)")
        verbose_name_plural = _("register files (RNE)")
        ordering = ["kind"]

    def __str__(self):
        return self.file_name

    @classmethod
    def import_file(cls, path, *, released_on=None, progress=None) -> "RegisterFile":
        """Replace this kind's lines with the file's, all at once or not at all.

        Matching tasks running meanwhile keep reading the previous release
        until the transaction commits.
        """
        with rne.Reader(path) as reader, transaction.atomic():
            # Only this kind: each kind has its own file and its own row here.
            RegisterEntry.objects.filter(kind=reader.kind).delete()
            count = RegisterEntry.objects.load(reader, progress)
            record, _created = cls.objects.update_or_create(kind=reader.kind, defaults={
                "file_name": reader.path.name[:255], "rows": count,
                "encoding": reader.encoding,
                "released_on": released_on or rne.release_date(reader.path.name),
                "imported_at": timezone.now(), "layout": reader.layout[:80],
                "dates_read": reader.dates_read, "dates_dropped": reader.dates_dropped,
                "ended": reader.ended, "nuances": reader.nuances,
                "unknown_columns": "\n".join(reader.unknown_columns)})
        record.skipped = reader.skipped
        # The petition page links « have your elected officials signed? » once a file is in.
        pagecache.bump()
        RegisterEntry.objects.analyse()
        return record


class RegisterEntryQuerySet(models.QuerySet):
    COLUMNS = ["kind", "line", "last_name", "first_name", "last_key", "first_key", "first_head",
               "sex", "function", "departement", "commune_code", "epci_siren", "canton_code",
               "region_code", "circonscription", "territory_name", "mandate_started_on",
               "mandate_ended_on", "nuance", "last_head_key", "last_tail_key", "second_head"]
    BATCH = 5000

    def load(self, reader, progress=None) -> int:
        """Write the reader's lines: PostgreSQL COPY, or bulk inserts elsewhere (SQLite)."""
        rows = (self._row(reader.kind, line) for line in reader)
        count = 0
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(RegisterEntry._meta.db_table)
            names = ", ".join(connection.ops.quote_name(name) for name in self.COLUMNS)
            with connection.cursor() as cursor, cursor.cursor.copy(
                    f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
                    if progress and not count % self.BATCH:
                        progress(reader, count)
        else:
            batch = []
            for row in rows:
                batch.append(RegisterEntry(**dict(zip(self.COLUMNS, row, strict=True))))
                if len(batch) == self.BATCH:
                    count += len(self.bulk_create(batch))
                    batch = []
                    if progress:
                        progress(reader, count)
            count += len(self.bulk_create(batch))
        if progress:
            progress(reader, count)
        return count

    @staticmethod
    def _row(kind, line):
        first_key = line.first_key
        given = first_key.split()
        parts = line.last_parts
        return (kind, line.line, line.last_name, line.first_name, line.last_key[:100],
                first_key[:100], first_key.split(" ", 1)[0][:50], line.sex, line.function,
                line.departement, line.commune_code, line.epci_siren, line.canton_code,
                line.region_code, line.circonscription, line.territory_name,
                line.mandate_started_on, line.mandate_ended_on, line.nuance,
                parts[0][:50] if parts else "", parts[-1][:50] if parts else "",
                given[1][:50] if len(given) > 1 else "")

    def analyse(self):
        """Fresh statistics after replacing half a million rows, so lookups use the index."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {RegisterEntry._meta.db_table}")


class RegisterEntry(models.Model):
    """One mandate line of the register, reduced to what matching needs.

    The Ministry's files also give birth date, birth place and
    socio-professional category. None of them is stored: matching does not
    need them, and a copy of 600,000 people's birth dates is a liability we
    have no reason to hold. The file kind is the mandate kind (one file per
    mandate); the line number lets a moderator find the line in the file.
    """

    kind = models.CharField(_("file"), max_length=4,
                            choices=[(kind.code, kind.label) for kind in rne.KINDS.values()])
    line = models.PositiveIntegerField(_("line in the file"))
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    # Folded: no accents, case or punctuation; last_key also without spaces.
    last_key = models.CharField(max_length=100)
    first_key = models.CharField(max_length=100)
    first_head = models.CharField(max_length=50)  # the first of compound first names
    second_head = models.CharField(max_length=50, blank=True)  # and the second, if any
    sex = models.CharField(_("sex code"), max_length=1, blank=True)
    function = models.CharField(_("function"), max_length=120, blank=True)
    departement = models.CharField(_("département"), max_length=3, blank=True)
    commune_code = models.CharField(_("commune (INSEE)"), max_length=5, blank=True)
    epci_siren = models.CharField(_("EPCI (SIREN)"), max_length=9, blank=True)
    canton_code = models.CharField(_("canton"), max_length=10, blank=True)
    region_code = models.CharField(_("région"), max_length=3, blank=True)
    # Legislative constituency number; for French citizens abroad, the consular
    # or AFE constituency code.
    circonscription = models.CharField(_("constituency"), max_length=10, blank=True)
    territory_name = models.CharField(_("territory"), max_length=150, blank=True)
    mandate_started_on = models.DateField(_("mandate start"), null=True, blank=True)
    mandate_ended_on = models.DateField(_("mandate end"), null=True, blank=True)
    # The Ministry's political nuance of the official (or of their list), where
    # the file gives one: « RN », « LDVG »….
    nuance = models.CharField(_("political nuance"), max_length=10, blank=True)
    # For compound and married names (« Bertrand-Roussel », « Bertrand épouse
    # Roussel »): the first and the last of the names, folded, so that a signer
    # who uses one of them is found. Blank for a single name.
    last_head_key = models.CharField(max_length=50, blank=True)
    last_tail_key = models.CharField(max_length=50, blank=True)

    objects = RegisterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("register line (RNE)")
        verbose_name_plural = _("register lines (RNE)")
        indexes = [
            # Matching looks people up by folded last name and first given name.
            models.Index(fields=["last_key", "first_head"], name="register_name"),
            models.Index(fields=["kind"], name="register_kind"),
            # « Have your elected officials signed? »: a commune's mayor, a département's
            # parliamentarians and councillors.
            models.Index(fields=["kind", "commune_code"], name="register_commune"),
            models.Index(fields=["kind", "departement"], name="register_departement"),
            # One name in ten is compound: partial indexes stay small.
            models.Index(fields=["last_head_key"], name="register_name_head",
                         condition=~models.Q(last_head_key="")),
            models.Index(fields=["last_tail_key"], name="register_name_tail",
                         condition=~models.Q(last_tail_key="")),
            # A signer who goes by their second given name (« Marie », « Anne-Marie »).
            models.Index(fields=["last_key", "second_head"], name="register_second_name",
                         condition=~models.Q(second_head="")),
        ]

    def __str__(self):
        return f"{self.last_name} {self.first_name} ({self.kind}:{self.line})"


class FarRightNuance(models.Model):
    """A political nuance of the register that the Ministry classes as extreme right.

    A signer whose register line carries one is flagged, whatever party they
    declared, and cannot be approved until a moderator with the permission
    clears the flag with a note (signatures.Signature.clear_register_nuance_flag).
    """

    code = models.CharField(_("nuance code"), max_length=10, unique=True,
                            help_text=_("As the register writes it: RN, LRN, EXD…"))
    label = models.CharField(_("label"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("far-right nuance (RNE)")
        verbose_name_plural = _("far-right nuances (RNE)")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.label}" if self.label else self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    @classmethod
    def codes(cls) -> set[str]:
        return set(cls.objects.values_list("code", flat=True))
