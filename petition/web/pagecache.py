"""Whole public pages kept in the shared cache for a few seconds.

A launch-day crowd asks for the same few URLs (the petition, the count, the
first page of signatories and its filters). Each is rendered once per version
and per minute, and every web instance serves it from Redis. Changing the
public figures (moderation, a petition edit) bumps the version, so a cached
page is never staler than the figures it shows.

A crowd cannot fill the cache from here: the key is the path and only the
query parameters the view declared (`public_page(reads=...)`), in one order,
without the host (absolute links come from SITE_URL); a page larger than
PAGE_CACHE_MAX_BYTES is served but not stored; and the cache is its own Redis,
which evicts (settings.CACHE_REDIS_URL, README), apart from the broker.

What is never cached here: a request carrying a session or a flash-message
cookie (its page may say something to that visitor alone), a response that
sets a cookie or used the session or the CSRF token, a non-200 answer, a
stream. The long tail of URLs (`q` searches, `after` pages, a commune's
officials) is kept LONG_TAIL_SECONDS only, and rendered without the crowd's
render lock (two round trips that would almost never spare a render).

While Redis is unreachable the cache is bypassed: every page is rendered, as
if nothing were cached, and nothing is stored (petition.cache_backend keeps
that to one short timeout per process every few seconds). A version bump
that cannot reach Redis is lost: pages cached before the outage may be shown
until they expire (SECONDS) once Redis is back.
"""

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import has_vary_header

from petition.cache_backend import CacheUnavailable

logger = logging.getLogger(__name__)
SECONDS = 60
VERSION_KEY = "page-version"
# Each process reads the version at most this often: a hit then costs one
# round trip to Redis, and a change shows on every instance within a second.
VERSION_SECONDS = 1.0
# `locality`: a commune looked up on « have your elected officials signed? ».
LONG_TAIL_PARAMETERS = {"q", "after", "locality"}
LONG_TAIL_SECONDS = 10
# When a page expires or the version changes, a crowd misses it at once: one
# request renders it, the others wait for its copy, for as long as its lock
# says it is rendering (at most this long). A first render on a loaded machine
# can take over a second; a crowd that gave up then would render it again, all
# at once, which is the load this lock is there to spare.
RENDER_WAIT_SECONDS = 5.0
RENDER_LOCK_SECONDS = 10
RENDER_POLL_SECONDS = 0.02
_version = {"value": 0, "read_at": float("-inf")}
# Each process also keeps the pages it served within the same second, as a
# CDN would: a crowd on one URL costs no round trip to Redis. Bounded, and
# never staler than the version it was read with (VERSION_SECONDS).
RECENT_PAGES = 64
_recent = OrderedDict()  # key -> (stored at, content, headers)
_recent_lock = threading.Lock()


def _recall(key):
    with _recent_lock:
        entry = _recent.get(key)
    if entry and time.monotonic() - entry[0] <= VERSION_SECONDS:
        return entry[1:]
    return None


def _remember(key, cached):
    with _recent_lock:
        _recent[key] = (time.monotonic(), *cached)
        _recent.move_to_end(key)
        while len(_recent) > RECENT_PAGES:
            _recent.popitem(last=False)


def bump():
    """Every cached page is out of date (new figures, edited petition)."""
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            if not cache.add(VERSION_KEY, _new_version(), None):
                cache.incr(VERSION_KEY)  # another process started it meanwhile
    except CacheUnavailable:
        logger.warning("Page version not bumped: the cache is unreachable")
    forget_local()  # this process sees it at once


def changed():
    """Something the public pages show, or a VersionedMemo keeps, was saved: this process
    forgets it at once, every process once the transaction commits (a page rendered
    before the commit would otherwise be kept under the new version)."""
    forget_local()
    transaction.on_commit(bump)


def forget_local():
    """Drop what this process remembers (the version, the last second's pages, the rows
    kept by version)."""
    _version["read_at"] = float("-inf")
    forget_recent_pages()
    for memo in VersionedMemo.instances:
        if memo.version is None:
            memo.clear()


def forget_recent_pages():
    """Drop the pages this process kept for a second (a bench's "nobody asked for it")."""
    with _recent_lock:
        _recent.clear()


class VersionedMemo:
    """Rows that nearly every request reads and hardly anyone changes, kept in this
    process while the pages' version stands.

    The petition (read by slug on every page and every signing POST) and the
    parties (the signing form's list and its check) cost a query each per
    request, for rows that change when a moderator edits them. Saving one calls
    `forget_local` at once (this process sees the edit on its next request) and
    `bump` once it commits (the other processes see it within VERSION_SECONDS, as
    they see every cached page). A kept value is also read again after SECONDS, in
    case a bump was lost while the cache was away; and while the cache is
    unreachable nothing is kept: each request reads the database, as it did.
    Bounded: the `size` keys used last.
    """

    instances = []

    def __init__(self, size=16, version=None):
        """`version`: what the values depend on, when it is not the pages' version (the
        register's lines depend on its release alone): a function, None while nothing
        should be kept. Those values stay when the pages change."""
        self.size = size
        self.version = version
        self._kept = OrderedDict()  # key -> (version, kept at, value)
        self._lock = threading.Lock()
        VersionedMemo.instances.append(self)

    def get(self, key, load, keep=None):
        """The value kept for `key` in this version, else `load()`, kept (unless
        `keep(value)` says not)."""
        try:
            version = current_version() if self.version is None else self.version()
        except CacheUnavailable:
            return load()
        if version is None:
            return load()
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(key)
        if kept and kept[0] == version and now - kept[1] <= SECONDS:
            return kept[2]
        value = load()
        if keep is not None and not keep(value):
            return value
        with self._lock:
            self._kept[key] = (version, now, value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value

    def forget(self, key):
        with self._lock:
            self._kept.pop(key, None)

    def clear(self):
        with self._lock:
            self._kept.clear()


def _new_version():
    # From the clock, not from 1: after Redis lost it (a restart), no version
    # comes back that a process has kept copies under (VersionedMemo).
    return time.time_ns() // 1000


def current_version():
    now = time.monotonic()
    if now - _version["read_at"] > VERSION_SECONDS:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, _new_version(), None)
            version = cache.get(VERSION_KEY, 0)
        _version.update(value=version, read_at=now)
    return _version["value"]


def _wait_for_render(key, lock):
    """Another request is rendering this page: take its copy when it lands."""
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(RENDER_POLL_SECONDS)
        found = cache.get_many([key, lock])
        if key in found:
            return found[key]
        if lock not in found:
            return None  # it was not cacheable after all: render our own
    return None


def _cacheable_request(request):
    """The public view this request leads to, or None when it cannot be served from here."""
    if (request.method == "GET"
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and CookieStorage.cookie_name not in request.COOKIES):
        return _public_view(request.path_info)
    return None


def _public_view(path):
    """Known before the view runs, so that other pages never touch the cache or its locks."""
    # i18n_patterns resolve in the language the path says ("/en/…"), French by default.
    with translation.override(translation.get_language_from_path(path)
                              or settings.LANGUAGE_CODE):
        try:
            match = resolve(path)
        except Resolver404:
            return None
    return match.func if getattr(match.func, "public_page", False) else None


def _cacheable_response(response) -> bool:
    # A page that read the session or set the CSRF cookie carries Vary: Cookie
    # or a cookie: the page is someone's, not the crowd's.
    return (response.status_code == 200 and not response.streaming
            and not response.cookies and not has_vary_header(response, "Cookie"))


def read_only_what_the_page_reads(request, view):
    """Keep, in request.GET, only the parameters the view declared, once each, in order.

    `?utm_source=N` or a shuffled query string would each make a new page: the view
    now sees exactly what the key says, and a repeated parameter counts as the last
    value (what QueryDict.get returns).
    """
    reads = sorted(getattr(view, "public_reads", ()))
    request.GET = QueryDict(urlencode([(name, request.GET[name]) for name in reads
                                       if name in request.GET]))


def _key(request) -> str:
    # The path alone says the language (i18n_patterns: "/" is French, "/en/" English).
    # The host is not in it: pages build absolute links from SITE_URL, so every
    # spelling of the host (a port, upper case) shares one page. get_host() still
    # refuses a host outside ALLOWED_HOSTS (a 400, as without the cache).
    request.get_host()
    url = f"{request.path}?{request.GET.urlencode()}"
    return f"page:{current_version()}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"


def _lock(key):
    return f"{key}:rendering"


def _look_up(key, long_tail):
    """(the cached page or None, whether this request renders it for the others)."""
    cached = _recall(key)
    if cached is None and (cached := cache.get(key)) is not None:
        _remember(key, cached)
    if cached is not None:
        return cached, False
    if long_tail:
        # A search or a deep page is rarely asked twice at once: taking and
        # releasing a lock would be two more round trips on nearly every one.
        return None, False
    if cache.add(_lock(key), 1, timeout=RENDER_LOCK_SECONDS):
        # The request that rendered it may have stored the page and released its lock
        # between our read above and this add: read once more before rendering it
        # again (one round trip more, on a miss only).
        if (cached := cache.get(key)) is not None:
            _release(_lock(key))
            _remember(key, cached)
            return cached, False
        return None, True
    return _wait_for_render(key, _lock(key)), False


def _store(key, page, seconds):
    """Keep the page; a cache gone since the look-up is no error, the page is served anyway."""
    try:
        cache.set(key, page, seconds)
    except CacheUnavailable:
        pass


def _release(lock):
    try:
        cache.delete(lock)
    except CacheUnavailable:
        pass  # it expires by itself


def public_page(view=None, *, reads=()):
    """Mark a view's pages as the same for every visitor: the middleware may keep them.

    `reads`: the query-string parameters the page depends on; it sees no others.
    Use as @public_page or @public_page(reads=[...]).
    """
    def mark(view):
        view.public_page = True
        view.public_reads = tuple(reads)
        return view

    return mark(view) if view is not None else mark


def middleware(get_response):
    """Serve marked pages from the shared cache, before the rest of the middleware runs.

    It sits just after SecurityMiddleware and WhiteNoise: a hit skips sessions,
    CSRF, locale, auth and the rest, and carries the headers they had set on
    the page when it was stored (CSP, Vary, Content-Language...).
    """
    def page_cache(request):
        view = _cacheable_request(request)
        if view is None:
            return get_response(request)
        read_only_what_the_page_reads(request, view)
        long_tail = bool(LONG_TAIL_PARAMETERS & set(request.GET))
        try:
            key = _key(request)
            cached, rendering = _look_up(key, long_tail)
        except CacheUnavailable:
            return get_response(request)  # bypassed: rendered as if never cached
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content, headers=headers)
            response["X-Page-Cache"] = "hit"
            return response
        try:
            response = get_response(request)
            # Rendered here: what a load generator counts to show its URLs really missed.
            response["X-Page-Cache"] = "miss"
            if _cacheable_response(response) and len(response.content) <= (
                    settings.PAGE_CACHE_MAX_BYTES):
                _store(key, (response.content, dict(response.items())),
                       LONG_TAIL_SECONDS if long_tail else SECONDS)
        finally:
            if rendering:
                _release(_lock(key))
        return response

    return page_cache
