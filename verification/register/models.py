"""The Répertoire national des élus (RNE), as loaded: one row per file, one per mandate line."""

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import files as rne


class RegisterMatch(models.TextChoices):
    """How well the register confirms a signer (Signature.register_match)."""

    EXACT = "exact", _("listed")
    PROBABLE = "probable", _("probably listed")
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
            RegisterEntry.objects.filter(kind=reader.kind).delete()
            count = RegisterEntry.objects.load(reader, progress)
            record, _created = cls.objects.update_or_create(kind=reader.kind, defaults={
                "file_name": reader.path.name[:255], "rows": count,
                "encoding": reader.encoding,
                "released_on": released_on or rne.release_date(reader.path.name),
                "imported_at": timezone.now()})
        record.skipped = reader.skipped
        RegisterEntry.objects.analyse()
        return record


class RegisterEntryQuerySet(models.QuerySet):
    COLUMNS = ["kind", "line", "last_name", "first_name", "last_key", "first_key", "first_head",
               "sex", "function", "departement", "commune_code", "epci_siren", "canton_code",
               "region_code", "circonscription", "territory_name", "mandate_started_on"]
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
        return (kind, line.line, line.last_name, line.first_name, line.last_key[:100],
                first_key[:100], first_key.split(" ", 1)[0][:50], line.sex, line.function,
                line.departement, line.commune_code, line.epci_siren, line.canton_code,
                line.region_code, line.circonscription, line.territory_name,
                line.mandate_started_on)

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

    objects = RegisterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("register line (RNE)")
        verbose_name_plural = _("register lines (RNE)")
        indexes = [
            # Matching looks people up by folded last name and first given name.
            models.Index(fields=["last_key", "first_head"], name="register_name"),
            models.Index(fields=["kind"], name="register_kind"),
        ]

    def __str__(self):
        return f"{self.last_name} {self.first_name} ({self.kind}:{self.line})"
