"""The task class every project task uses."""

import functools
import logging

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

    def delay_on_commit(self, *args, **kwargs):
        transaction.on_commit(functools.partial(self._publish_or_log, args, kwargs))

    def _publish_or_log(self, args, kwargs):
        try:
            self.delay(*args, **kwargs)
        except Exception:
            logger.warning("Could not publish %s; the sweeper will retry", self.name,
                           exc_info=True)
