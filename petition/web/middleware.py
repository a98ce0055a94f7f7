"""Response headers Django does not set itself."""

# Nothing on this site needs a camera, a microphone, a location or payments.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
    "payment", "usb", "interest-cohort", "browsing-topics"))


def permissions_policy(get_response):
    def middleware(request):
        response = get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
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
