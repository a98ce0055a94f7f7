"""The task class every project task uses."""

import functools
import logging

from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError, transaction

from .breaker import CircuitBreaker, Open

logger = logging.getLogger(__name__)

# After a failed publish, requests stop trying for a while: during an outage,
# signing stays as fast as usual and the sweeper catches up.
BROKER_BACKOFF_SECONDS = 10
broker = CircuitBreaker("Broker (Redis)", BROKER_BACKOFF_SECONDS, (Exception,))


class OutboxTask(DjangoTask):
    """Queues after commit and never lets a broker outage break the request.

    Celery's own ``delay_on_commit`` runs ``delay`` in a plain ``on_commit``
    hook, so a broker that is down turns an already-saved signature into a
    500. Our rows are an outbox: if publishing fails, the row stays queued
    and the beat sweeper publishes it again.

    A task that meets a lost database connection is run again, a few seconds
    later, on a fresh connection (petition/worker.py), instead of being dropped.
    Every task is written to be run again safely.
    """

    abstract = True
    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 5

    def delay_on_commit(self, *args, **kwargs):
        self.apply_async_on_commit(args, kwargs)

    def apply_async_on_commit(self, args=(), kwargs=None, **options):
        """apply_async once the transaction commits, with its options (`link`: a task the
        worker publishes once this one has run, in the same message)."""
        transaction.on_commit(functools.partial(self._publish_or_log, args, kwargs or {},
                                                options))

    def _publish_or_log(self, args, kwargs, options=None):
        try:
            with broker.guard():
                self.apply_async(args, kwargs, **(options or {}))
        except Open:
            logger.info("Broker recently down: %s left to the sweeper", self.name)
        except Exception as error:
            logger.warning("Could not publish %s (%s); the sweeper will retry", self.name,
                           error)
