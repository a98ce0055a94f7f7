"""What every Celery process does around its tasks: fresh database connections, heartbeats.

Connected from PetitionConfig.ready(), so in every process that runs tasks.

- Before and after each task, a database connection that errored or failed
  its health check (CONN_HEALTH_CHECKS) is dropped, and the next query opens
  a new one. Celery's own Django fixup keeps connections for
  CELERY_DB_REUSE_MAX tasks without looking at them: alone, one killed
  backend failed every later task of that process.
- Each process that runs tasks renews its heartbeat (petition/heartbeats.py),
  and notes when it runs tasks: its health-check file says "consuming".
"""

from celery import signals
from django.db import close_old_connections

from . import heartbeats


@signals.task_prerun.connect
@signals.task_postrun.connect
def replace_unusable_connections(task=None, **kwargs):
    # An eager task runs inside a request, maybe inside its transaction: leave that alone.
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()


@signals.task_prerun.connect
def note_a_task_started(task=None, **kwargs):
    if task is not None and not getattr(task.request, "is_eager", False):
        heartbeats.worker_heartbeat.task_started()


@signals.task_postrun.connect
def note_a_task_ended(task=None, **kwargs):
    if task is not None and not getattr(task.request, "is_eager", False):
        heartbeats.worker_heartbeat.task_ended()


@signals.worker_process_init.connect
def beat_in_each_child(**kwargs):
    heartbeats.worker_heartbeat.start()


@signals.worker_ready.connect
def beat_in_the_worker(sender, **kwargs):
    heartbeats.start_for_pool(sender.pool)


@signals.worker_process_shutdown.connect
@signals.worker_shutdown.connect
def stop_beating(**kwargs):
    heartbeats.worker_heartbeat.end()
