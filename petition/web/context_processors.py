from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language


def language_switch(request):
    """Links to the same page in the other language: switching needs no JavaScript."""
    current = get_language()
    other = "en" if current == "fr" else "fr"
    return {
        "other_language": other,
        "other_language_url": same_page_in(request.get_full_path(), other),
    }


def same_page_in(path: str, language: str) -> str:
    """This site's page at `path`, in `language`; its home when the path would leave the site.

    A request path can be "//evil.test/" (a 404 page): a browser reads it as another host.
    """
    url = translate_url(path, language)
    if url.startswith("/") and not url.startswith(("//", "/\\")) \
            and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    with translation.override(language):
        return reverse("home")
