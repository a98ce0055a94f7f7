from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from petition.models import published_or_404
from petition.web.pagecache import public_page
from petition.web.ratelimit import allow, client_ip

from . import places
from .figures import approved_count, public_figures
from .forms import SignatureForm
from .map import map_legend, render_map
from .models import Party, Signature, fold
from .places import departement_choices, departements, regions
from .titles import Mandate
from .widgets import QuickSelect

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
            signature = Signature.objects.submit(
                form.build_signature(petition, get_language()), language=get_language())
            request.session["submitted_signature"] = signature.pk
            request.session["submitted_email"] = form.cleaned_data["email"]
            return redirect("check_inbox", petition.slug)
    else:
        form = SignatureForm()
    return render(request, "signatures/sign.html", {"petition": petition, "form": form})


class SignatoryFilters(forms.Form):
    """The public list's filters: every value is checked before it reaches a query."""

    q = forms.CharField(label=_("Search a name or a locality"), required=False, max_length=100)
    mandate = forms.ChoiceField(label=_("Mandate"), required=False,
                                choices=[("", _("All mandates"))] + Mandate.choices)
    region = forms.ChoiceField(label=_("Région"), required=False)
    departement = forms.ChoiceField(label=_("Département"), required=False)
    party = forms.ModelChoiceField(label=_("Party"), required=False, queryset=Party.objects.all(),
                                   empty_label=_("All parties"))
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("date", _("latest approved first")), ("name", _("name"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All régions"))] + [
            (name, name) for name in regions()]
        self.fields["departement"].choices = [("", _("All départements"))] + [
            choice for choice in departement_choices() if choice[0]]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget = QuickSelect(attrs=field.widget.attrs, choices=field.choices)

    def apply(self, rows):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            rows = rows.filter(search_key__contains=fold(data["q"]))
        if data.get("mandate"):
            rows = rows.filter(mandate=data["mandate"])
        if data.get("region"):
            rows = rows.filter(departement__in=regions()[data["region"]])
        if data.get("departement"):
            rows = rows.filter(departement=data["departement"])
        if data.get("party"):
            rows = rows.filter(party=data["party"])
        return rows

    @property
    def chosen_sort(self):
        return (self.cleaned_data.get("sort") if self.is_valid() else None) or "date"


# Keyset pagination: each sort is an ordering and the row it continues after.
ORDERINGS = {"date": ("-approved_at", "-id"), "name": ("name_key", "id")}


def after_anchor(rows, anchor, ordering):
    """Rows that come after `anchor` in `ordering`, without OFFSET.

    The inclusive bound on the first column alone lets PostgreSQL start the
    index scan at the anchor, so a deep page costs what the first one does;
    the OR that breaks ties cannot bound a scan by itself.
    """
    first, second = ordering
    field, descending = first.lstrip("-"), first.startswith("-")
    value = getattr(anchor, field)
    beyond, reach = ("lt", "lte") if descending else ("gt", "gte")
    return rows.filter(**{f"{field}__{reach}": value}).filter(
        Q(**{f"{field}__{beyond}": value}) | Q(**{f"{second.lstrip('-')}__{beyond}": anchor.pk}))


@public_page
def signatories(request, slug):
    petition = published_or_404(slug)
    filters = SignatoryFilters(request.GET or None)
    ordering = ORDERINGS[filters.chosen_sort]
    rows = filters.apply(petition.signatures.approved()).select_related("party").order_by(
        *ordering)
    after = request.GET.get("after", "")
    if after.isdigit():
        anchor = petition.signatures.approved().filter(pk=int(after)).first()
        if anchor:
            rows = after_anchor(rows, anchor, ordering)
    page = list(rows[: PAGE_SIZE + 1])
    next_query = None
    if len(page) > PAGE_SIZE:
        params = request.GET.copy()
        params["after"] = page[PAGE_SIZE - 1].pk
        next_query = params.urlencode()
    raw = public_figures(petition)
    labels = dict(Mandate.choices)
    figures = {**raw, "by_mandate": [(labels.get(code, code), n)
                                     for code, n in raw["by_mandate"].items()],
               "by_party": list(raw["by_party"].items())}
    names = departements()
    list_url = reverse("signatories", args=[petition.slug])
    departement_rows = [(code, names[code], figures["by_departement"].get(code, 0))
                        for code in names]
    map_svg = render_map(
        figures["by_departement"],
        link_for=lambda code: f"{list_url}?departement={code}",
        names=names,
        title=_("Signatories by département"),
        label_for=lambda code, n: ngettext(
            "%(name)s (%(code)s): %(count)d signature",
            "%(name)s (%(code)s): %(count)d signatures", n) % {
                "name": names.get(code, code), "code": code, "count": n},
    )
    response = render(request, "signatures/list.html", {
        "petition": petition,
        "filters": filters,
        "signatures": page[:PAGE_SIZE],
        "next_query": next_query,
        "count": approved_count(petition),
        "figures": figures,
        "map_svg": map_svg,
        "legend": map_legend(figures["by_departement"], names),
        "departement_rows": [row for row in departement_rows if row[2]],
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
