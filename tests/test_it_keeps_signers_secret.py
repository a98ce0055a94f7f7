"""Nobody learns who signed: not from the cookie, not from the list's cursors, not from the
staff site without the moderators' permission; a session ends when its owner logs out."""

import base64
import json
import re
import zlib

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from signatures.models import Signature
from verification.models import EmailChallenge

SIGN = "/p/vsa-jo-2024/sign/"
LIST = "/p/vsa-jo-2024/signatories/"


@pytest.fixture
def no_limits(settings):
    settings.RATE_LIMITS = {scope: (0, 3600) for scope in settings.RATE_LIMITS}


def readable_by_the_client(response) -> str:
    """Everything the browser gets, with each cookie decoded as an attacker would
    (a signed Django value is base64 JSON, optionally zlib-compressed, before its signature)."""
    seen = [response.content.decode(errors="replace"), json.dumps(dict(response.items()))]
    for morsel in response.cookies.values():
        seen.append(morsel.value)
        payload = morsel.value.split(":", 1)[0]
        compressed = payload.startswith(".")
        try:
            raw = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload) % 4))
            seen.append((zlib.decompress(raw) if compressed else raw).decode(errors="replace"))
        except (ValueError, zlib.error):
            pass
    return "\n".join(seen)


def test_signing_with_an_address_that_has_signed_looks_like_signing_anew(
        petition, signature_data, no_limits):
    first = Client().post(SIGN, signature_data)
    signature = Signature.objects.get()
    again = Client().post(SIGN, signature_data)  # someone else, with the same address
    fresh = Client().post(SIGN, {**signature_data, "email": "autre@mairie-exemple.fr"})
    for response in (first, again, fresh):
        seen = readable_by_the_client(response)
        assert "submitted_signature" not in seen and "submitted_email" not in seen
        assert "mairie-exemple.fr" not in seen
    # The same status, the same redirect, the same cookies, of the same shape.
    assert again.status_code == fresh.status_code == 302
    assert again["Location"] == fresh["Location"]
    assert sorted(again.cookies) == sorted(fresh.cookies)
    for name in again.cookies:
        assert len(again.cookies[name].value) == len(fresh.cookies[name].value)
        assert re.fullmatch(r"[a-z0-9]+", again.cookies[name].value)
    assert Signature.objects.count() == 2 and signature.pk in Signature.objects.values_list(
        "pk", flat=True)


def test_check_your_inbox_still_knows_what_this_visitor_sent(
        client, petition, signature_data, no_limits):
    client.post(SIGN, signature_data)
    page = client.get("/p/vsa-jo-2024/check-inbox/").content.decode()
    assert "m.…@mairie-exemple.fr" in page or "m.&hellip;@mairie-exemple.fr" in page
    # The email bounces: the page says so to this visitor...
    EmailChallenge.objects.update(state=EmailChallenge.State.BOUNCED)
    assert "did not accept our email" in client.get(
        "/en/p/vsa-jo-2024/check-inbox/").content.decode()
    # ...but someone who submits that address again is not told about the earlier email.
    other = Client()
    other.post(SIGN, signature_data)
    assert "did not accept our email" not in other.get(
        "/en/p/vsa-jo-2024/check-inbox/").content.decode()


def approve(signatures):
    ids = [s.pk for s in signatures]
    Signature.objects.filter(pk__in=ids).move("confirm_email")
    Signature.objects.filter(pk__in=ids).move("approve")


def test_the_list_cursor_is_not_a_signature_id(client, petition, parties, settings):
    people = [Signature.objects.create(
        petition=petition, civility="F", first_name="Anne", last_name=f"Nom{n:03d}",
        email=f"n{n}@mairie.fr", mandate="mayor", locality="Lyon", departement="69",
        party=parties["PS"], consented_at=timezone.now()) for n in range(60)]
    approve(people)
    for sort in ("date", "name"):
        page = client.get(LIST, {"sort": sort})
        cursor = re.search(r'after=([^&"]+)', page.content.decode()).group(1)
        assert cursor not in {str(s.pk) for s in people}
        # The next page follows on, without repeating a row.
        # (The page's rows do not even read the primary key.)
        first_rows = {s.public_id for s in page.context["signatures"]}
        second = client.get(LIST, {"sort": sort, "after": cursor})
        assert len(first_rows) == 50 and len(second.context["signatures"]) == 10
        assert not first_rows & {s.public_id for s in second.context["signatures"]}
    # A signature's id does not find its row.
    target = people[30]
    rows = client.get(LIST, {"after": str(target.pk)}).context["signatures"]
    assert len(rows) == 50  # the first page, as for any cursor that leads nowhere


# --- sessions -----------------------------------------------------------------


def test_a_copied_staff_cookie_dies_at_logout(petition, moderator):
    browser = Client()
    browser.post("/en/admin/login/?next=/en/admin/",
                 {"username": "mod@campagne.fr", "password": "a-long-password-1"})
    assert browser.get("/admin/").status_code == 200
    thief = Client()
    thief.cookies["sessionid"] = browser.cookies["sessionid"].value
    assert thief.get("/admin/").status_code == 200
    browser.post("/admin/logout/")
    assert thief.get("/admin/").status_code == 302


def test_a_password_change_ends_the_other_sessions(petition, moderator):
    browser, elsewhere = Client(), Client()
    for each in (browser, elsewhere):
        each.post("/en/admin/login/?next=/en/admin/",
                  {"username": "mod@campagne.fr", "password": "a-long-password-1"})
        assert each.get("/admin/").status_code == 200
    response = browser.post("/admin/password_change/", {
        "old_password": "a-long-password-1", "new_password1": "another-long-pass-77",
        "new_password2": "another-long-pass-77"})
    assert response.status_code == 302
    assert browser.get("/admin/").status_code == 200
    assert elsewhere.get("/admin/").status_code == 302


# --- the staff site: addresses for moderators only ------------------------------


@pytest.fixture
def signed(petition, parties):
    signature = Signature.objects.create(
        petition=petition, civility="F", first_name="Anne", last_name="Secrète",
        email="anne.secrete@mairie-lyon.fr", mandate="mayor", locality="Lyon",
        departement="69", party=parties["PS"], consented_at=timezone.now())
    EmailChallenge.objects.create(signature=signature)
    return signature


@pytest.fixture
def staff(db):
    """Staff who may read signatures and the outbox, but not moderate."""
    user = User.objects.create_user("staff@campagne.fr", "staff@campagne.fr",
                                    "pw-long-enough-2", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=[
        "view_signature", "change_signature", "view_emailchallenge", "view_floodalert"]))
    client = Client()
    client.force_login(user)
    return client


ADDRESS_PROBES = [
    ("/admin/signatures/signature/", "state=all&email_normalised__startswith=anne"),
    ("/admin/signatures/signature/", "state=all&email_normalised=anne.secrete@mairie-lyon.fr"),
    ("/admin/signatures/signature/", "state=all&email__regex=^anne"),
    ("/admin/signatures/signature/", "state=all&email__icontains=secrete"),
    ("/admin/verification/emailchallenge/", "signature__email_normalised__startswith=anne"),
    ("/admin/verification/emailchallenge/", "signature__email__regex=^a"),
]


@pytest.mark.parametrize(("url", "query"), ADDRESS_PROBES)
def test_staff_cannot_filter_by_address(staff, signed, url, query):
    miss = query.replace("anne", "zzzz").replace("^a", "^z").replace("secrete", "zzzz")
    hit, no_hit = staff.get(f"{url}?{query}"), staff.get(f"{url}?{miss}")
    # Refused outright: not a list that would say yes or no by its length.
    assert hit.status_code == no_hit.status_code == 400


def test_staff_cannot_search_the_outbox_by_address(staff, signed):
    found = staff.get("/admin/verification/emailchallenge/",
                      {"q": "anne.secrete@mairie-lyon.fr"})
    assert found.status_code == 200
    assert found.context["cl"].result_count == 0  # the box echoes the query, nothing more


def test_unknown_lookups_are_refused_even_for_moderators(client, moderator, signed):
    client.force_login(moderator)
    assert client.get("/admin/signatures/signature/?state=all&email__regex=^a").status_code \
        == 400
    assert client.get("/admin/signatures/signature/?comment__regex=x").status_code == 400
    assert client.get("/admin/verification/emailchallenge/?last_error__icontains=x"
                      ).status_code == 400
    # What the changelists offer still works, and moderators still search by address.
    offered = client.get("/admin/signatures/signature/", {
        "state": "all", "mandate__exact": "mayor", "q": "anne.secrete@mairie-lyon.fr"})
    assert offered.status_code == 200 and offered.context["cl"].result_count == 1
    assert client.get("/admin/verification/emailchallenge/",
                      {"state__exact": "queued"}).status_code == 200


def test_the_flood_report_links_still_open(client, moderator, signed):
    from verification.models import FloodAlert

    alert = FloodAlert.objects.create(hour=timezone.now().replace(minute=0, second=0,
                                                                  microsecond=0),
                                      kind="domain", value="mairie-lyon.fr",
                                      signatures=1, usual_per_hour=0)
    client.force_login(moderator)
    from urllib.parse import urlencode

    page = client.get("/admin/signatures/signature/?" + urlencode(alert.signatures_query()))
    assert page.status_code == 200


def test_expired_sessions_and_the_address_they_hold_are_deleted(
        client, petition, signature_data, no_limits):
    from datetime import timedelta

    import time_machine
    from django.contrib.sessions.models import Session

    from signatures.tasks import purge_personal_data

    client.post(SIGN, signature_data)
    assert Session.objects.count() == 1
    purge_personal_data()
    assert Session.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(hours=9)):
        purge_personal_data()
    assert Session.objects.count() == 0
