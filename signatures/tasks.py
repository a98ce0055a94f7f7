from celery import shared_task

from petition.models import Petition

from . import figures
from .models import Signature
from .submitted import forget_expired_sessions


@shared_task
def expire_unconfirmed_signatures():
    return Signature.objects.expire_unconfirmed()


@shared_task
def purge_personal_data():
    Signature.objects.forget_ip_hashes()
    forget_expired_sessions()
    return Signature.objects.purge_personal_data()


@shared_task
def repair_public_figures():
    """Recount the public figures of every published petition (nightly)."""
    return figures.repair(Petition.objects.published().values_list("pk", flat=True))
