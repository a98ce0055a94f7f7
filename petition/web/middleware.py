"""Response headers Django does not set itself."""

import codecs

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.datastructures import MultiValueDict

# Nothing on this site needs a camera, a microphone, a location or payments.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
    "payment", "usb", "interest-cohort", "browsing-topics"))


def permissions_policy(get_response):
    """Permissions-Policy, Cross-Origin-Resource-Policy and the CSP reports' endpoint."""
    def middleware(request):
        response = get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Nothing here is meant to be embedded by another site (the widget is an iframe
        # of its own page, which CORP does not govern).
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        # The Reporting API's name for "report-to csp" in the CSP (settings.SECURE_CSP).
        response.setdefault("Reporting-Endpoints", f'csp="{settings.CSP_REPORT_PATH}"')
        return response

    return middleware


def personal_pages_not_stored(get_response):
    """A page that carries a CSRF token or read the session belongs to one visitor.

    Forms (signing, resend, confirm, withdraw) are never stored by a browser's
    back-forward cache, a proxy or a CDN: `Cache-Control: no-store`, whatever
    the view said. The public pages carry neither, so they stay cacheable.
    """
    def middleware(request):
        response = get_response(request)
        session = getattr(request, "session", None)
        personal = request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or (
            session is not None and session.accessed)
        if personal and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response

    return middleware


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def bad_request(request, exception):
    """The 400 page (handler400), without reading the body: Django's own reads the CSRF
    token again, from the very body that could not be parsed."""
    return render(request, "400.html", status=400)


def unreadable_forms_are_bad_requests(get_response):
    """A form body Django cannot parse gets the 400 page, before anything reads it.

    Django raises when the CSRF check (or the CSRF-protected 404 and 400 views) first
    reads request.POST: a multipart body without a boundary is a MultiPartParserError,
    which would end in a 500. A form declared "utf8" is read as the UTF-8 it is.
    """
    def middleware(request):
        if request.content_type in FORM_TYPES and request.method not in ("GET", "HEAD"):
            charset = request.content_params.get("charset", "")
            if charset and _is_utf8(charset):
                request.encoding = "utf-8"
            # A view may need to set the body up before it is parsed (a size cap on
            # uploads): it says so with a `prepare_body(request)` attribute.
            prepare_body = getattr(_view_of(request), "prepare_body", None)
            if prepare_body:
                prepare_body(request)
            try:
                request.POST  # noqa: B018 (parsed once here, kept on the request)
            except (MultiPartParserError, BadRequest):
                request._post, request._files = QueryDict(), MultiValueDict()
                return bad_request(request, None)
        return get_response(request)

    return middleware


def _view_of(request):
    try:
        return resolve(request.path_info).func
    except Resolver404:
        return None


def _is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False
