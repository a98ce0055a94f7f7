import os

from celery import Celery, signals

from .checks import refuse_to_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "petition.settings")

app = Celery("petition", task_cls="petition.tasks:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# A worker or beat started by the `celery` command stops on a configuration error
# (petition/checks.py); Celery's Django fixup has set Django up by then.
# celeryd_init, not worker_init: the in-process worker of the test suite
# (celery.contrib.testing) runs under pytest's settings and sends only worker_init.
@signals.celeryd_init.connect
def worker_refuses_a_bad_configuration(sender=None, **kwargs):
    refuse_to_start("The Celery worker")


@signals.beat_init.connect
def beat_refuses_a_bad_configuration(sender=None, **kwargs):
    refuse_to_start("Celery beat")


@signals.celeryd_init.connect
@signals.beat_init.connect
def off_the_request_path(**kwargs):
    """Workers and beat may wait for a slow broker longer than a web request may.

    The settings' broker timeouts are the web's (≤ 200 ms, a publish from a
    request). Here no signer waits: a blip of Redis must not count as an
    outage that drops the consumer's connection.
    """
    from django.conf import settings

    seconds = settings.WORKER_BROKER_TIMEOUT
    app.conf.broker_connection_timeout = seconds
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "socket_connect_timeout": seconds, "socket_timeout": seconds}
