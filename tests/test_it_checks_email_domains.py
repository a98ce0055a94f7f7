"""The email's domain: can it receive mail (real DNS on loopback), and what kind is it."""

import time

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from signatures.models import Signature
from verification.domains import classify as domains
from verification.domains import mx
from verification.models import DomainRule

from .ports import free_port

SIGN = "/en/p/vsa-jo-2024/sign/"
CHANGELIST = "/en/admin/signatures/signature/"


def sign(client, signature_data, email, **fields):
    return client.post(SIGN, {**signature_data, "email": email, **fields})


# --- can the domain receive mail? -----------------------------------------------------

@pytest.mark.parametrize("domain, outcome", [
    ("with-mx.test", "ok"),
    ("a-only.test", "ok"),           # no MX: RFC 5321 falls back to the address
    ("aaaa-only.test", "ok"),
    ("null-mx.test", "no_mail"),     # "MX 0 ." (RFC 7505)
    ("no-address.test", "no_mail"),  # exists, but neither MX nor A/AAAA
    ("no-such-domain.test", "no_mail"),  # NXDOMAIN
    ("servfail.test", "unchecked"),  # our resolver's trouble, not the signer's
    ("denied.test", "unchecked"),    # NXDOMAIN without its SOA: a resolver denying all
])
def test_dns_says_whether_a_domain_receives_mail(dns_server, domain, outcome):
    assert mx.check_mail_domain(domain) == outcome
    assert dns_server.queries_for(domain) >= 1  # the loopback server was asked


def test_a_server_that_never_answers_gives_unchecked_within_two_seconds(dns_server):
    started = time.monotonic()
    outcome = mx.check_mail_domain("silent.test")
    elapsed = time.monotonic() - started

    assert outcome == "unchecked"
    assert dns_server.queries_for("silent.test") >= 1
    assert elapsed < 3, f"the 2 s bound did not hold: {elapsed:.1f} s"


def test_an_unreachable_resolver_gives_unchecked_and_never_blocks(settings):
    # What `make run` meets without a network: nothing listens on that port.
    settings.DNS_NAMESERVERS = [f"127.0.0.1:{free_port()}"]
    started = time.monotonic()
    assert mx.check_mail_domain("mairie-exemple.fr") == "unchecked"
    assert time.monotonic() - started < 3


def test_answers_are_cached_so_the_second_lookup_asks_no_one(dns_server):
    def asked():
        return dns_server.queries_for("with-mx.test"), dns_server.queries_for("a-only.test")

    before = asked()
    assert mx.check_mail_domain("with-mx.test") == "ok"
    assert mx.check_mail_domain("a-only.test") == "ok"
    first = asked()
    assert mx.check_mail_domain("with-mx.test") == "ok"
    assert mx.check_mail_domain("a-only.test") == "ok"

    # MX; then MX and A for the fallback. Nothing more the second time.
    assert (first[0] - before[0], first[1] - before[1]) == (1, 2)
    assert asked() == first


@pytest.mark.parametrize("text, address, port", [
    ("9.9.9.9", "9.9.9.9", 53),
    ("127.0.0.1:5353", "127.0.0.1", 5353),
    ("[::1]:5353", "::1", 5353),
    ("2001:db8::53", "2001:db8::53", 53),
])
def test_nameservers_are_read_with_or_without_a_port(text, address, port):
    server = mx.nameserver(text)
    assert (server.address, server.port) == (address, port)


# --- the signing form -----------------------------------------------------------------

@pytest.mark.parametrize("domain", ["no-such-domain.test", "null-mx.test"])
def test_the_form_refuses_an_address_whose_domain_cannot_receive_mail(
        client, petition, signature_data, dns_server, domain):
    response = sign(client, signature_data, f"m.dupont@{domain}")

    assert response.status_code == 200
    errors = response.context["form"].errors["email"]
    assert errors == [f"This address's domain ({domain}) cannot receive email. Please check "
                      "the address for a typo, or use another one."]
    assert f"This address&#x27;s domain ({domain}) cannot receive email" in (
        response.content.decode())
    assert not Signature.objects.exists()


def test_a_domain_that_receives_mail_is_recorded_ok(client, petition, signature_data, domain_rules):
    response = sign(client, signature_data, "m.dupont@with-mx.test")

    assert response.status_code == 302
    assert Signature.objects.get().email_domain_check == "ok"


def test_dns_trouble_never_blocks_a_signer_and_beat_checks_again(
        client, petition, signature_data, dns_server, domain_rules):
    dns_server.behave("flaky.test", "silent")
    dns_server.behave("dying.test", "servfail")
    started = time.monotonic()
    assert sign(client, signature_data, "a@flaky.test").status_code == 302
    # The signing path asked once (the form); the record reused the answer.
    assert time.monotonic() - started < 3
    assert sign(client, signature_data, "b@dying.test",
                last_name="Autre").status_code == 302
    flaky, dying = (Signature.objects.get(email_domain="flaky.test"),
                    Signature.objects.get(email_domain="dying.test"))
    assert (flaky.email_domain_check, dying.email_domain_check) == ("unchecked", "unchecked")

    # DNS answers again: one domain is fine, the other turns out dead.
    dns_server.behave("flaky.test", "mx")
    dns_server.behave("dying.test", "nxdomain")
    outcomes = domains.recheck_unchecked()

    assert outcomes == {"ok": 1, "no_mail": 1, "unchecked": 0}
    flaky.refresh_from_db()
    dying.refresh_from_db()
    assert flaky.email_domain_check == "ok"
    # Flagged for the moderator, never deleted nor moved.
    assert dying.email_domain_check == "no_mail"
    assert dying.state == "pending_email"


def test_the_recheck_gives_up_while_our_resolver_is_still_down(petition, parties, dns_server):
    for n in range(8):
        dns_server.behave(f"down{n}.test", "servfail")
        Signature.objects.create(
            petition=petition, civility="F", first_name="Anne", last_name=f"Down{n}",
            email=f"a@down{n}.test", mandate="mayor", locality="Lyon", departement="69",
            party=parties["PS"], consented_at=timezone.now(),
            email_domain_check="unchecked")

    outcomes = domains.recheck_unchecked()

    assert outcomes["unchecked"] == domains.GIVE_UP_AFTER  # not all 8: it stopped
    assert Signature.objects.filter(email_domain_check="unchecked").count() == 8


def test_beat_runs_the_recheck():
    from django.conf import settings

    from petition.celery import app
    from verification import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["recheck-unchecked-email-domains"]
    assert entry["task"] == tasks.recheck_unchecked_email_domains.name
    assert entry["task"] in app.tasks


# --- domain kind, by rules ------------------------------------------------------------

@pytest.mark.parametrize("domain, kind", [
    ("assemblee-nationale.fr", "official"),
    ("senat.fr", "official"),
    ("europarl.europa.eu", "official"),
    ("interieur.gouv.fr", "official"),
    ("dgfip.finances.gouv.fr", "official"),
    ("iledefrance.fr", "official"),
    ("auvergnerhonealpes.fr", "official"),
    ("gironde.fr", "official"),
    ("gmail.com", "webmail"),
    ("orange.fr", "webmail"),
    ("wanadoo.fr", "webmail"),
    ("hotmail.fr", "webmail"),
    ("outlook.com", "webmail"),
    ("live.fr", "webmail"),
    ("yahoo.fr", "webmail"),
    ("icloud.com", "webmail"),
    ("proton.me", "webmail"),
    ("protonmail.com", "webmail"),
    ("clb-an.fr", "not_mandate"),
    ("mairie-exemple.fr", "unknown"),
    ("gouv.fr", "unknown"),            # *.gouv.fr is its subdomains
    ("fake-senat.fr", "unknown"),      # a pattern is a whole label, not a suffix of one
])
def test_the_seeded_rules_classify_domains(domain_rules, domain, kind):
    assert domains.domain_kind(domain) == kind


def test_the_most_specific_rule_wins_and_saving_a_rule_reclassifies(petition, parties,
                                                                     domain_rules):
    signature = Signature.objects.create(
        petition=petition, civility="F", first_name="Anne", last_name="Agglo",
        email="anne@perso.agglo.test", mandate="mayor", locality="Lyon", departement="69",
        party=parties["PS"], consented_at=timezone.now(), email_domain_kind="unknown")

    DomainRule.objects.create(pattern="*.agglo.test", kind="official")
    signature.refresh_from_db()
    assert signature.email_domain_kind == "official"

    rule = DomainRule.objects.create(pattern="Perso.Agglo.TEST.", kind="webmail")
    assert rule.pattern == "perso.agglo.test"
    assert domains.domain_kind("mairie.agglo.test") == "official"
    signature.refresh_from_db()
    assert signature.email_domain_kind == "webmail"

    rule.delete()
    signature.refresh_from_db()
    assert signature.email_domain_kind == "official"


def test_a_webmail_signer_is_allowed_and_flagged_for_the_moderator(
        client, petition, signature_data, domain_rules, moderator):
    assert sign(client, signature_data, "claire.martin@orange.fr").status_code == 302
    signature = Signature.objects.get()
    assert signature.email_domain_kind == "webmail"

    Signature.objects.filter(pk=signature.pk).update(state="email_confirmed")
    client.force_login(moderator)
    page = client.get(CHANGELIST).content.decode()
    assert "claire.martin@orange.fr <strong>[webmail]</strong>" in page


def test_the_admin_shows_and_filters_the_mx_outcome(client, petition, parties, moderator):
    for n, check in enumerate(["ok", "no_mail", "unchecked"]):
        Signature.objects.create(
            petition=petition, civility="F", first_name="Anne", last_name=f"Check{n}",
            email=f"anne{n}@mairie-lyon.fr", mandate="mayor", locality="Lyon",
            departement="69", party=parties["PS"], consented_at=timezone.now(),
            email_domain_check=check, state="email_confirmed")
    client.force_login(moderator)

    page = client.get(CHANGELIST).content.decode()
    assert "⚠ cannot receive email" in page and "unchecked (DNS did not answer)" in page

    dead = client.get(CHANGELIST, {"email_domain_check__exact": "no_mail"}).content.decode()
    assert "Check1" in dead and "Check0" not in dead and "Check2" not in dead

    change = client.get(f"{CHANGELIST}{Signature.objects.get(last_name='Check1').pk}/change/")
    assert "⚠ cannot receive email" in change.content.decode()


# --- the commune's own domain ---------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("Saint-Étienne-de-Tinée", "saint-etienne-de-tinee"),
    ("L'Haÿ-les-Roses", "l-hay-les-roses"),
    ("Cœuvres-et-Valsery", "coeuvres-et-valsery"),
    ("Le Puy-en-Velay", "le-puy-en-velay"),
    ("Lyon (69)", "lyon"),
])
def test_commune_domains_are_derived_from_the_name(name, expected):
    assert domains.commune_domains(name) == [
        f"mairie-{expected}.fr", f"ville-{expected}.fr", f"{expected}.fr"]


def test_a_moderator_confirms_a_commune_domain_in_one_click(
        client, petition, signature_data, domain_rules, moderator):
    sign(client, signature_data, "claire.martin@mairie-saint-etienne-de-tinee.fr",
         mandate="mayor", locality="Saint-Étienne-de-Tinée", departement="06")
    signature = Signature.objects.get()
    assert signature.email_domain_kind == "unknown"
    client.force_login(moderator)
    change_url = f"{CHANGELIST}{signature.pk}/change/"

    page = client.get(change_url).content.decode()
    assert "matches the commune&#x27;s own domain (derived)" in page
    assert "Confirm as the commune's own domain" in page

    confirm_url = f"/en/admin/verification/domainrule/confirm-commune-domain/{signature.pk}/"
    assert client.get(confirm_url).status_code == 405  # a link never changes anything
    response = client.post(confirm_url)
    assert response.status_code == 302 and response["Location"].endswith(
        f"/signatures/signature/{signature.pk}/change/")

    rule = DomainRule.objects.get(pattern="mairie-saint-etienne-de-tinee.fr")
    assert (rule.kind, rule.created_by) == ("official", moderator)
    assert rule.commune_code == signature.locality_code == "06120"  # the INSEE code
    signature.refresh_from_db()
    assert signature.email_domain_kind == "official"
    page = client.get(change_url).content.decode()
    assert "confirmed commune domain" in page
    assert "Confirm as the commune's own domain" not in page

    client.post(confirm_url)  # a second click changes nothing
    assert DomainRule.objects.filter(pattern__contains="tinee").count() == 1


def test_only_moderators_confirm_commune_domains(client, petition, signature_data, domain_rules):
    sign(client, signature_data, "j@ville-lyon.fr", mandate="mayor", locality="Lyon",
         departement="69")
    signature = Signature.objects.get()
    staff = User.objects.create_user("staff@campagne.fr", password="pw-long-enough-2",
                                     is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_signature"))
    client.force_login(staff)

    page = client.get(f"{CHANGELIST}{signature.pk}/change/").content.decode()
    assert "matches the commune&#x27;s own domain (derived)" in page
    assert "Confirm as the commune's own domain" not in page
    response = client.post(
        f"/en/admin/verification/domainrule/confirm-commune-domain/{signature.pk}/")
    assert response.status_code == 403
    assert not DomainRule.objects.filter(pattern="ville-lyon.fr").exists()


def test_moderators_keep_the_rules_in_the_admin(client, moderator, domain_rules):
    client.force_login(moderator)
    add = "/en/admin/verification/domainrule/add/"
    response = client.post(add, {"pattern": " Mairie-Vesoul.FR. ", "kind": "official",
                                 "commune_code": "70550", "note": "Checked on the town site."})
    assert response.status_code == 302
    rule = DomainRule.objects.get(pattern="mairie-vesoul.fr")
    assert rule.created_by == moderator

    again = client.post(add, {"pattern": "MAIRIE-VESOUL.fr", "kind": "webmail"})
    assert again.status_code == 200
    assert "already exists" in again.content.decode()
    hostile = client.post(add, {"pattern": "<script>.fr", "kind": "official"})
    assert "Write a domain (senat.fr) or a family of subdomains (*.gouv.fr)." in (
        hostile.content.decode())
    assert DomainRule.objects.filter(pattern__contains="vesoul").count() == 1


def test_a_domain_confirmed_for_another_commune_is_pointed_out(
        client, petition, parties, domain_rules, moderator):
    DomainRule.objects.create(pattern="mairie-lyon.fr", kind="official", commune_code="69123")
    signature = Signature.objects.create(
        petition=petition, civility="F", first_name="Anne", last_name="Ailleurs",
        email="anne@mairie-lyon.fr", mandate="mayor", locality="Saint-Étienne-de-Tinée",
        locality_code="06120", departement="06", party=parties["PS"],
        consented_at=timezone.now())
    client.force_login(moderator)

    page = client.get(f"{CHANGELIST}{signature.pk}/change/").content.decode()
    assert "confirmed domain of another commune (INSEE 69123)" in page
    assert "Confirm as the commune's own domain" not in page


def test_a_fresh_answer_reaches_the_next_signer_at_once(dns_server, client, petition,
                                                        signature_data):
    # Each process keeps the answers it read; asking DNS afresh (beat's recheck) replaces
    # this process's copy too.
    sign = "/p/vsa-jo-2024/sign/"
    assert client.post(sign, {**signature_data, "email": "a@bientot-muet.fr"}).status_code == 302
    dns_server.behave("bientot-muet.fr", "null_mx")
    assert mx.check_mail_domain("bientot-muet.fr", fresh=True) == "no_mail"
    refused = client.post(sign, {**signature_data, "email": "b@bientot-muet.fr"},
                          REMOTE_ADDR="10.0.0.2")
    assert "email" in refused.context["form"].errors
