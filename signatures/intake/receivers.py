from django.db import transaction
from django.dispatch import receiver

from signatures.signals import personal_data_erased

from .models import Evidence


@receiver(personal_data_erased)
def erase_the_evidence(sender, signatures, addresses_only, **kwargs):
    """The evidence names the signer as much as the signature does: it goes with it."""
    evidence = Evidence.objects.filter(signature__in=signatures)
    if addresses_only:
        evidence.update(sender="")
        return
    files = list(evidence.exclude(file="").values_list("file", flat=True))
    evidence.update(sender="", message_id="", note="", file="", file_type="")
    storage = Evidence._meta.get_field("file").storage

    def delete_files():
        for name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)  # once the rows no longer point at them
