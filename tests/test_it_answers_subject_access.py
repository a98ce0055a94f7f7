import json
from io import StringIO

from django.core.management import call_command

from signatures.forms import CONSENT_VERSION
from signatures.models import Signature


def test_everything_held_about_an_address_is_exported_as_json(client, petition,
                                                              signature_data):
    client.post("/p/vsa-jo-2024/sign/", signature_data)
    out = StringIO()
    call_command("export_personal_data", "M.Dupont@Mairie-Exemple.fr", stdout=out)
    report = json.loads(out.getvalue())
    [signature] = report["signatures"]
    assert signature["last_name"] == "Dupont-Moreau"
    assert signature["email"] == "m.dupont@mairie-exemple.fr"
    assert signature["consent_version"] == CONSENT_VERSION
    assert signature["emails"][0]["kind"] == "confirm"
    assert Signature.objects.get().consent_version == CONSENT_VERSION
    out = StringIO()
    call_command("export_personal_data", "nobody@example.org", stdout=out)
    assert json.loads(out.getvalue())["signatures"] == []
