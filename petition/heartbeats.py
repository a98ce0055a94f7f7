"""Celery processes say they are alive: one row each in Heartbeat, renewed every few seconds.

- Each process that runs tasks (a prefork child, or the worker itself with the
  solo and threads pools) has a name, host:pid:nonce (the nonce tells a new
  process from an old one that had the same pid, as in a restarted
  container). Its claims on outbox rows carry that name, and a thread renews
  its row every WORKER_HEARTBEAT_SECONDS. So the sweeper can tell a dead
  claim (its process has been silent) from a slow send (it has not).
- Beat renews its own row from its scheduler loop: a stuck loop stops it.
- With HEARTBEAT_FILE set, each renewal also touches that file, so that the
  container's health check is a file's age, without a database client. A
  worker process touches it only while it is consuming: it is running a
  task, or finished one within CHALLENGE_REQUEUE_AFTER_SECONDS, or the
  broker's queues are empty. A worker that beats but takes nothing from a
  queue that holds messages (the frozen-Redis stall of issue 18) goes
  unhealthy instead of looking alive.

/healthz/system reports the rows (verification.views.system_health).
"""

import logging
import os
import secrets
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from .models import Heartbeat

logger = logging.getLogger(__name__)

# Rows of processes gone for this long are deleted (by beat).
FORGET_AFTER = timedelta(days=1)

_name = {"pid": None, "value": ""}


def process_name() -> str:
    """This process's name, made again after a fork."""
    if _name["pid"] != os.getpid():
        _name.update(pid=os.getpid(),
                     value=f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}")
    return _name["value"]


def record(name: str, kind: str, consuming=lambda: True):
    """Renew one heartbeat row; a database away is logged, not raised.

    The file is touched once the row is saved, and only if `consuming()`.
    """
    try:
        close_old_connections()  # a connection killed since the last beat is replaced
        Heartbeat.objects.update_or_create(name=name[:200], defaults={
            "kind": kind, "seen_at": timezone.now()})
    except Exception as error:  # the database away, or refused: the thread must live on
        logger.warning("Heartbeat not recorded: %s", error)
        return
    if (path := settings.HEARTBEAT_FILE) and consuming():
        Path(path).touch()


def messages_waiting() -> bool | None:
    """Whether the broker's queues hold messages (None: cannot tell, or not Redis).

    Asked of Redis with a 1 s timeout, after the database row is saved, so a
    frozen Redis never delays the heartbeat the sweeper relies on.
    """
    import redis

    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        return any(client.llen(queue) for queue in settings.CELERY_TASK_QUEUES)
    except redis.RedisError:
        return None  # Redis away: /healthz says so; the worker is not the one at fault
    finally:
        client.close()


class _Beating:
    """The thread that renews this process's worker heartbeat."""

    def __init__(self):
        self.stop = threading.Event()
        self.thread = None
        self.pid = None
        self.running = 0  # tasks under way in this process (several with --pool threads)
        self.last_task = time.monotonic()

    def task_started(self):
        self.running += 1

    def task_ended(self):
        self.running = max(0, self.running - 1)
        self.last_task = time.monotonic()

    def consuming(self) -> bool:
        """Running a task, or one ended lately, or nothing to take: not a stalled consumer."""
        if self.running or (time.monotonic() - self.last_task
                            < settings.CHALLENGE_REQUEUE_AFTER_SECONDS):
            return True
        return messages_waiting() is not True

    def start(self):
        if self.pid == os.getpid() and self.thread and self.thread.is_alive():
            return
        self.stop = threading.Event()
        self.pid = os.getpid()
        self.running, self.last_task = 0, time.monotonic()  # a new process starts afresh
        self.thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self.thread.start()

    def _run(self):
        name = process_name()
        while True:
            record(name, Heartbeat.Kind.WORKER, self.consuming)
            if self.stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
                break
        connection.close()  # this thread's own connection

    def end(self):
        """A process that stops cleanly is at once no longer counted alive."""
        if self.pid != os.getpid() or self.thread is None:
            return
        self.stop.set()
        self.thread.join(timeout=5)
        self.thread = None
        try:
            Heartbeat.objects.filter(name=process_name()).delete()
        except DatabaseError:
            pass  # it will just look dead after CHALLENGE_STUCK_SENDING_SECONDS


worker_heartbeat = _Beating()


def start_for_pool(pool):
    """Called when a worker is ready: prefork children beat on their own (worker_process_init)."""
    if "prefork" not in type(pool).__module__:
        worker_heartbeat.start()


class HeartbeatScheduler(PersistentScheduler):
    """Beat's scheduler, renewing beat's heartbeat from its loop."""

    _last_beat = None

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        now = timezone.now()
        if (self._last_beat is None
                or now - self._last_beat >= timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS)):
            self._last_beat = now
            record(f"beat@{socket.gethostname()}", Heartbeat.Kind.BEAT)
            try:
                Heartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
            except DatabaseError:
                pass
        return min(interval, settings.WORKER_HEARTBEAT_SECONDS)
