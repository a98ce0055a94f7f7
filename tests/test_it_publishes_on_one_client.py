"""Tasks are published through one Redis client per broker channel, not one per message."""

import redis

from petition.celery import app


def test_publishes_reuse_one_client_and_a_dropped_pool_gets_a_new_one(monkeypatch):
    # The real broker on 127.0.0.1, through the project's transport (settings).
    made = []
    real_init = redis.Redis.__init__

    def counted_init(self, *args, **kwargs):
        made.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counted_init)
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue("test-publishes-on-one-client")
        queue.clear()  # the channel's clients are made here
        made.clear()
        for n in range(20):
            queue.put({"n": n})
        assert len(made) == 0  # kombu made two per message (the route, the push): 40
        # After a connection error kombu drops its pools; the next publish must not
        # go on with a client bound to the dropped pool.
        queue.channel._disconnect_pools()
        queue.put({"n": 20})
        assert len(made) == 1
        received = [queue.get(timeout=2) for _ in range(21)]
        assert sorted(message.payload["n"] for message in received) == list(range(21))
        for message in received:
            message.ack()
        queue.close()
