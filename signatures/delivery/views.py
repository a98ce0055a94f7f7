"""The public download of a petition's current delivery dossier."""

from django.http import FileResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from petition.models import published_or_404

from ..tasks import build_delivery_dossier
from .models import DeliveryDossier


@require_http_methods(["GET", "HEAD"])
def public_dossier(request, slug):
    """The dossier of every approved signatory, rebuilt at most once an hour: the first
    download after that hour queues a build, and gets the previous file meanwhile."""
    petition = published_or_404(slug)
    if DeliveryDossier.objects.due_for_the_public(petition):
        dossier = DeliveryDossier.objects.ask(petition)
        build_delivery_dossier.delay_on_commit(dossier.pk)
    current = DeliveryDossier.objects.current(petition)
    if current is None or not current.path.exists():
        response = render(request, "signatures/dossier_pending.html", {"petition": petition})
        patch_cache_control(response, no_store=True)
        return response
    response = FileResponse(current.path.open("rb"), content_type="application/pdf",
                            filename=f"{petition.slug}-dossier.pdf")
    patch_cache_control(response, public=True, max_age=300)
    return response
