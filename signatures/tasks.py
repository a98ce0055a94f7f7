from celery import shared_task

from .models import Signature


@shared_task
def expire_unconfirmed_signatures():
    return Signature.objects.expire_unconfirmed()


@shared_task
def purge_personal_data():
    return Signature.objects.purge_personal_data()
