"""The review desk in Debian's Chromium: a moderator logs in with TOTP and decides by keyboard."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect, sync_playwright

from signatures.models import ModerationDecision, Signature

from .conftest import CHROMIUM_ARGS, watch
from .test_it_guards_the_admin import current_code

pytestmark = pytest.mark.browser
PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        problems = []

        def new_page():
            page = browser.new_context(locale="fr-FR",
                                       viewport={"width": 1280, "height": 800}).new_page()
            watch(page, problems)
            return page

        yield new_page
        browser.close()
        assert problems == [], f"script errors, CSP violations or failed requests: {problems}"


@pytest.fixture
def second_factor(settings):
    settings.ADMIN_OTP_REQUIRED = True


def moderator_with_phone(username):
    from signatures.roles import ensure_moderators_group

    user = User.objects.create_user(username, username, PASSWORD, is_staff=True)
    user.groups.add(ensure_moderators_group())
    return user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def log_in(page, live_server, user, device):
    page.goto(live_server.url + "/admin/desk/")
    page.get_by_label("Nom d’utilisateur").fill(user.username)
    # Password and code in one try: the moderator's one device is found, never listed.
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Code de votre application d’authentification").fill(current_code(device))
    page.keyboard.press("Enter")
    expect(page.locator("#desk-numbers")).to_be_visible()


def queue_of(petition, parties, count):
    for n in range(count):
        signature = Signature.objects.create(
            petition=petition, civility="F" if n % 2 else "M", first_name="Claude",
            last_name=f"Clavier{n:02d}", email=f"c{n}@mairie-rennes.fr", mandate="mayor",
            locality="Rennes", departement="35", party=parties["PS"],
            consented_at=timezone.now())
        signature.confirm_email()
        Signature.objects.filter(pk=signature.pk).update(
            email_confirmed_at=timezone.now() - timedelta(minutes=count - n))


def shown(page):
    """The signature on the desk, once its keys are ready."""
    expect(page.locator("#desk-decisions")).to_have_attribute("data-keys", "ready")
    return int(page.locator("article.desk-card").get_attribute("data-signature"))


def test_a_moderator_decides_twenty_signatures_with_the_keyboard_only(
        live_server, chromium, second_factor, petition, parties):
    queue_of(petition, parties, 20)
    user, device = moderator_with_phone("mod@campagne.fr")
    page = chromium()
    log_in(page, live_server, user, device)
    expected = {}
    for n in range(20):
        signature = shown(page)
        assert Signature.objects.get(pk=signature).last_name == f"Clavier{n:02d}"  # oldest first
        # Every third one is rejected as "not elected" (key 2), the others approved (A).
        key, expected[signature] = ("2", ("reject", "not-elected")) if n % 3 == 0 else (
            "a", ("approve", None))
        page.keyboard.press(key)
        if n < 19:
            expect(page.locator("article.desk-card")).not_to_have_attribute(
                "data-signature", str(signature))
    expect(page.locator("h1")).to_contain_text("Rien d’autre à relire")
    expect(page.locator("#desk-numbers")).to_contain_text("Vous avez décidé 20 signatures")
    for signature, (transition, reason) in expected.items():
        decision = ModerationDecision.objects.filter(signature_id=signature).last()
        assert (decision.transition, decision.actor, decision.reason and decision.reason.code,
                decision.by_system) == (transition, user, reason, False)
        assert Signature.objects.get(pk=signature).state == (
            "approved" if transition == "approve" else "rejected")


def test_skip_and_back_by_keyboard(live_server, chromium, second_factor, petition, parties):
    queue_of(petition, parties, 2)
    user, device = moderator_with_phone("mod@campagne.fr")
    page = chromium()
    log_in(page, live_server, user, device)
    first = shown(page)
    page.keyboard.press("s")
    expect(page.locator("article.desk-card")).not_to_have_attribute("data-signature", str(first))
    page.keyboard.press("b")
    expect(page.locator("article.desk-card")).to_have_attribute("data-signature", str(first))
    assert Signature.objects.get(pk=first).state == "email_confirmed"


def test_two_moderators_in_two_browsers_never_get_the_same_signature(
        live_server, chromium, second_factor, petition, parties):
    queue_of(petition, parties, 6)
    one, other = chromium(), chromium()
    log_in(one, live_server, *moderator_with_phone("un@campagne.fr"))
    log_in(other, live_server, *moderator_with_phone("deux@campagne.fr"))
    seen = []
    for _turn in range(3):
        assert shown(one) != shown(other)
        seen += [shown(one), shown(other)]
        for page in (one, other):
            shown(page)
            with page.expect_navigation():
                page.keyboard.press("a")
    assert len(set(seen)) == 6
    assert Signature.objects.filter(state="approved").count() == 6
    assert ModerationDecision.objects.filter(transition="approve").values(
        "signature_id").distinct().count() == 6
