import os

from celery import Celery, signals

from .checks import refuse_to_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "petition.settings")

app = Celery("petition", task_cls="petition.tasks:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# A worker or beat stops on a configuration error (petition/checks.py). Connected
# after Celery's Django fixup, whose worker_init receiver sets Django up first.
@signals.worker_init.connect
def worker_refuses_a_bad_configuration(sender=None, **kwargs):
    refuse_to_start("The Celery worker")


@signals.beat_init.connect
def beat_refuses_a_bad_configuration(sender=None, **kwargs):
    refuse_to_start("Celery beat")
