"""The signer's choice of campaign news, from the links in their emails.

Both links are signed for one purpose and stop working once the choice they
were made under has changed (Signature.news_token). A forged, stale or
erased one gets the same page and status, so a link tells nothing of any
address. Every change is a POST; the unsubscribe link also takes the POST of
RFC 8058's one-click, which carries no CSRF token (the signed link is the proof).
"""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from signatures.forms import NEWS_CONSENT_HELP, NEWS_CONSENT_LABEL, NEWS_CONSENT_VERSION
from signatures.models import Signature

TEMPLATE = "verification/news.html"


def _not_valid(request):
    return render(request, TEMPLATE, {"problem": "invalid"}, status=404)


def _page(request, signature, **context):
    return render(request, TEMPLATE, {
        "petition": signature.petition, "subscribed": signature.news_consent_at is not None,
        # The next change is made with a link of the current choice.
        "preferences_token": signature.news_token("preferences"),
        "label": NEWS_CONSENT_LABEL, "help": NEWS_CONSENT_HELP, **context})


def _choose(request, token, purpose, wanted, **context):
    """The page of one link: GET shows the choice, POST makes it (`wanted` reads the form)."""
    signature = Signature.from_news_token(token, purpose)
    if signature is None:
        return _not_valid(request)
    if request.method == "POST":
        signature.choose_news(wanted(request.POST), NEWS_CONSENT_VERSION)
        return _page(request, signature, saved=True)
    return _page(request, signature, **context)


@never_cache
def preferences(request, token):
    return _choose(request, token, "preferences", lambda form: form.get("news") == "on")


@csrf_exempt
@never_cache
def unsubscribe(request, token):
    return _choose(request, token, "unsubscribe", lambda form: False, unsubscribe_token=token)
