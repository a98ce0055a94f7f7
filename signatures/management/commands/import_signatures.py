from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import override

from petition.models import Petition
from signatures.intake.forms import CONFIRM_PERMISSION, RECORD_PERMISSION
from signatures.intake.importing import ImportFileError, check, import_rows


class Command(BaseCommand):
    help = ("Import a CSV list of signatories (columns in README.md). Each row goes through "
            "the signing form's checks; refused rows are listed with their line and saved "
            "nowhere; rows whose address already signed are skipped, so running it again "
            "adds nothing. Each imported signer gets the usual confirmation request, "
            "unless --confirmed.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--by", required=True,
                            help="The moderator entering the list (username or email).")
        parser.add_argument("--petition", help="The petition's slug (default: the featured one).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check every row and report; save nothing.")
        parser.add_argument("--confirmed", action="store_true",
                            help="Mark the rows confirmed on the campaign's evidence (needs the "
                                 "record_confirmed_signature permission; each row needs "
                                 "source email, sender, received_at and message_id).")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args, file, by, petition, dry_run, confirmed, language, **options):
        with override(language):
            self.run(file, by, petition, dry_run, confirmed)

    def run(self, file, by, slug, dry_run, confirmed):
        actor = get_user_model().objects.filter(username=by).first() or \
            get_user_model().objects.filter(email__iexact=by).first()
        if actor is None or not actor.is_active or not actor.has_perm(RECORD_PERMISSION):
            raise CommandError(_("%(user)s is not an active moderator.") % {"user": by})
        if confirmed and not actor.has_perm(CONFIRM_PERMISSION):
            raise CommandError(_(
                "%(user)s may not mark signatures confirmed: it needs the permission "
                "« record a signature as confirmed on the campaign's evidence ».") % {"user": by})
        petition = (Petition.objects.filter(slug=slug).first() if slug
                    else Petition.objects.featured())
        if petition is None:
            raise CommandError(_("No such petition."))
        try:
            with file.open("rb") as opened:
                content = opened.read(settings.SIGNATURE_IMPORT_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(str(error)) from error
        run = check if dry_run else import_rows
        try:
            report = run(content, file.name, petition, actor, confirmed=confirmed)
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        if report.read_as_latin1:
            self.stdout.write(_("This file is not in UTF-8: it was read as Latin-1 "
                                "(Windows-1252). Check the accents."))
        for failure in report.failed:
            self.stdout.write(_("line %(line)s: %(reason)s") % {
                "line": failure.line, "reason": failure.reason})
        counts = {"rows": report.rows, "ready": len(report.ready),
                  "imported": len(report.imported), "already": len(report.already),
                  "failed": len(report.failed)}
        summary = (_("%(rows)s rows: %(ready)s can be imported, %(already)s already signed, "
                     "%(failed)s refused. Nothing saved (dry run).") if dry_run else
                   _("%(rows)s rows: %(imported)s imported, %(already)s already signed, "
                     "%(failed)s refused."))
        self.stdout.write(summary % counts)
