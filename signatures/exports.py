"""Open data: the approved signatories as CSV and JSON, the count, an embeddable counter.

Only what the public list already shows leaves the site: names, public
title, mandate, place, party and date of approval. Never an email address,
nothing of moderation (notes, reasons, states, timestamps other than approval).

The lists are streamed: rows come from a server-side cursor in chunks and are
written out in blocks, so memory does not grow with the number of signatories.
"""

import csv
import json

from django.conf import settings
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
from .models import Signature
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


class _Row:
    """A signature's public columns as plain values, so that the model's own
    properties (title, party_label, departement_name) run without building
    600,000 model instances: the export says what the pages say."""

    title = Signature.title
    departement_name = Signature.departement_name
    party_label = Signature.party_label

    def __init__(self, values):
        self.party = _Party()
        for name, value in zip(_COLUMNS, values, strict=True):
            if name.startswith("party__"):
                setattr(self.party, name.removeprefix("party__"), value)
            else:
                setattr(self, name, value)

    def __getattr__(self, name):
        raise AttributeError(f"{name} is not read by the export: add it to _COLUMNS")


class _Party:
    pass


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
                row, mandate = _Row(values), values[mandate_at]
                place = places[place_key] = (
                    row.title, mandate, mandate_labels.get(mandate, mandate),
                    values[locality_at], values[departement_at], row.departement_name)
            place = (*place[:4], values[code_at], *place[4:])
            party_key = tuple([values[i] for i in party_at])
            party = parties.get(party_key)
            if party is None:
                party = parties[party_key] = _Row(values).party_label
            yield (values[first], values[last], *place, party,
                   values[approved].isoformat(timespec="seconds"))


def _records(petition, language, filters=None):
    """One dict of public fields per approved signature, in order of approval."""
    for row in _public_rows(petition, language, filters):
        yield dict(zip(FIELDS, row, strict=True))


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


def _stream(request, pieces, content_type):
    """A streamed response; HEAD gets the headers without running the export."""
    body = _blocks(pieces()) if request.method != "HEAD" else iter(())
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
    response = _stream(
        request,
        lambda: _csv_lines(_public_rows(petition, language, filters), ";" if excel else ",",
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
