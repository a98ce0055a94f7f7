import json

from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder

from signatures.models import Signature, normalise_email


class Command(BaseCommand):
    help = "Subject access: print, as JSON, everything held about an email address."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        signatures = Signature.objects.filter(
            email_normalised=normalise_email(email)).select_related("petition", "party")
        report = {"email": email, "signatures": []}
        for signature in signatures:
            fields = {field.name: getattr(signature, field.attname)
                      for field in Signature._meta.concrete_fields}
            fields.update(petition=signature.petition.slug, party=signature.party.name,
                          public_title=signature.title)
            fields["decisions"] = list(signature.decisions.values(
                "transition", "from_state", "to_state", "reason__label", "note", "changes",
                "created_at"))
            fields["emails"] = list(signature.challenges.values(
                "kind", "state", "queued_at", "sent_at", "expires_at", "used_at"))
            report["signatures"].append(fields)
        self.stdout.write(json.dumps(report, cls=DjangoJSONEncoder, ensure_ascii=False,
                                     indent=2))
