"""Fixed-window rate limits on atomic cache counters (Redis INCR in production).

Keys are keyed hashes: neither IP addresses nor email addresses are stored,
even in the cache.

While Redis is unreachable, each process counts in its own memory instead
(`_LocalCounters`), with the same limits and windows. A flood is then
bounded by the limit times the number of web processes (WEB_CONCURRENCY per
instance), not by the limit, for the length of the outage. PostgreSQL could
count exactly, but it is the one part that signing cannot do without: an
outage of the cache is no time to add three writes per signature to it, and
the local count costs nothing, needs no table and no cleaning. The local
counts are dropped when the window turns, and are never merged back.
"""

import hashlib
import hmac
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache

from petition.cache_backend import CacheUnavailable


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
    try:
        return _count_in_cache(key, window) <= limit
    except CacheUnavailable:
        return local_counters.hit(key, window) <= limit


def _count_in_cache(key, window) -> int:
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


class _LocalCounters:
    """This process's counts while the cache is away: bounded in size, thread-safe."""

    MAX_KEYS = 50_000  # about 10 MB at worst

    def __init__(self):
        self._counts = OrderedDict()  # key -> (count, window ends at, monotonic)
        self._lock = threading.Lock()

    def hit(self, key, window) -> int:
        now = time.monotonic()
        with self._lock:
            count, ends_at = self._counts.get(key, (0, now + window))
            if ends_at <= now:
                count, ends_at = 0, now + window
            self._counts[key] = (count + 1, ends_at)
            self._counts.move_to_end(key)
            while len(self._counts) > self.MAX_KEYS:
                # The oldest keys; the key names carry the window, so most are spent.
                self._counts.popitem(last=False)
            return count + 1

    def clear(self):
        with self._lock:
            self._counts.clear()


local_counters = _LocalCounters()
