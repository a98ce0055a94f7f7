"""Fixed-window rate limits on atomic cache counters (Redis INCR in production).

Keys are keyed hashes: neither IP addresses nor email addresses are stored,
even in the cache.
"""

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address our own outermost trusted proxy saw.

    With N trusted proxies, the client is the N-th address from the right of
    X-Forwarded-For: everything left of it may be forged by the client.
    """
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if a.strip()]
        if len(forwarded) >= trusted:
            return forwarded[-trusted]
    return request.META.get("REMOTE_ADDR", "")


def keyed_hash(scope: str, value: str, length: int = 32) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{value}".encode(),
                    hashlib.sha256).hexdigest()[:length]


def ip_hash(ip: str) -> str:
    """What a signature keeps of its sender's IP: enough to group, not to find them."""
    return keyed_hash("signature-ip", ip, 16) if ip else ""


def _key(scope: str, value: str, window: int) -> str:
    return f"rl:{scope}:{keyed_hash(scope, value)}:{int(time.time() // window)}"


def allow(scope: str, value: str) -> bool:
    """Count one hit; False once the scope's limit is passed in this window."""
    limit, window = settings.RATE_LIMITS[scope]
    if not value or not limit:
        return True
    key = _key(scope, value, window)
    if cache.add(key, 1, timeout=window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit
