"""Celery processes say they are alive: one row each in Heartbeat, renewed every few seconds.

- Each process that runs tasks (a prefork child, or the worker itself with the
  solo and threads pools) has a name, host:pid:nonce (the nonce tells a new
  process from an old one that had the same pid, as in a restarted
  container). Its claims on outbox rows carry that name, and a thread renews
  its row every WORKER_HEARTBEAT_SECONDS. So the sweeper can tell a dead
  claim (its process has been silent) from a slow send (it has not).
- Beat renews its own row from its scheduler loop: a stuck loop stops it.
- With HEARTBEAT_FILE set, each renewal also touches that file, so that the
  container's health check is a file's age, without a database client.

/healthz/system reports the rows (verification.views.system_health).
"""

import logging
import os
import secrets
import socket
import threading
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


def record(name: str, kind: str):
    """Renew one heartbeat row; a database away is logged, not raised."""
    try:
        close_old_connections()  # a connection killed since the last beat is replaced
        Heartbeat.objects.update_or_create(name=name[:200], defaults={
            "kind": kind, "seen_at": timezone.now()})
    except Exception as error:  # the database away, or refused: the thread must live on
        logger.warning("Heartbeat not recorded: %s", error)
        return
    if path := settings.HEARTBEAT_FILE:
        Path(path).touch()


class _Beating:
    """The thread that renews this process's worker heartbeat."""

    def __init__(self):
        self.stop = threading.Event()
        self.thread = None
        self.pid = None

    def start(self):
        if self.pid == os.getpid() and self.thread and self.thread.is_alive():
            return
        self.stop = threading.Event()
        self.pid = os.getpid()
        self.thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self.thread.start()

    def _run(self):
        name = process_name()
        while True:
            record(name, Heartbeat.Kind.WORKER)
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
