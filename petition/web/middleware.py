"""Response headers Django does not set itself."""

from django.conf import settings

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
