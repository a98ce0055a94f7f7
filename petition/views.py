"""The petition's own pages (the text with its count, the privacy notice) and /healthz."""

import redis
from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache, patch_cache_control

from signatures.figures import approved_count, latest_signatories, public_figures, summary

from . import share_image
from .models import Petition, published_or_404
from .web.pagecache import public_page


@public_page
def home(request):
    petition = Petition.objects.featured()
    if petition is None:
        raise Http404("No featured petition")
    return petition_detail(request, petition.slug)


@public_page
def petition_detail(request, slug):
    """The text, the count and the latest signatories: the same for everyone.

    It carries no form, hence no CSRF token, so that it can be cached and
    served to a launch-day crowd; the form is on its own page.
    """
    petition = published_or_404(slug)
    count = approved_count(petition)
    response = render(request, "petition/detail.html", {
        "petition": petition,
        "count": count,
        "summary": summary(public_figures(petition)),
        "progress": min(100, count * 100 // petition.goal) if petition.goal else None,
        "latest": latest_signatories(petition),
        "updates": list(petition.updates.published()),
        # From SITE_URL, never from the request's Host: the page is shared by every visitor.
        "page_url": petition.absolute_url(),
        "site_url": settings.SITE_URL,
        "share_step": share_image.count_step(count),
    })
    patch_cache_control(response, public=True, max_age=60, stale_while_revalidate=300)
    return response


def share_card(request, slug):
    """The og:image of a petition in the reader's language, redrawn when the count
    crosses a step; the step is in the page's link, so a changed card has a new URL."""
    petition = published_or_404(slug)
    shown = share_image.count_step(approved_count(petition))
    key = (f"share-card:{petition.pk}:{get_language()}:{shown}:"
           f"{petition.updated_at.timestamp():.0f}")
    count_line = ngettext("%(count)s elected official has signed",
                          "%(count)s elected officials have signed", shown) % {"count": shown}
    png = share_image.cached_card(key, petition.title, count_line,
                                  _("Elected officials' petition"))
    response = HttpResponse(png, content_type="image/png")
    patch_cache_control(response, public=True, max_age=3600)
    return response


def privacy(request):
    return render(request, "petition/privacy.html", {
        "token_days": settings.CHALLENGE_TOKEN_TTL_DAYS,
        "reminder_days": settings.REMINDER_AFTER_DAYS,
        "expire_days": settings.UNCONFIRMED_EXPIRE_DAYS,
        "purge_days": settings.PURGE_AFTER_DAYS,
        "ip_hash_days": settings.IP_HASH_KEEP_DAYS,
        "rejected_days": settings.REJECTED_ANONYMISE_DAYS,
        "email_months": settings.EMAIL_DELETE_MONTHS_AFTER_CLOSE,
        "petition": Petition.objects.featured(),
    })


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page's <link rel=icon> says."""
    return redirect(static("img/favicon.svg"), permanent=True)


def _database_ok():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker_ok():
    if not settings.REDIS_URL:
        return "not used (tasks run in-process)"
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


@never_cache
def healthz(request):
    report, healthy = {}, True
    for part, check in (("database", _database_ok), ("broker", _broker_ok)):
        try:
            report[part] = check() or "ok"
        except Exception as error:
            healthy = False
            report[part] = f"failed: {type(error).__name__}"
    return JsonResponse({"status": "ok" if healthy else "failed", **report},
                        status=200 if healthy else 503)

