"""The public page « Have your elected officials signed? »."""

from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from petition.models import published_or_404
from petition.web.pagecache import public_page
from signatures.forms import CommuneLookupForm

from .officials import officials_of, register_release


@require_http_methods(["GET", "HEAD"])
@public_page(reads=["locality", "locality_code"])
def officials(request, slug):
    """A GET form, so the page is the same for everyone who asks for a commune: it is
    cached, and it works without JavaScript (the typed name is matched on the server)."""
    petition = published_or_404(slug)
    release = register_release()
    if release is None:
        raise Http404("No register imported")
    form = CommuneLookupForm(request.GET if "locality" in request.GET else None)
    groups = None
    if form.is_bound and form.is_valid() and form.place:
        groups = officials_of(form.place, petition)
    response = render(request, "verification/officials.html", {
        "petition": petition, "form": form, "place": form.place, "groups": groups,
        "release": release,
    })
    patch_cache_control(response, public=True, max_age=60, stale_while_revalidate=300)
    return response
