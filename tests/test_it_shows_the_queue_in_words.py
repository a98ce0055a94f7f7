"""The review queue and a signature's page speak French, fit the screen and warn where they must."""

import re

from django.utils import timezone

from signatures.models import Signature

CHANGELIST = "/admin/signatures/signature/"


def confirmed(petition, party, **fields):
    values = dict(petition=petition, civility="F", first_name="Anne", last_name="Mots",
                  email="anne@gmail.com", mandate="mayor", locality="Lyon", departement="69",
                  party=party, consented_at=timezone.now())
    values.update(fields)
    signature = Signature.objects.create(**values)
    signature.confirm_email()
    return signature


def test_the_columns_and_states_are_translated(client, moderator, petition, parties,
                                              domain_rules):
    signature = confirmed(petition, parties["PS"])
    Signature.objects.filter(pk=signature.pk).update(email_delivery="sent")
    client.force_login(moderator)
    page = client.get(CHANGELIST).content.decode()
    assert "FULL NAME" not in page.upper().replace("NOM", "") and ">Nom<" in page
    assert re.search(r'class="field-delivery">envoyé<', page)
    # Filters are folded, but for the state the queue opens on.
    assert page.count("<details data-filter-title") > 5
    assert page.count('<details data-filter-title="état" open>') == 1
    assert page.count(" open>") == 1


def test_a_signatures_page_speaks_french_and_warns_of_a_refused_party(
        client, moderator, petition, parties, domain_rules):
    signature = confirmed(petition, parties["Autre"], party_detail="Front national")
    client.force_login(moderator)
    page = client.get(f"{CHANGELIST}{signature.pk}/change/").content.decode()
    assert "Pétition" in page and "Petition" not in page
    assert "confirm_email" not in page and "pending_email" not in page
    assert "e-mail confirmé (en attente de confirmation par e-mail → e-mail confirmé" in page
    assert "Domaine de l’adresse\u202f: gmail.com" in page
    assert "Fournie avec la première version." in page and "Seeded" not in page
    # The refused-party line: a warning, not the green tick of a yes/no field.
    field = page.split("field-refused_party")[1].split("</div>\n</div>")[0]
    assert "⚠" in field and "icon-yes" not in field


def test_french_plurals_agree(client, moderator, petition, parties):
    signatures = [confirmed(petition, parties["PS"], email=f"a{n}@mairie-lyon.fr",
                            last_name=f"Pluriel{n}") for n in range(4)]
    client.force_login(moderator)
    page = client.post(CHANGELIST, {"action": "approve",
                                    "_selected_action": [s.pk for s in signatures]},
                       follow=True).content.decode()
    assert "4 signatures approuvées." in page
