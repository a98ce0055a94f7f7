"""The task class every project task uses."""

import functools
import logging
import time

from celery.contrib.django.task import DjangoTask
from django.db import transaction

logger = logging.getLogger(__name__)


class OutboxTask(DjangoTask):
    """Queues after commit and never lets a broker outage break the request.

    Celery's own ``delay_on_commit`` runs ``delay`` in a plain ``on_commit``
    hook, so a broker that is down turns an already-saved signature into a
    500. Our rows are an outbox: if publishing fails, the row stays queued
    and the beat sweeper publishes it again.
    """

    abstract = True
    # After a failed publish, requests stop trying for a while: during an
    # outage, signing stays as fast as usual and the sweeper catches up.
    BROKER_BACKOFF_SECONDS = 10
    _broker_down_until = 0.0

    def delay_on_commit(self, *args, **kwargs):
        transaction.on_commit(functools.partial(self._publish_or_log, args, kwargs))

    def _publish_or_log(self, args, kwargs):
        if time.monotonic() < OutboxTask._broker_down_until:
            logger.info("Broker recently down: %s left to the sweeper", self.name)
            return
        try:
            self.delay(*args, **kwargs)
        except Exception as error:
            OutboxTask._broker_down_until = time.monotonic() + self.BROKER_BACKOFF_SECONDS
            logger.warning("Could not publish %s (%s); the sweeper will retry", self.name,
                           error)
