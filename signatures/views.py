import re
import threading
from collections import OrderedDict

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Q, Subquery
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_POST

from petition.models import published_or_404
from petition.web.pagecache import public_page
from petition.web.ratelimit import allow, client_ip

from . import places
from .figures import approved_count, public_figures
from .filters import SignatoryFilters
from .forms import SignatureForm
from .map import map_legend, render_map
from .models import PublicRow, Signature, normalise_email
from .places import departements
from .submitted import own_signature_id, remember_submission, submitted_email, typed_form
from .titles import Mandate

PAGE_SIZE = 50


@require_http_methods(["GET", "HEAD", "POST"])
def sign(request, slug):
    petition = published_or_404(slug)
    if not petition.is_open():
        # Nothing is taken, whatever was posted; the page says why and what stays open.
        return render(request, "signatures/closed.html", {"petition": petition},
                      status=403 if request.method == "POST" else 200)
    if request.method == "POST":
        form = SignatureForm(request.POST, client_ip=client_ip(request))
        if form.is_valid() and form.is_bot:
            # Looks like success to the bot; nothing is saved, nothing is sent.
            return redirect("check_inbox", petition.slug)
        if form.is_valid():
            submit(request, petition, form)
            return redirect("check_inbox", petition.slug)
    else:
        form = SignatureForm()
    return render(request, "signatures/sign.html", {"petition": petition, "form": form})


def submit(request, petition, form):
    started = timezone.now()
    # One transaction, one commit (one WAL flush) per POST: the signature, its outbox
    # row and the session that remembers them. The session middleware then finds
    # nothing left to write (petition.web.sessions).
    with transaction.atomic():
        signature = Signature.objects.submit(
            form.build_signature(petition, get_language()), language=get_language())
        # The session lives on the server (settings.SESSION_ENGINE): the cookie is a
        # random key, the same whether or not the address had signed.
        remember_submission(request, signature, form.cleaned_data["email"], started,
                            form.typed())
        request.session.save()


@require_POST
def correct_email(request, slug):
    """A mistyped address: the first signature is withdrawn, a new challenge goes out.

    Only a signature this visitor's own submission created, still waiting for its
    email, is withdrawn; the answer is the same either way, and whether the new
    address had signed is told no more than on the signing form.
    """
    petition = published_or_404(slug)
    typed = typed_form(request)
    if typed is None or not petition.is_open():
        return redirect("check_inbox", petition.slug)
    form = SignatureForm({**typed, "email": request.POST.get("email", "")[:300]},
                         client_ip=client_ip(request))
    if form.is_valid() and form.address == normalise_email(submitted_email(request)):
        form.add_error("email", _("This is the address you gave: type the right one."))
    if not form.is_valid():
        return render(request, "signatures/correct_email.html",
                      {"petition": petition, "form": form}, status=400)
    with transaction.atomic():
        first = (petition.signatures.filter(pk=own_signature_id(request),
                                            state=Signature.State.PENDING_EMAIL)
                 .select_for_update().first())
        if first is not None:
            first.withdraw_and_erase()
        submit(request, petition, form)
    messages.info(request, _("Address corrected: your first signature is withdrawn and its "
                             "link no longer works. A new email is on its way."))
    return redirect("check_inbox", petition.slug)


# Keyset pagination: each sort is an ordering and the row it continues after. The
# tie-break and the cursor are the random public_id, never the primary key: the
# primary key would tell the order of submission, and tie a row to one.
ORDERINGS = {"date": ("-approved_at", "-public_id"), "name": ("name_key", "public_id")}
# What a row of the list reads (full_name, listed_title, party_label, comment, the
# keyset), as plain values (PublicRow): 51 model instances of every column were a
# fifth of an uncached page. A column read but not listed here raises.
LISTED_COLUMNS = (
    "first_name", "last_name", "civility", "mandate", "mandate_other",
    "locality", "departement", "circonscription", "register_mandate_ended_on", "created_at",
    "party_detail", "comment", "public_id", "approved_at", "name_key",
    "party__name", "party__requires_detail")
CURSOR = re.compile(r"[0-9]{1,19}", re.ASCII)


def after_anchor(rows, anchor, ordering, listed):
    """Rows that come after the row of `listed` whose public_id is `anchor`, in `ordering`,
    without OFFSET, in the same query (the anchor's sort value is a subquery).

    The inclusive bound on the first column alone lets PostgreSQL start the
    index scan at the anchor, so a deep page costs what the first one does;
    the OR that breaks ties (on public_id, the second column of every
    ordering) cannot bound a scan by itself.
    """
    first, second = ordering
    field, descending = first.lstrip("-"), first.startswith("-")
    value = Subquery(listed.filter(public_id=anchor).values(field)[:1])
    beyond, reach = ("lt", "lte") if descending else ("gt", "gte")
    return rows.filter(**{f"{field}__{reach}": value}).filter(
        Q(**{f"{field}__{beyond}": value})
        | Q(**{f"{second.lstrip('-')}__{beyond}": anchor}))


def reversed_ordering(ordering):
    return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in ordering)


# Counting every match of a search or of several filters walks all of them (a
# common name, a big département's councillors: 100 ms at 600,000); past this
# many the page says « more than 1,000 », and the count costs what a page does.
COUNTED_UP_TO = 1000


def count_from_figures(filters, figures):
    """How many rows match, when the figures know it (a mandate alone, a département alone)."""
    data = filters.cleaned_data
    chosen = {name for name in ("q", "mandate", "region", "departement", "party")
              if data.get(name)}
    if chosen == {"mandate"}:
        return figures["by_mandate"].get(data["mandate"], 0)
    if chosen == {"departement"}:
        return figures["by_departement"].get(data["departement"], 0)
    return None


def bounded_count(rows, start, shown, last):
    """(how many rows match, whether that is exact) once a page of them is read: a
    first page that is also the last one is the count; else counted up to
    COUNTED_UP_TO + 1 (most searches for a name find a few: no count at all)."""
    if start == 0 and last:
        return shown, True
    counted = rows.order_by()[:COUNTED_UP_TO + 1].count()
    return min(counted, COUNTED_UP_TO), counted <= COUNTED_UP_TO


def keyset_page(query, rows, ordering, total, approved, exact=True, row=lambda values: values):
    """One page of `rows`, its position and the links around it, without OFFSET.

    `after` continues after a row, `before` goes back before one (read in the
    reversed ordering, then turned round); `start` is the page's position,
    carried by the links because counting the rows before it would cost a scan.
    Without an `exact` total, whether a next page exists is read from the row
    fetched beyond this one. `row` makes each of `rows`' results a row of the page.
    """
    start = query.get("start", "")
    bound = total if exact else 10 ** 8  # positions come from our own links
    start = min(int(start), max(bound - 1, 0)) if _is_number(start, 8) else 0
    after, before = query.get("after", ""), query.get("before", "")
    anchor = int(before) if CURSOR.fullmatch(before) else (
        int(after) if CURSOR.fullmatch(after) else None)
    if anchor is not None and CURSOR.fullmatch(before):
        backwards = reversed_ordering(ordering)
        page = list(after_anchor(rows.order_by(*backwards), anchor, backwards,
                                 approved)[:PAGE_SIZE])
        page.reverse()
        more = True  # the page we came back from
    else:
        page = list((after_anchor(rows, anchor, ordering, approved) if anchor is not None
                     else rows)[:PAGE_SIZE + 1])
        more = len(page) > PAGE_SIZE
    if not page and anchor is not None and not approved.filter(public_id=anchor).exists():
        # A row no longer listed (withdrawn) or a made-up cursor: the first page.
        anchor = None
        page = list(rows[:PAGE_SIZE + 1])
        more = len(page) > PAGE_SIZE
    if anchor is None:
        start = 0
    links = {"next_query": None, "previous_query": None}
    params = query.copy()
    for name in ("after", "before", "start"):
        params.pop(name, None)
    shown = [row(values) for values in page[:PAGE_SIZE]]
    if shown and (start + len(shown) < total if exact else more):
        links["next_query"] = _with(params, after=shown[-1].public_id, start=start + len(shown))
    if shown and start > 0:
        links["previous_query"] = _with(params, before=shown[0].public_id,
                                        start=max(start - PAGE_SIZE, 0))
    return shown, start, links


def _is_number(value, max_length=12):
    """ASCII digits only: "¹".isdigit() is true, and int() refuses it."""
    return value.isascii() and value.isdigit() and len(value) < max_length


def _with(params, **extra):
    params = params.copy()
    for name, value in extra.items():
        params[name] = value
    return params.urlencode()


# The map and the figures' tables are the same on every page of the list, in a
# language, until the figures change: each process renders them once per
# version of the figures (their own content is the key) and keeps a few.
_FIGURES_SECTIONS = OrderedDict()
_FIGURES_SECTIONS_KEPT = 8
_figures_sections_lock = threading.Lock()


def figures_section(petition, raw) -> SafeString:
    """The map, its legend and the tables of `raw` (public_figures), as HTML."""
    list_url = reverse("signatories", args=[petition.slug])
    key = (petition.pk, get_language(), list_url, repr(raw))
    with _figures_sections_lock:
        html = _FIGURES_SECTIONS.get(key)
    if html is None:
        html = _render_figures_section(raw, list_url)
        with _figures_sections_lock:
            _FIGURES_SECTIONS[key] = html
            while len(_FIGURES_SECTIONS) > _FIGURES_SECTIONS_KEPT:
                _FIGURES_SECTIONS.popitem(last=False)
    return html


def _render_figures_section(raw, list_url) -> SafeString:
    labels = dict(Mandate.choices)
    figures = {**raw, "by_mandate": [(labels.get(code, code), n)
                                     for code, n in raw["by_mandate"].items()],
               "by_party": list(raw["by_party"].items())}
    names = departements()
    departement_rows = [(code, names[code], figures["by_departement"].get(code, 0))
                        for code in names]
    map_svg = render_map(
        figures["by_departement"],
        link_for=lambda code: f"{list_url}?departement={code}",
        names=names,
        title=_("Signatories by département"),
        inset_label=_("Paris and the petite couronne"),
        label_for=lambda code, n: ngettext(
            "%(name)s (%(code)s): %(count)d signature",
            "%(name)s (%(code)s): %(count)d signatures", n) % {
                "name": names.get(code, code), "code": code, "count": n},
    )
    return render_to_string("signatures/_figures.html", {
        "figures": figures,
        "map_svg": map_svg,
        "legend": map_legend(figures["by_departement"], names),
        "departement_rows": [row for row in departement_rows if row[2]],
    })


def signature_items(page) -> SafeString:
    """The list's <li>s in one pass: through the template's loop they were a tenth of
    an uncached page; escaped directly, not through format_html per row (half of that)."""
    items = []
    for signature in page:
        comment = (f' <q class="comment">{escape(signature.comment)}</q>'
                   if signature.comment else "")
        items.append(f'<li><span class="name">{escape(signature.full_name)}</span>, '
                     f'<span class="title">{escape(signature.listed_title)}</span> — '
                     f'<span class="party">{escape(signature.party_label)}</span>{comment}</li>')
    return mark_safe("\n".join(items))  # every value above is escaped


@public_page(reads=[*SignatoryFilters.base_fields, "after", "before", "start"])
def signatories(request, slug):
    petition = published_or_404(slug)
    filters = SignatoryFilters(request.GET or None)
    ordering = ORDERINGS[filters.chosen_sort]
    rows = filters.apply(petition.signatures.approved()).order_by(*ordering).values_list(
        *LISTED_COLUMNS)
    figures = public_figures(petition)
    count = approved_count(petition, figures)
    total = count_from_figures(filters, figures) if filters.is_filtering else count
    page, start, pages = keyset_page(
        request.GET, rows, ordering, total, petition.signatures.approved(),
        exact=total is not None,
        row=lambda values: PublicRow(values, LISTED_COLUMNS, petition=petition))
    exact = True
    if total is None:
        total, exact = bounded_count(rows, start, len(page), pages["next_query"] is None)
    response = render(request, "signatures/list.html", {
        "petition": petition,
        "filters": filters,
        "signatures": page,
        "signature_items": signature_items(page),
        **pages,
        "first_position": start + 1,
        "last_position": start + len(page),
        "total": total,
        "total_is_exact": exact,
        "counted_up_to": number_format(COUNTED_UP_TO, force_grouping=True),  # « 1 000 »
        "export_query": filters.query(),
        "count": count,
        "figures_section": figures_section(petition, figures),
    })
    patch_cache_control(response, public=True, max_age=60, stale_while_revalidate=300)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, token):
    signature = Signature.from_withdrawal_token(token) if len(token) < 200 else None
    if signature is None:
        return render(request, "signatures/withdraw.html", {"problem": "invalid"}, status=404)
    if signature.state == Signature.State.WITHDRAWN:
        return render(request, "signatures/withdraw.html", {"problem": "done",
                                                            "petition": signature.petition})
    if not signature.can("withdraw"):
        return render(request, "signatures/withdraw.html", {"problem": "closed",
                                                            "petition": signature.petition})
    if request.method == "POST":
        signature.withdraw_and_erase()
        return render(request, "signatures/withdraw.html", {"problem": "done",
                                                            "petition": signature.petition})
    return render(request, "signatures/withdraw.html", {"signature": signature,
                                                        "petition": signature.petition})


PLACE_SEARCH_MAX_AGE = 300


@require_http_methods(["GET", "HEAD"])
def place_search(request):
    """Suggestions for the locality autocomplete, as JSON.

    The same query always gets the same answer (for a given language), so a
    cache in front may keep it a few minutes; the limit protects the workers
    from a script walking the reference data.
    """
    if not allow("places-ip", client_ip(request)):
        response = JsonResponse(
            {"error": str(_("Too many searches from here. Please wait a minute."))}, status=429)
        response["Retry-After"] = str(settings.RATE_LIMITS["places-ip"][1])
        patch_cache_control(response, no_store=True)
        return response
    kind = request.GET.get("kind", places.COMMUNE)
    if kind not in places.KINDS:
        response = JsonResponse({"error": str(_("Unknown kind of place."))}, status=400)
        patch_cache_control(response, no_store=True)
        return response
    departement = request.GET.get("departement", "")
    found = places.search(kind, request.GET.get("q", "")[:100],
                          departement=departement if len(departement) <= 3 else "")
    response = JsonResponse({"count": len(found), "results": [p.as_json() for p in found]})
    patch_cache_control(response, public=True, max_age=PLACE_SEARCH_MAX_AGE)
    return response
