from django.urls import translate_url
from django.utils.translation import get_language


def language_switch(request):
    """Links to the same page in the other language: switching needs no JavaScript."""
    current = get_language()
    other = "en" if current == "fr" else "fr"
    return {
        "other_language": other,
        "other_language_url": translate_url(request.get_full_path(), other),
    }
