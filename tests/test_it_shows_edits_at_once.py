"""Each web process keeps the petition, the offered parties and the domains' kinds
(petition.web.pagecache.VersionedMemo): a moderator's edit still shows at once."""

import time
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from petition.models import Petition
from petition.web import pagecache
from signatures.models import Signature
from verification.domains.models import DomainRule

SIGN = "/p/vsa-jo-2024/sign/"


def test_a_petition_a_moderator_closes_refuses_signatures_at_once(client, petition,
                                                                signature_data):
    assert client.get(SIGN).status_code == 200  # the process now keeps the petition
    petition.closes_at = timezone.now() - timedelta(minutes=1)
    petition.save()
    response = client.post(SIGN, signature_data)
    assert response.status_code == 403
    assert Signature.objects.count() == 0


def test_a_title_edited_in_another_process_shows_within_a_second(client, petition):
    assert "Nouveau titre" not in client.get(SIGN).content.decode()
    # Another process saves the petition: the row changes, and its commit bumps the
    # version in the shared cache; this process has not been told.
    Petition.objects.filter(pk=petition.pk).update(display_title_fr="Nouveau titre")
    cache.set(pagecache.VERSION_KEY, pagecache.current_version() + 1, None)
    time.sleep(pagecache.VERSION_SECONDS + 0.1)
    assert "Nouveau titre" in client.get(SIGN).content.decode()


def test_a_party_taken_off_the_form_is_refused_at_once(client, petition, signature_data,
                                                        parties):
    assert client.get(SIGN).status_code == 200
    party = parties["PS"]
    party.is_active = False
    party.save()
    response = client.post(SIGN, signature_data)
    assert response.status_code == 200
    assert "party" in response.context["form"].errors
    assert Signature.objects.count() == 0


def test_a_new_domain_rule_classifies_the_next_signature_at_once(client, petition,
                                                                 signature_data):
    first = client.post(SIGN, {**signature_data, "email": "un@regle-nouvelle.fr"})
    assert first.status_code == 302
    assert Signature.objects.get().email_domain_kind == "unknown"
    DomainRule.objects.create(pattern="regle-nouvelle.fr", kind="webmail")
    client.post(SIGN, {**signature_data, "email": "deux@regle-nouvelle.fr"},
                REMOTE_ADDR="10.0.0.2")
    assert Signature.objects.get(email="deux@regle-nouvelle.fr").email_domain_kind == "webmail"
