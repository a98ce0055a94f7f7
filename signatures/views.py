from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from petition.models import Petition

from .forms import SignatureForm
from .models import Signature

PAGE_SIZE = 50


def approved_count(petition) -> int:
    """Cached briefly: a launch spike must not count the table on every view."""
    key = f"approved-count:{petition.pk}"
    count = cache.get(key)
    if count is None:
        count = petition.signatures.approved().count()
        cache.set(key, count, 30)
    return count


def _petition_or_404(slug):
    return get_object_or_404(Petition.objects.published(), slug=slug)


def home(request):
    petition = Petition.objects.featured()
    if petition is None:
        raise Http404("No featured petition")
    return petition_detail(request, petition.slug)


@require_http_methods(["GET", "HEAD", "POST"])
def petition_detail(request, slug):
    petition = _petition_or_404(slug)
    if request.method == "POST" and petition.is_open():
        form = SignatureForm(request.POST)
        if form.is_valid():
            signature = Signature.objects.submit(
                form.build_signature(petition, get_language()), language=get_language())
            request.session["submitted_signature"] = signature.pk
            request.session["submitted_email"] = form.cleaned_data["email"]
            return redirect("check_inbox", petition.slug)
    else:
        form = SignatureForm()
    return render(request, "petition/detail.html", {
        "petition": petition,
        "form": form,
        "count": approved_count(petition),
    })


def signatories(request, slug):
    petition = _petition_or_404(slug)
    rows = petition.signatures.approved().select_related("party").order_by("-approved_at", "-id")
    # Keyset pagination: "?before=<id>" continues after that row, without OFFSET.
    before = request.GET.get("before", "")
    if before.isdigit():
        anchor = petition.signatures.approved().filter(pk=int(before)).first()
        if anchor:
            rows = rows.filter(approved_at__lte=anchor.approved_at).exclude(
                approved_at=anchor.approved_at, id__gte=anchor.id)
    page = list(rows[: PAGE_SIZE + 1])
    next_anchor = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    response = render(request, "signatures/list.html", {
        "petition": petition,
        "signatures": page[:PAGE_SIZE],
        "next_anchor": next_anchor,
        "count": approved_count(petition),
    })
    patch_cache_control(response, public=True, max_age=60, stale_while_revalidate=300)
    return response
