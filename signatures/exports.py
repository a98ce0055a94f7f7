"""Open data: the approved signatories as CSV and JSON, the count, an embeddable counter.

Only what the public list already shows leaves the site: names, public
title, mandate, place, party and date of approval. Never an email address,
nothing of moderation (notes, reasons, states, timestamps other than approval).

The lists are streamed: rows come from a server-side cursor in chunks and are
written out in blocks, so memory does not grow with the number of signatories.
"""

import csv
import json

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.csp import CSP
from django.utils.http import content_disposition_header
from django.views.decorators.cache import patch_cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from petition.models import published_or_404
from petition.web.pagecache import public_page

from .figures import approved_count, public_figures
from .filters import SignatoryFilters
from .models import Party, PublicRow
from .titles import Mandate

LICENCE_NAME = "Licence Ouverte / Open Licence 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
LICENCE_LINK = f'<{LICENCE_URL}>; rel="license"'

# The published columns, in order. Public fields only.
FIELDS = (
    "first_name", "last_name", "title", "mandate", "mandate_label", "locality",
    # The INSEE code of the place (commune, département, région; SIREN of an EPCI),
    # so that the data joins other public data without guessing from names.
    "insee_code", "departement", "departement_name", "party", "approved_at",
)
# What is read from the database to build them: nothing else is even fetched.
_COLUMNS = (
    "first_name", "last_name", "civility", "mandate", "mandate_other", "locality",
    "departement", "circonscription", "party_detail", "approved_at", "locality_code",
    "party__name",
    "party__requires_detail",
)
CHUNK_SIZE = 5000  # rows per fetch from the server-side cursor
FLUSH_AT = 64 * 1024  # characters per block handed to the server

# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

LIST_MAX_AGE = 300
COUNT_MAX_AGE = 60
# A cache in front may serve a stale copy this long while it fetches a fresh one.
STALE_SECONDS = 300

# The widget is meant for other sites' iframes: the site's policy, except that
# anyone may frame it.
WIDGET_CSP = {
    **(settings.SECURE_CSP or {"default-src": [CSP.SELF]}),
    "frame-ancestors": ["*"],
}


# The title and the place depend on a few columns that many signatories share
# (a commune, a mandate, a civility), the party label on the party columns:
# each is worked out once per combination.
_PLACE_FROM = tuple(name for name in _COLUMNS if name not in (
    "first_name", "last_name", "approved_at", "party_detail", "locality_code")
    and not name.startswith("party__"))
_PARTY_FROM = tuple(name for name in _COLUMNS
                    if name == "party_detail" or name.startswith("party__"))
_MEMO_SIZE = 20_000  # bounded: the export's memory must not grow with the table


def _public_rows(petition, language, filters=None):
    """One tuple per approved signature, in FIELDS order and in order of approval.

    Rows come from a server-side cursor in chunks, as plain tuples; titles and
    labels are memoised per combination of the columns they depend on.
    """
    rows = petition.signatures.approved()
    if filters is not None:
        rows = filters.apply(rows)
    rows = (rows.order_by("approved_at", "id")
            .values_list(*_COLUMNS).iterator(chunk_size=CHUNK_SIZE))
    first, last, approved, code_at = (
        _COLUMNS.index(name) for name in ("first_name", "last_name", "approved_at",
                                          "locality_code"))
    place_at = [_COLUMNS.index(name) for name in _PLACE_FROM]
    party_at = [_COLUMNS.index(name) for name in _PARTY_FROM]
    mandate_at, locality_at, departement_at = (
        _COLUMNS.index(name) for name in ("mandate", "locality", "departement"))
    places, parties = {}, {}
    with translation.override(language):
        mandate_labels = {code: str(label) for code, label in Mandate.choices}
        for values in rows:
            place_key = tuple([values[i] for i in place_at])
            place = places.get(place_key)
            if place is None:
                if len(places) >= _MEMO_SIZE:
                    places.clear()
                row, mandate = PublicRow(values, _COLUMNS), values[mandate_at]
                place = places[place_key] = (
                    row.title, mandate, mandate_labels.get(mandate, mandate),
                    values[locality_at], values[departement_at], row.departement_name)
            place = (*place[:4], values[code_at], *place[4:])
            party_key = tuple([values[i] for i in party_at])
            party = parties.get(party_key)
            if party is None:
                party = parties[party_key] = PublicRow(values, _COLUMNS).party_label
            yield (values[first], values[last], *place, party,
                   values[approved].isoformat(timespec="seconds"))


def _records(petition, language, filters=None):
    """One dict of public fields per approved signature, in order of approval."""
    for row in _public_rows(petition, language, filters):
        yield dict(zip(FIELDS, row, strict=True))


# --- the CSV written by PostgreSQL ------------------------------------------------------
#
# COPY … TO STDOUT writes the CSV and the worker only passes its bytes on. What
# only Python knows (titles, from titles.py through Signature.title; party
# labels; mandate and département names) is worked out here once for each
# distinct combination of the columns it depends on, all read in one pass
# (GROUPING SETS), and handed to the query as JSON objects that each row looks
# its labels up in. No join: the rows come in the order of an index on
# approval (an incremental sort orders only the ties, by id), so the first
# block leaves as soon as the labels are made, not after a sort of every row.
# The formula guard is the same FORMULA_TRIGGERS.

# The title depends on these alone; the mandate's label on the mandate, the
# département's name on the département, the party label on _PARTY_KEY.
_TITLE_FROM = ("civility", "mandate", "mandate_other", "locality", "departement",
               "circonscription")
_PARTY_KEY = ("party_id", "party_detail")
_SOURCE = ("id", "first_name", "last_name", "locality_code", "approved_at",
           *_TITLE_FROM, *_PARTY_KEY)


def _guarded(expression: str) -> str:
    """`expression` as neutralise() would write it, empty as NULL (unquoted in CSV,
    as Python's csv module writes an empty string)."""
    # ascii() is the first character's code point, read in place: a third of the
    # cost of comparing left(…, 1) as text, for six columns of every row.
    triggers = ", ".join(str(ord(c)) for c in FORMULA_TRIGGERS)
    return (f"CASE WHEN ascii({expression}) IN ({triggers}) "
            f"THEN chr({ord(chr(39))}) || {expression} ELSE NULLIF({expression}, '') END")


# The columns a label depends on as one text, the key it is looked up by. A value
# holding the separator could make two combinations one key; _write_labels() sees
# it and the export is then written in Python. A party's id holds no separator.
_SEPARATOR = "\x1f"


def _key(columns) -> str:
    return f"concat_ws(chr({ord(_SEPARATOR)}), {', '.join(f's.{name}' for name in columns)})"


def _looked_up(kind: str, columns) -> str:
    """The label of `kind` for the row `s`. The object is aggregated once, in an
    InitPlan, so each row costs one lookup in memory."""
    return (f"((SELECT jsonb_object_agg(key, label) FROM export_labels "
            f"WHERE kind = '{kind}') ->> {_key(columns)})")


# FIELDS, in order, as SQL over the source row `s`.
_CELLS = {
    "first_name": "s.first_name", "last_name": "s.last_name",
    "title": _looked_up("title", _TITLE_FROM),
    "mandate": "s.mandate", "mandate_label": _looked_up("mandate_label", ("mandate",)),
    "locality": "s.locality", "insee_code": "s.locality_code", "departement": "s.departement",
    "departement_name": _looked_up("departement_name", ("departement",)),
    "party": _looked_up("party", _PARTY_KEY),
    # isoformat(timespec="seconds") of the UTC time Django reads.
    "approved_at": "to_char(s.approved_at AT TIME ZONE 'UTC', "
                   "'YYYY-MM-DD\"T\"HH24:MI:SS') || '+00:00'",
}
assert tuple(_CELLS) == FIELDS
# Labels made here (through _made()) or by the date's format are not guarded again
# in SQL: only the signature's own columns are.
_GUARDED_IN_SQL = {name for name, cell in _CELLS.items() if cell.startswith("s.")}


def _made(value: str) -> str | None:
    """A label made in Python, as neutralise() writes it; empty as NULL, which COPY
    writes unquoted."""
    return neutralise(value) or None


class _AmbiguousKeys(Exception):
    pass


def _write_labels(cursor, source_sql, language):
    """A temporary table, dropped at commit: export_labels (kind, key, label), the
    labels of every combination of columns in the rows `source_sql` selects. Written
    with COPY FROM, so that nothing but the combinations being read sits in memory."""
    # Dropped at commit, and here too: inside a longer transaction (a test's, an
    # export left half-read) the last export's may still be there.
    cursor.execute("DROP TABLE IF EXISTS pg_temp.export_labels")
    cursor.execute("CREATE TEMPORARY TABLE export_labels (kind text, key text, label text) "
                   "ON COMMIT DROP")
    parties = {party_id: (name, requires_detail) for party_id, name, requires_detail
               in Party.objects.values_list("id", "name", "requires_detail")}
    reader = cursor.connection.cursor()
    # Each row is a combination of _TITLE_FROM or one of _PARTY_KEY, as the last
    # column says (GROUPING is 0 when the party's columns are the set grouped by).
    reader.execute(
        f"SELECT {', '.join(_TITLE_FROM + _PARTY_KEY)}, GROUPING({', '.join(_PARTY_KEY)}) = 0 "
        f"FROM ({source_sql}) AS s "
        f"GROUP BY GROUPING SETS (({', '.join(_TITLE_FROM)}), ({', '.join(_PARTY_KEY)}))")
    keys, mandates, departements = set(), set(), set()
    with (translation.override(language),
          cursor.copy("COPY export_labels FROM STDIN") as copy):
        for *values, of_party in reader:
            if of_party:
                party_id, detail = values[len(_TITLE_FROM):]
                copy.write_row(("party", f"{party_id}{_SEPARATOR}{detail}", _made(PublicRow(
                    (detail, *parties[party_id]),
                    ("party_detail", "party__name", "party__requires_detail")).party_label)))
                continue
            values = values[:len(_TITLE_FROM)]
            key = _SEPARATOR.join(values)
            if key in keys:
                raise _AmbiguousKeys
            keys.add(key)
            row = PublicRow(values, _TITLE_FROM)
            copy.write_row(("title", key, _made(row.title)))
            mandates.add(row.mandate)
            departements.add(row.departement)
        mandate_labels = {code: str(label) for code, label in Mandate.choices}
        for mandate in mandates:
            copy.write_row(("mandate_label", mandate,
                            _made(mandate_labels.get(mandate, mandate))))
        for departement in departements:
            copy.write_row(("departement_name", departement, _made(
                PublicRow((departement,), ("departement",)).departement_name)))
    reader.close()


def _copy_statement(cursor, petition, language, filters, delimiter):
    rows = petition.signatures.approved()
    if filters is not None:
        rows = filters.apply(rows)
    source_sql, source_params = rows.order_by().values_list(*_SOURCE).query.sql_with_params()
    source_sql = psycopg.ClientCursor(cursor.connection).mogrify(source_sql, source_params)
    _write_labels(cursor, source_sql, language)
    query = (
        f"SELECT {', '.join(_guarded(_CELLS[name]) if name in _GUARDED_IN_SQL else _CELLS[name]
                            for name in FIELDS)} "
        f"FROM ({source_sql}) AS s ORDER BY s.approved_at, s.id")
    return f"COPY ({query}) TO STDOUT WITH (FORMAT csv, DELIMITER '{delimiter}')"


def _copied_csv(petition, language, filters, delimiter, bom):
    """The CSV as PostgreSQL writes it, in blocks of about FLUSH_AT bytes."""
    # COPY ends its lines with \n: the header too.
    header = ("\ufeff" if bom else "") + csv.writer(
        _Echo(), delimiter=delimiter, lineterminator="\n").writerow(FIELDS)
    outermost = not connection.in_atomic_block
    # One transaction: the label table lives until its commit.
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own, for COPY
        if outermost:
            # The labels and the rows are read from one snapshot: a signature edited
            # in between would otherwise find no title.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # The query is too costly by the planner's reckoning for JIT compilation to
        # pay (0.5 s at 600,000). Parallel workers are welcome: each reads part of
        # the index in order and the leader merges them (Gather Merge), so the rows
        # still stream from the first one.
        cursor.execute("SET LOCAL jit = off")
        try:
            with transaction.atomic():  # a savepoint: the fallback starts clean
                statement = _copy_statement(cursor, petition, language, filters, delimiter)
        except _AmbiguousKeys:
            yield from _blocks(_csv_lines(_public_rows(petition, language, filters),
                                          delimiter, bom))
            return
        block = bytearray(header.encode())
        with cursor.copy(statement) as copy:
            for data in copy:
                block += data
                if len(block) >= FLUSH_AT:
                    yield bytes(block)
                    block.clear()
    if block:
        yield bytes(block)


def neutralise(value: str) -> str:
    """Defuse CSV injection: a cell a spreadsheet would run as a formula gets a leading '."""
    if value and value[0] in FORMULA_TRIGGERS:
        return "'" + value
    return value


class _Echo:
    """A file-like object for csv.writer: writerow() returns the line."""

    def write(self, value):
        return value


def _blocks(pieces):
    """Group small strings into blocks of about FLUSH_AT characters."""
    block, size = [], 0
    for piece in pieces:
        block.append(piece)
        size += len(piece)
        if size >= FLUSH_AT:
            yield "".join(block)
            block, size = [], 0
    if block:
        yield "".join(block)


def _csv_lines(rows, delimiter, bom):
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield ("\ufeff" if bom else "") + writer.writerow(FIELDS)
    for row in rows:
        yield writer.writerow([neutralise(value) for value in row])


def _json_pieces(petition, records):
    head = json.dumps({
        "petition": {
            "slug": petition.slug,
            "title": petition.title,
            "url": petition.absolute_url(),
        },
        "licence": LICENCE_NAME,
        "licence_url": LICENCE_URL,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
    }, ensure_ascii=False)
    yield head[:-1] + ', "signatories": ['
    separator = ""
    for record in records:
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ", "
    yield "]}\n"


def _stream(request, pieces, content_type, grouped=False):
    """A streamed response; HEAD gets the headers without running the export.
    `grouped`: the pieces are blocks already."""
    if request.method == "HEAD":
        body = iter(())
    else:
        body = pieces() if grouped else _blocks(pieces())
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Link"] = LICENCE_LINK
    patch_cache_control(response, public=True, max_age=LIST_MAX_AGE,
                        stale_while_revalidate=STALE_SECONDS)
    return response


@require_safe
def signatories_csv(request, slug):
    petition = published_or_404(slug)
    excel = request.GET.get("excel") == "1"
    language = translation.get_language()
    filters = SignatoryFilters(request.GET)
    delimiter = ";" if excel else ","
    if connection.vendor == "postgresql":
        response = _stream(
            request, lambda: _copied_csv(petition, language, filters, delimiter, bom=excel),
            "text/csv; charset=utf-8", grouped=True)
    else:  # `make run`'s SQLite: the same CSV, written here
        response = _stream(
            request,
            lambda: _csv_lines(_public_rows(petition, language, filters), delimiter,
                               bom=excel),
            "text/csv; charset=utf-8",
        )
    response["Content-Disposition"] = content_disposition_header(
        True, f"signataires-{petition.slug}.csv")
    return response


@require_safe
def signatories_json(request, slug):
    petition = published_or_404(slug)
    language = translation.get_language()
    filters = SignatoryFilters(request.GET)
    return _stream(
        request,
        lambda: _json_pieces(petition, _records(petition, language, filters)),
        "application/json",
    )


@require_safe
@public_page
def count_json(request, slug):
    petition = published_or_404(slug)
    figures = public_figures(petition)
    counts = {"total": sum(figures["by_mandate"].values()),
              "by_mandate": figures["by_mandate"], "by_party": figures["by_party"]}
    response = JsonResponse(counts, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=COUNT_MAX_AGE,
                        stale_while_revalidate=STALE_SECONDS)
    return response


@require_safe
@xframe_options_exempt
@csp_override(WIDGET_CSP)
@public_page
def counter_widget(request, slug):
    petition = published_or_404(slug)
    response = render(request, "signatures/counter_widget.html", {
        "petition": petition,
        "count": approved_count(petition),
    })
    patch_cache_control(response, public=True, max_age=COUNT_MAX_AGE,
                        stale_while_revalidate=STALE_SECONDS)
    return response
