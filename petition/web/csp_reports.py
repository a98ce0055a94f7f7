"""The endpoint browsers report Content Security Policy violations to.

Anyone can post here, so it is bounded: a small body, a per-IP rate limit, and one
log line per report that keeps only what tells a developer what broke (the
directive, and the origin of the blocked resource and of the page), never a full
URL (tokens travel in confirmation links), a query string, or the reporter's IP.
"""

import json
import logging
from urllib.parse import urlsplit

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .ratelimit import allow, client_ip

logger = logging.getLogger("petition.csp")
MAX_BODY_BYTES = 8 * 1024
MAX_REPORTS_PER_POST = 5
# Values of blocked-uri that are keywords, not URLs.
KEYWORDS = {"inline", "eval", "data", "blob", "self", "wasm-eval", "trusted-types-policy"}


def _origin(value) -> str:
    if not isinstance(value, str):
        return ""
    if value in KEYWORDS:
        return value
    parts = urlsplit(value[:2000])
    if parts.scheme in ("http", "https") and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"
    return parts.scheme[:20]


def _text(value, limit=60) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _summaries(payload) -> list[dict]:
    """One summary per violation, from report-uri's or the Reporting API's format."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        bodies = [payload["csp-report"]]
    elif isinstance(payload, list):
        bodies = [item.get("body") for item in payload[:MAX_REPORTS_PER_POST]
                  if isinstance(item, dict) and item.get("type") == "csp-violation"]
    else:
        bodies = []
    summaries = []
    for body in bodies:
        if not isinstance(body, dict):
            continue
        summaries.append({
            "directive": _text(body.get("effective-directive") or body.get("violated-directive")
                               or body.get("effectiveDirective")),
            "blocked": _origin(body.get("blocked-uri") or body.get("blockedURL")),
            "page": _origin(body.get("document-uri") or body.get("documentURL")),
            "disposition": _text(body.get("disposition"), 10),
        })
    return summaries


@csrf_exempt
@require_POST
def csp_report(request):
    if not allow("csp-ip", client_ip(request)):
        return HttpResponse(status=429)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = MAX_BODY_BYTES + 1
    if length > MAX_BODY_BYTES:
        return HttpResponse(status=413)
    try:
        payload = json.loads(request.read(MAX_BODY_BYTES + 1)[:MAX_BODY_BYTES])
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    for summary in _summaries(payload):
        logger.warning("CSP violation: %(directive)s blocked %(blocked)s on %(page)s",
                       summary, extra={"csp": summary})
    return HttpResponse(status=204)
