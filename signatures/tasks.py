from celery import shared_task

from petition.models import Petition

from . import figures
from .delivery.models import DeliveryDossier
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


@shared_task(acks_late=True)
def build_delivery_dossier(dossier_id):
    """Thin: the build, its progress and its file are DeliveryDossier.build's."""
    dossier = DeliveryDossier.objects.select_related("petition").filter(pk=dossier_id).first()
    return bool(dossier and dossier.build())
