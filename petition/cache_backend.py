"""Django's Redis cache, with one kind of failure, fast, and a circuit breaker.

Django's RedisCache lets redis-py's errors through, after whatever the
socket took to fail: a refused connection is quick, but a frozen Redis
(SIGSTOP, a full network buffer, a failover) holds each call for the socket
timeout. Here:

- every call is guarded by one breaker per process (petition.breaker): after
  a failure, calls raise at once for BREAKER_SECONDS, then one probes;
- every failure, from the network or from the breaker, is `CacheUnavailable`,
  so that each caller states its degraded behaviour in one `except`
  (the page cache renders, the rate limits count in the process, the MX
  check marks the domain unchecked, the figures count from the table).

The socket timeouts themselves come from the cache's OPTIONS in settings
(socket_connect_timeout, socket_timeout): ≤ 200 ms on the request path.

Two savings on every call: one redis.Redis client per connection pool, made
once (Django makes one per call, and its response callbacks with it: a fifth
of a signing POST's cache time), and `run_script`, several commands in one
round trip (the rate limits).
"""

import threading

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.commands.core import Script

from .breaker import CircuitBreaker, Open

BREAKER_SECONDS = 5.0


class CacheUnavailable(Exception):
    """Redis did not answer (now, or a few seconds ago): take the degraded path."""


breaker = CircuitBreaker("Cache (Redis)", BREAKER_SECONDS, (redis.exceptions.RedisError, OSError))


class _GuardedClient:
    """Django's RedisCacheClient, each method run under the breaker."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        method = getattr(self._client, name)

        def guarded(*args, **kwargs):
            try:
                with breaker.guard():
                    return method(*args, **kwargs)
            except (Open, *breaker.failures) as error:
                raise CacheUnavailable(f"{name}: {type(error).__name__}: {error}") from error

        return guarded


class _OneClientPerPool(RedisCacheClient):
    """redis.Redis is thread-safe and cheap to keep; making one per call is not cheap."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._clients_lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            with self._clients_lock:
                client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class GuardedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool
        self._scripts = {}

    @property
    def _cache(self):
        # The client (and its connection pools) is made once, as in RedisCache.
        if "_client" not in self.__dict__:
            self.__dict__["_client"] = _GuardedClient(self._class(self._servers, **self._options))
        return self.__dict__["_client"]

    def run_script(self, source: str, keys, args):
        """A Lua script on these cache keys (prefixed as every other call's), in one round
        trip (EVALSHA; the source is sent once per server), under the breaker."""
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts.setdefault(source, Script(None, source.encode()))
        keys = [self.make_and_validate_key(key) for key in keys]
        client = self._cache.get_client(write=True)
        try:
            with breaker.guard():
                return script(keys=keys, args=args, client=client)
        except (Open, *breaker.failures) as error:
            raise CacheUnavailable(f"script: {type(error).__name__}: {error}") from error
