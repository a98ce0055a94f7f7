import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "petition.settings")

app = Celery("petition", task_cls="petition.tasks:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
