"""A list of signatories in CSV: read, checked row by row with the form's own code, recorded.

Each row goes through RecordedSignatureForm, as a moderator's entry would, then
through record(): it lives the same life as a signature from the form. By
default each imported signer gets the usual confirmation request; with
`confirmed`, a moderator holding `record_confirmed_signature` vouches for rows
whose email the campaign holds (source "email", sender = address, date and
Message-ID given), and those go straight to review.

A row whose address already has a live signature on the petition is skipped
and reported as such: importing the same file again adds nothing, and sends
nobody a second email. A row that fails saves nothing.

The columns are described in README.md; docs/import_signatures_sample.csv is
an example.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override

from signatures.exports import FORMULA_TRIGGERS
from signatures.models import Party, Signature, fold, normalise_email
from signatures.titles import Civility, Mandate

from .forms import RecordedSignatureForm
from .recording import AlreadySigned, clauses, record

COLUMNS = ["civility", "first_name", "last_name", "email", "mandate", "mandate_other",
           "locality", "locality_code", "departement", "circonscription", "party",
           "party_detail", "comment", "language", "source", "sender", "received_at",
           "message_id", "note"]
REQUIRED = ["civility", "first_name", "last_name", "email", "mandate", "party"]
# Longer than any field accepts: such a cell is a mistake, reported without echoing it.
MAX_CELL = 2000
SEPARATORS = [";", ",", "\t"]


class ImportFileError(Exception):
    """The whole file is refused (not a row): a translated message for the moderator."""


@dataclass
class Failure:
    line: int
    reason: str


@dataclass
class Report:
    """What an import found (a dry run) or did."""

    filename: str
    digest: str
    encoding: str = "utf-8"
    separator: str = ","
    ready: list = field(default_factory=list)  # (line, form) that pass every check
    failed: list = field(default_factory=list)  # Failure
    already: list = field(default_factory=list)  # (line, email) live on the petition already
    imported: list = field(default_factory=list)  # signatures saved (not in a dry run)

    @property
    def rows(self):
        return len(self.ready) + len(self.failed) + len(self.already)

    @property
    def read_as_latin1(self):
        return self.encoding != "utf-8"


def decode(content: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in: UTF-8 (with or without a BOM), else
    Windows-1252, the superset of Latin-1 that French spreadsheets save in."""
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return content.decode("latin-1"), "latin-1"


def read(content: bytes, filename: str) -> tuple[Report, list[tuple[int, dict]]]:
    """The report's header facts and the rows as {column: cell}, with their line numbers."""
    if len(content) > settings.SIGNATURE_IMPORT_MAX_BYTES:
        raise ImportFileError(_("This file is larger than %(size)s MB: split it.") % {
            "size": settings.SIGNATURE_IMPORT_MAX_BYTES // (1024 * 1024)})
    text, encoding = decode(content)
    if "\x00" in text:
        raise ImportFileError(_("This is not a CSV text file (it holds binary data)."))
    report = Report(filename=filename[:100], encoding=encoding,
                    digest=hashlib.sha256(content).hexdigest())
    first_line = text.split("\n", 1)[0]
    report.separator = max(SEPARATORS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.separator,
                        strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportFileError(
            _("The file is empty: its first line must name the columns.")) from None
    names = [fold(name).replace(" ", "_") for name in header]
    unknown = [name for name, given in zip(names, header, strict=True)
               if name not in COLUMNS and given.strip()]
    missing = [name for name in REQUIRED if name not in names]
    if missing or unknown:
        raise ImportFileError(
            _("The first line must name the columns (see README.md). Missing: %(missing)s. "
              "Unknown: %(unknown)s. Separator found: « %(separator)s ».") % {
                "missing": ", ".join(missing) or "–",
                "unknown": ", ".join(name[:40] for name in unknown[:10]) or "–",
                "separator": report.separator.replace("\t", "tab")})
    rows = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            report.failed.append(Failure(line, _(
                "This line cannot be read as CSV (a quote is not closed, or a cell is "
                "too long).")))
            continue
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(rows) + len(report.failed) >= settings.SIGNATURE_IMPORT_MAX_ROWS:
            raise ImportFileError(_("This file has more than %(count)s rows: split it.") % {
                "count": settings.SIGNATURE_IMPORT_MAX_ROWS})
        if len(cells) > len(names):
            report.failed.append(Failure(line, _(
                "%(cells)s cells where the first line names %(columns)s: a separator inside "
                "a cell must be quoted.") % {"cells": len(cells), "columns": len(names)}))
            continue
        rows.append((line, dict(zip(names, cells, strict=False))))
    return report, rows


def cell_problem(row: dict) -> str | None:
    for name, value in row.items():
        if len(value) > MAX_CELL:
            return _("The cell “%(column)s” is %(length)s characters long; at most "
                     "%(max)s.") % {"column": name, "length": len(value), "max": MAX_CELL}
        if value.lstrip(" ").startswith(FORMULA_TRIGGERS):
            return _("The cell “%(column)s” starts with “%(char)s”: a spreadsheet formula "
                     "is not accepted.") % {"column": name,
                                            "char": value.lstrip(" ")[0].replace("\t", "tab")}
    return None


class Vocabulary:
    """Civilities, mandates, parties and sources as a list may write them: code or label."""

    def __init__(self):
        def labels(choices, *extra):
            found = {}
            for code, label in choices:
                for language in ("fr", "en"):
                    with override(language):
                        found[fold(str(label))] = code
                found[fold(code)] = code
            return found | dict(extra)

        self.civility = labels(Civility.choices, ("mme", "F"), ("f", "F"), ("m", "M"),
                               ("mr", "M"), ("monsieur", "M"), ("madame", "F"))
        self.mandate = labels(Mandate.choices)
        self.source = labels(Signature.Source.choices)
        self.party = {}
        for party in Party.objects.filter(is_active=True):
            for spelling in (party.name, party.short_name):
                if fold(spelling):
                    self.party[fold(spelling)] = party.pk

    def form_data(self, row: dict) -> tuple[dict, str | None]:
        """The form's data for a row, or why the row cannot be read."""
        data = {name: " ".join(row.get(name, "").split()) if name not in ("comment", "note")
                else row.get(name, "").strip() for name in COLUMNS}
        for name, vocabulary in (("civility", self.civility), ("mandate", self.mandate)):
            data[name] = vocabulary.get(fold(data[name]), data[name])
        data["source"] = self.source.get(fold(data["source"]), data["source"]) or "other"
        if data["party"]:
            party = self.party.get(fold(data["party"]))
            if party is None:
                return data, _("The party “%(party)s” is not in the list: write its name as "
                               "the form lists it, or “Autre” with party_detail.") % {
                                   "party": data["party"][:100]}
            data["party"] = str(party)
        data["language"] = data["language"].lower() or "fr"
        data["consent"] = "on"  # the campaign's list holds people who signed, as published
        return data, None


def describe_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        label = str(label) if name != "__all__" else ""
        parts.append(_("%(field)s: %(errors)s") % {"field": label, "errors": " ".join(errors)}
                     if label else " ".join(errors))
    return clauses(parts)


def check(content: bytes, filename: str, petition, actor, *, confirmed=False) -> Report:
    """A dry run: every row through the form, nothing saved."""
    report, rows = read(content, filename)
    addresses = [normalise_email(row.get("email", "")) for _line, row in rows]
    live = set(Signature.objects.live().filter(petition=petition, email_normalised__in=addresses)
               .values_list("email_normalised", flat=True))
    vocabulary = Vocabulary()
    seen = {}
    for line, row in rows:
        if problem := cell_problem(row):
            report.failed.append(Failure(line, problem))
            continue
        address = normalise_email(row.get("email", ""))
        if address in seen:  # first: a file's own repeats read the same on every import
            report.failed.append(Failure(line, _("Same address as line %(line)s.") % {
                "line": seen[address]}))
            continue
        if address in live:
            seen[address] = line
            report.already.append((line, address))
            continue
        data, problem = vocabulary.form_data(row)
        if problem:
            report.failed.append(Failure(line, problem))
            continue
        data["mark_confirmed"] = "on" if confirmed else ""
        form = RecordedSignatureForm(data, petition=petition, actor=actor)
        if not form.is_valid():
            report.failed.append(Failure(line, describe_errors(form)))
            continue
        seen[address] = line
        report.ready.append((line, form))
    report.failed.sort(key=lambda failure: failure.line)
    return report


def import_rows(content: bytes, filename: str, petition, actor, *, confirmed=False) -> Report:
    """Check every row, then record those that pass, each in its own transaction."""
    report = check(content, filename, petition, actor, confirmed=confirmed)
    for line, form in report.ready:
        origin = _("imported from %(file)s (SHA-256 %(digest)s…), line %(line)s") % {
            "file": report.filename, "digest": report.digest[:12], "line": line}
        try:
            report.imported.append(record(form, petition, actor, imported_from=origin))
        except AlreadySigned:
            report.already.append((line, form.cleaned_data["email"]))
    return report
