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
    return first_refused((scope, value)) is None


# Each key in turn: one hit, its window started on the first; at the first key past
# its limit, stop (the later ones are not counted) and say which. Atomic: a key never
# expires between its count and its expiry, and never lives without one.
COUNT_IN_TURN = """
for i, key in ipairs(KEYS) do
  local hits = redis.call('INCR', key)
  if hits == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
  if hits > tonumber(ARGV[2 * i - 1]) then return i end
end
return 0
"""


def first_refused(*checks) -> str | None:
    """Count one hit on each (scope, value) in turn: the first scope past its limit in
    this window, whose followers are then not counted, or None.

    One round trip to Redis for them all (a script), where each took two or three.
    Checked in turn, so that a flood refused for its IP does not spend, on top, the
    allowance of the address or the domain it names.
    """
    counted = []  # (scope, key, limit, window) of the scopes that limit something
    for scope, value in checks:
        limit, window = settings.RATE_LIMITS[scope]
        if value and limit:
            counted.append((scope, _key(scope, value, window), limit, window))
    if not counted:
        return None
    try:
        if hasattr(cache, "run_script"):  # Redis (petition.cache_backend)
            refused = cache.run_script(COUNT_IN_TURN, [key for _s, key, _l, _w in counted],
                                       [n for _s, _k, limit, window in counted
                                        for n in (limit, window)])
            return counted[refused - 1][0] if refused else None
        for scope, key, limit, window in counted:  # the local caches of development
            if _count_in_cache(key, window) > limit:
                return scope
        return None
    except CacheUnavailable:
        for scope, key, limit, window in counted:
            if local_counters.hit(key, window) > limit:
                return scope
        return None


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
