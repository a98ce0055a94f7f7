"""kombu's Redis transport, except that a failed ack never costs the worker a prefetch slot.

Why (issue 18, the frozen-Redis soak): kombu's Redis QoS acknowledges a
message in two steps, first removing it from Redis's `unacked` index, then
freeing its slot in the channel's local prefetch window. When Redis does not
answer (frozen, or gone while the consumer's connection still looks open),
the first step raises and the second is skipped. Celery logs "Couldn't ack"
and carries on with the same channel, now one slot short. With
`worker_prefetch_multiplier = 1`, a worker has as many slots as processes:
once that many acks failed, `can_consume()` is false for good and the
worker never asks Redis for a message again, while its processes keep
beating. 976 of 1,000 challenges waited more than 5 minutes that way.

Here the slot is freed whatever Redis answered, and the error is raised as
before (so it is still logged). The message stays in Redis's `unacked`
index and comes back after the visibility timeout; by then its row is sent
and the claim makes the second delivery a no-op (verification/outbox).

Also: closing the channel after a connection loss, and a task that ends after
that, no longer stop the worker; and a publish reuses the channel's client.

Selected in settings (CELERY_BROKER_TRANSPORT) for redis:// and rediss:// brokers.
"""

from kombu.transport import redis, virtual


class QoS(redis.QoS):
    def _connection_gone(self):
        """The channel was closed after a connection loss: kombu has dropped its connection."""
        connection = getattr(self.channel, "connection", None)
        return connection is None or connection.client is None

    def ack(self, delivery_tag):
        self._settle(delivery_tag, lambda: super(QoS, self).ack(delivery_tag))

    def reject(self, delivery_tag, requeue=False):
        self._settle(delivery_tag,
                     lambda: super(QoS, self).reject(delivery_tag, requeue=requeue))

    def _settle(self, delivery_tag, tell_redis):
        # A task that ends after its channel was closed (Redis killed while it
        # ran) has nobody left to tell: kombu would look up the lost
        # connection and raise AttributeError, which stops the worker
        # ("Unrecoverable error", seen in the fault tests). Its message is in
        # Redis's unacked index and comes back after the visibility timeout.
        if self._connection_gone():
            virtual.QoS.ack(self, delivery_tag)
            return
        try:
            tell_redis()
        except self.channel.connection_errors:
            virtual.QoS.ack(self, delivery_tag)  # the local slot, which Redis's failure kept
            raise
        except AttributeError:
            if not self._connection_gone():  # closed while we were telling Redis
                raise
            virtual.QoS.ack(self, delivery_tag)

    def restore_unacked(self, client=None):
        # Celery closes the channel after the connection is gone (a connection
        # loss): kombu would then look up the lost connection's host and raise
        # AttributeError, which stops the worker ("Unrecoverable error"). The
        # messages stay in Redis's unacked index (back after the visibility
        # timeout) and their rows are published again by the sweeper.
        if client is None and self._connection_gone():
            self._delivered.clear()
            return
        return super().restore_unacked(client)


class Channel(redis.Channel):
    QoS = QoS
    _sync_client = None

    def _create_client(self, asynchronous=False):
        """One synchronous client per connection pool, instead of one per publish.

        kombu builds a redis.Redis (and its response callbacks) twice for every
        message published, to look up the route and to push it: a sixth of a
        publish's CPU in the signing profile. redis.Redis is thread-safe and holds
        nothing but its pool, so one serves every publish until kombu drops the pool
        after a connection error; the next call makes a new one.
        """
        if asynchronous:
            return super()._create_client(asynchronous=True)
        if self._sync_client is None or self._sync_client.connection_pool is not self.pool:
            self._sync_client = super()._create_client()
        return self._sync_client


class Transport(redis.Transport):
    Channel = Channel
