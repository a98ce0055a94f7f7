import sys
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from verification.register import files as rne
from verification.register.models import RegisterFile


class ProgressBar:
    """A one-line bar on a terminal, by bytes read; a line per file otherwise.

    Our own, twenty lines: the import knows its byte count, and tqdm would
    be one more dependency for one bar.
    """

    WIDTH = 30

    def __init__(self, stream, name, size):
        self.stream = stream
        self.name = name
        self.size = max(size, 1)
        self.started = time.monotonic()
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self.shown_at = 0.0

    def __call__(self, reader, rows):
        now = time.monotonic()
        if not self.live or now - self.shown_at < 0.2:
            return
        self.shown_at = now
        share = min(reader.bytes_read / self.size, 1)
        filled = int(share * self.WIDTH)
        self.stream.write(f"\r{self.name} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                          f"{share:4.0%} {rows:,} lines {now - self.started:.0f} s")
        self.stream.flush()

    def done(self):
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


class Command(BaseCommand):
    help = ("Import files of the Répertoire national des élus, as published on data.gouv.fr "
            "(elus-maires-mai.csv, elus-conseillers-municipaux-cm.csv, …). Each file replaces "
            "the previous release of its kind; every signature is then checked again.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--released-on", type=date.fromisoformat,
                            help="The release date (YYYY-MM-DD), when the file names have none.")
        parser.add_argument("--no-recheck", action="store_true",
                            help="Do not queue the check of every signature afterwards.")

    def handle(self, *args, files, released_on=None, no_recheck=False, **options):
        for path in files:
            if not path.is_file():
                raise CommandError(_("%(path)s: no such file.") % {"path": path})
        for path in files:
            started = time.monotonic()
            bar = ProgressBar(sys.stderr, path.name, path.stat().st_size)
            try:
                record = RegisterFile.import_file(path, released_on=released_on, progress=bar)
            except rne.UnrecognisedFile as error:
                bar.done()
                raise CommandError(_(
                    "%(path)s is not a register file we know (closest: %(file)s). "
                    "Missing columns: %(columns)s. %(known)d of its %(total)d columns "
                    "recognised; nothing was changed.") % {
                        "path": path.name, "file": rne.KINDS[error.kind].file_name,
                        "columns": ", ".join(error.missing), "known": error.known,
                        "total": error.total}) from error
            except rne.KindConflict as error:
                bar.done()
                raise CommandError(_(
                    "%(path)s: its name says %(named)s but its columns are those of %(found)s; "
                    "nothing was changed. Rename the file to say what it holds.") % {
                        "path": path.name, "named": rne.KINDS[error.named].label,
                        "found": rne.KINDS[error.detected].label}) from error
            except rne.UnreadableLine as error:
                bar.done()
                raise CommandError(_(
                    "%(path)s, line %(line)d cannot be read (%(reason)s); nothing was "
                    "changed.") % {"path": path.name, "line": error.line,
                                   "reason": error.reason}) from error
            bar.done()
            self.stdout.write(ngettext(
                "%(path)s: %(rows)d line of %(kind)s imported in %(seconds).1f s "
                "(%(encoding)s; %(skipped)d lines without a name skipped).",
                "%(path)s: %(rows)d lines of %(kind)s imported in %(seconds).1f s "
                "(%(encoding)s; %(skipped)d lines without a name skipped).", record.rows) % {
                    "path": path.name, "rows": record.rows, "kind": record.get_kind_display(),
                    "seconds": time.monotonic() - started, "encoding": record.encoding,
                    "skipped": record.skipped})
            self.report(record)
        if no_recheck:
            return
        self.queue_recheck()

    def report(self, record):
        """What the import read and what it could not use: never silent."""
        self.stdout.write("  " + _("Layout: %(layout)s.") % {"layout": record.layout})
        self.stdout.write("  " + ngettext(
            "%(read)d mandate start date read, %(dropped)d dropped (unreadable).",
            "%(read)d mandate start dates read, %(dropped)d dropped (unreadable).",
            record.dates_read) % {"read": record.dates_read, "dropped": record.dates_dropped})
        if record.dates_dropped:
            self.stderr.write(ngettext(
                "Warning: %(path)s: %(count)d mandate start date could not be read.",
                "Warning: %(path)s: %(count)d mandate start dates could not be read.",
                record.dates_dropped) % {"path": record.file_name,
                                         "count": record.dates_dropped})
        if record.ended or record.nuances:
            self.stdout.write("  " + _(
                "Lines with a mandate end date: %(ended)d; with a political nuance: "
                "%(nuances)d.") % {"ended": record.ended, "nuances": record.nuances})
        unknown = [title for title in record.unknown_columns.split("\n") if title]
        if unknown:
            self.stdout.write("  " + ngettext(
                "%(count)d unknown column ignored: %(columns)s.",
                "%(count)d unknown columns ignored: %(columns)s.", len(unknown)) % {
                    "count": len(unknown), "columns": ", ".join(unknown)})

    def queue_recheck(self):
        from verification.tasks import queue_register_checks

        try:
            queue_register_checks.delay()
        except Exception as error:  # the broker is down: beat catches up within the hour
            self.stderr.write(_("Could not queue the check of the signatures (%(error)s); "
                                "beat will queue it.") % {"error": error})
        else:
            self.stdout.write(_("Every signature will be checked against the register again."))
