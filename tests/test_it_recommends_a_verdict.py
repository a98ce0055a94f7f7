"""The recommended verdict: one rule, its reasons, and "approve all recommended"."""

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from signatures.folding import fold
from signatures.models import ModerationDecision, Signature
from verification.desk.evidence import gather
from verification.desk.verdict import APPROVE, LOOK, REJECT, recommend

DESK = "/admin/desk/"


def build(petition, party, n, **fields):
    """A confirmed signature, as the signing path and the checks would have left it."""
    email = fields.pop("email", f"elu{n}@mairie-lyon.fr")
    values = dict(petition=petition, civility="F", first_name="Anne", last_name=f"Bulk{n}",
                  email=email, email_normalised=email, email_domain=email.rpartition("@")[2],
                  mandate="mayor", locality="Lyon", departement="69", party=party,
                  consented_at=timezone.now(), state="email_confirmed",
                  email_confirmed_at=timezone.now() - timezone.timedelta(minutes=2000 - n),
                  email_domain_kind="official", email_domain_check="ok", register_match="exact",
                  register_match_note="Registre : ANNE Bulk – maire – Lyon.")
    values.update(fields)
    signature = Signature(**values)
    signature.name_key = fold(f"{signature.last_name} {signature.first_name}")
    signature.search_key = fold(f"{signature.first_name} {signature.last_name} Lyon")
    return signature


def verdict_of(signature):
    signature.save()
    return recommend(gather([Signature.objects.select_related("party").get(pk=signature.pk)])[0])


@pytest.mark.parametrize(("fields", "expected", "reason"), [
    ({}, APPROVE, "inscrit·e au répertoire"),
    ({"register_match": "probable"}, APPROVE, "probablement inscrit·e"),
    ({"register_match": "probable", "email_domain_kind": "webmail",
      "email": "anne@gmail.com"}, LOOK, "seulement probablement"),
    ({"register_match": "none", "email_domain_kind": "webmail", "email": "anne@gmail.com"},
     LOOK, "webmail et absent·e du répertoire"),
    ({"register_match": "none"}, LOOK, "absent·e du répertoire"),
    ({"register_match": ""}, LOOK, "pas encore comparé·e"),
    ({"email_domain_check": "no_mail"}, LOOK, "ne peut pas recevoir"),
    ({"email_domain_kind": "not_mandate"}, LOOK, "n’est pas celle d’un mandat"),
    ({"register_nuance_flag": True, "register_nuance": "LEXD"}, LOOK, "nuance d’extrême droite"),
])
def test_the_rule_gives_a_verdict_and_its_reasons(petition, parties, fields, expected, reason):
    recommendation = verdict_of(build(petition, parties["PS"], 1, **fields))
    assert recommendation.verdict == expected
    assert any(reason in str(text) for text in recommendation.reasons), recommendation.reasons


def test_a_refused_party_is_recommended_for_rejection(petition, parties):
    recommendation = verdict_of(build(petition, parties["RN"], 1, refused_party_flag=True))
    assert (recommendation.verdict, recommendation.reject_reason_code) == (REJECT, "far-right")


def test_a_free_text_alias_asks_for_a_closer_look(petition, parties):
    recommendation = verdict_of(build(petition, parties["Autre"], 1, party_detail="Front national",
                                      refused_party_flag=True))
    assert recommendation.verdict == LOOK
    assert "Rassemblement national" in str(recommendation.reasons[0])


def test_a_possible_duplicate_asks_for_a_closer_look(petition, parties):
    build(petition, parties["PS"], 1).save()
    twin = build(petition, parties["PS"], 2, last_name="Bulk1", email="autre@mairie-lyon.fr")
    assert verdict_of(twin).verdict == LOOK


def test_the_desk_explains_the_rule(client, moderator, petition, parties):
    build(petition, parties["PS"], 1).save()
    client.force_login(moderator)
    page = client.get(DESK).content.decode()
    assert "Comment la recommandation est établie" in page
    assert "approuver" in page and "inscrit·e au répertoire" in page


def test_approve_all_recommended_approves_exactly_those_in_bounded_queries(
        client, moderator, petition, parties):
    signatures = [build(petition, parties["PS"], n,
                        **({} if n % 10 < 7 else {"register_match": "none"}))
                  for n in range(1000)]
    Signature.objects.bulk_create(signatures, batch_size=500)
    recommended = set(Signature.objects.filter(register_match="exact").values_list("pk", flat=True))
    assert len(recommended) == 700
    client.force_login(moderator)
    preview = client.get(f"{DESK}recommended/")
    assert preview.context["count"] == 700
    html = preview.content.decode()
    assert "Approuver les 700 signatures recommandées" in html
    assert "Anne Bulk0" in html and "Anne Bulk7," not in html  # who is included, who is not

    with CaptureQueriesContext(connection) as queries:
        done = client.post(f"{DESK}recommended/", {"ids": preview.context["ids"], "filter": ""})
    assert done.status_code == 302
    assert len(queries) <= 30, len(queries)  # whatever the number of signatures

    assert set(Signature.objects.filter(state="approved").values_list("pk", flat=True)) == (
        recommended)
    trail = ModerationDecision.objects.filter(transition="approve", actor=moderator)
    assert trail.count() == 700
    assert set(trail.values_list("signature_id", flat=True)) == recommended
    assert LogEntry.objects.filter(user=moderator).count() == 700
    assert "700 signatures approuvées" in client.get(DESK).content.decode()


def test_approve_all_leaves_alone_what_changed_since_the_preview(
        client, moderator, petition, parties):
    Signature.objects.bulk_create([build(petition, parties["PS"], n) for n in range(3)])
    client.force_login(moderator)
    preview = client.get(f"{DESK}recommended/")
    changed = Signature.objects.order_by("pk").first()
    Signature.objects.filter(pk=changed.pk).update(register_match="none")
    client.post(f"{DESK}recommended/", {"ids": preview.context["ids"], "filter": ""})
    changed.refresh_from_db()
    assert changed.state == "email_confirmed"
    assert Signature.objects.filter(state="approved").count() == 2


def test_approve_all_follows_the_desks_filter(client, moderator, petition, parties):
    Signature.objects.bulk_create([build(petition, parties["PS"], 1, departement="69"),
                                   build(petition, parties["PS"], 2, departement="29")])
    client.force_login(moderator)
    preview = client.get(f"{DESK}recommended/?departement=29")
    assert preview.context["count"] == 1
    client.post(f"{DESK}recommended/", {"ids": preview.context["ids"],
                                        "filter": "departement=29"})
    assert list(Signature.objects.filter(state="approved").values_list("departement",
                                                                       flat=True)) == ["29"]
