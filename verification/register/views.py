"""The public page « Have your elected officials signed? »."""

from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from petition.models import published_or_404
from petition.web.pagecache import public_page
from signatures.forms import CommuneLookupForm

from .officials import invitation_mailto, officials_of, register_release


def official_items(officials, invitation) -> SafeString:
    """The <li>s of a group in one pass: the template's loop over the département's
    seventy officials was most of the page's time (docs/performance.md). The same
    markup; what every item shares is escaped once."""
    signed = format_html('<span class="badge badge-signed">✓ {}</span>', _("signed"))
    invite = format_html('<span class="badge badge-not-signed">{}</span>\n'
                         '<a class="invite" href="{}">', _("not signed"), invitation)
    items = []
    for official in officials:
        name = escape(official.name)
        place = f", {escape(official.place)}" if official.place else ""
        if official.signed:
            items.append(f'<li class="official official-signed"><strong>{name}</strong>'
                         f"{place}\n{signed}</li>")
        else:
            label = escape(_("Invite %(name)s to sign (email)") % {"name": official.name})
            items.append(f'<li class="official official-not-signed"><strong>{name}</strong>'
                         f"{place}\n{invite}{label}</a></li>")
    return mark_safe("\n".join(items))  # every part above is escaped


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
    if groups is not None:
        invitation = invitation_mailto(petition)
        groups = [(group, official_items(group.officials, invitation)) for group in groups]
    response = render(request, "verification/officials.html", {
        "petition": petition, "form": form, "place": form.place, "groups": groups,
        "release": release,
    })
    patch_cache_control(response, public=True, max_age=60, stale_while_revalidate=300)
    return response
