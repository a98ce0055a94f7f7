"""A circuit breaker: after a failure, a dead service is left alone for a few seconds.

Every request path that talks to Redis (the cache, the Celery publisher) has
a short socket timeout. That bounds one call, but a frozen Redis would still
cost each request that timeout, once per call. After a failure the breaker
opens: for `open_seconds`, calls are refused at once, without a network
round trip, and the caller takes its degraded path. Then one call (one
thread of the process) is let through to probe the service; the others are
still refused until it answers. A success closes the breaker.

State is per process and shared by its threads: each gunicorn or Celery
process finds out for itself, at the cost of one timeout per few seconds.
"""

import logging
import threading
import time
from contextlib import contextmanager

logger = logging.getLogger(__name__)


class Open(Exception):
    """The breaker is open: the service failed recently and was not called."""


class CircuitBreaker:
    def __init__(self, name: str, open_seconds: float, failures: tuple):
        self.name = name
        self.open_seconds = open_seconds
        self.failures = failures  # exception types that mean "the service is down"
        self._lock = threading.Lock()
        self._open_until = 0.0  # monotonic; 0: closed
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._open_until > 0

    def _may_call(self) -> bool:
        with self._lock:
            if not self._open_until:
                return True
            if time.monotonic() < self._open_until or self._probing:
                return False
            self._probing = True  # this caller probes; the others keep away
            return True

    @contextmanager
    def guard(self):
        """Run the block against the service, or raise Open without touching it.

        An exception of `failures` opens the breaker (and is raised again);
        anything else means the service answered.
        """
        if not self._may_call():
            raise Open(self.name)
        try:
            yield
        except self.failures as error:
            self.trip(error)
            raise
        except BaseException:
            self._closed()
            raise
        self._closed()

    def trip(self, error=None):
        with self._lock:
            was_open = self._open_until > 0
            self._open_until = time.monotonic() + self.open_seconds
            self._probing = False
        if not was_open:
            logger.warning("%s unreachable (%s): degraded mode for %s s at least", self.name,
                           type(error).__name__ if error else "failure", self.open_seconds)

    def _closed(self):
        if not self._open_until:
            return
        with self._lock:
            was_open = self._open_until > 0
            self._open_until = 0.0
            self._probing = False
        if was_open:
            logger.warning("%s answers again: degraded mode over", self.name)

    def reset(self):
        """Forget past failures (tests, and a process told the service is back)."""
        with self._lock:
            self._open_until = 0.0
            self._probing = False
