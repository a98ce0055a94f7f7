"""Staff log in with a password and a TOTP code; guessing is throttled."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

LOGIN = "/en/admin/login/?next=/en/admin/"  # English messages
PASSWORD = "a-long-password-1"


@pytest.fixture
def second_factor(settings):
    settings.ADMIN_OTP_REQUIRED = True


@pytest.fixture
def moderator_with_phone(db):
    user = User.objects.create_user("mod@campagne.fr", "mod@campagne.fr", PASSWORD,
                                    is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_password_alone_does_not_open_the_admin(client, second_factor, moderator_with_phone):
    page = client.post(LOGIN, {"username": "mod@campagne.fr", "password": PASSWORD})
    assert page.status_code == 200
    assert "id_otp_token" in page.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_password_and_a_current_code_open_it(client, second_factor, moderator_with_phone):
    _user, device = moderator_with_phone
    page = client.post(LOGIN, {"username": "mod@campagne.fr", "password": PASSWORD,
                               "otp_device": device.persistent_id,
                               "otp_token": current_code(device)})
    assert page.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused(client, second_factor, moderator_with_phone):
    _user, device = moderator_with_phone
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    page = client.post(LOGIN, {"username": "mod@campagne.fr", "password": PASSWORD,
                               "otp_device": device.persistent_id, "otp_token": wrong})
    assert page.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_session_without_the_second_factor_is_sent_to_log_in(client, second_factor,
                                                               moderator_with_phone):
    user, _device = moderator_with_phone
    client.force_login(user)  # a password session, say from before the factor was required
    assert client.get("/admin/signatures/signature/").status_code == 302


def test_the_local_default_needs_no_second_factor(client, moderator_with_phone):
    client.post(LOGIN, {"username": "mod@campagne.fr", "password": PASSWORD})
    assert client.get("/admin/").status_code == 200


def test_password_guessing_is_stopped(client, moderator_with_phone, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "admin-login-user": (5, 900)}
    for attempt in range(5):
        page = client.post(LOGIN, {"username": "mod@campagne.fr", "password": f"guess{attempt}"})
        assert "Too many" not in page.content.decode()
    page = client.post(LOGIN, {"username": "mod@campagne.fr", "password": PASSWORD})
    assert "Too many login attempts" in page.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_throttle_follows_the_client_ip_too(client, moderator_with_phone, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "admin-login-ip": (3, 900)}
    for n in range(3):
        client.post(LOGIN, {"username": f"someone{n}@campagne.fr", "password": "x"})
    page = client.post(LOGIN, {"username": "mod@campagne.fr", "password": PASSWORD})
    assert "Too many login attempts" in page.content.decode()
    other_ip = client.post(LOGIN, {"username": "mod@campagne.fr", "password": PASSWORD},
                           REMOTE_ADDR="192.0.2.7")
    assert other_ip.status_code == 302


def test_a_new_moderator_gets_an_authenticator_key(db, capsys, second_factor):
    call_command("add_moderator", "nouvelle@campagne.fr")
    out = capsys.readouterr().out
    assert "otpauth://totp/" in out
    assert TOTPDevice.objects.filter(user__username="nouvelle@campagne.fr",
                                     confirmed=True).count() == 1
    call_command("add_moderator", "nouvelle@campagne.fr")  # a lost phone: a new key
    assert TOTPDevice.objects.filter(user__username="nouvelle@campagne.fr").count() == 1


def test_the_throttle_counts_every_spelling_of_one_username(client, moderator_with_phone,
                                                           settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "admin-login-user": (5, 900),
                            "admin-login-ip": (0, 900)}
    # Full-width letters, a ligature, a compatibility "@": the same user to authentication.
    spellings = ["ｍｏｄ@campagne.fr", "mod＠campagne.fr", "mod@campagne.ｆｒ",
                 "ｍod@campagne.fr", "mod@ｃampagne.fr"]
    for spelling in spellings:
        page = client.post(LOGIN, {"username": spelling, "password": "wrong-guess"})
        assert "Too many" not in page.content.decode()
    page = client.post(LOGIN, {"username": "mod@campagne.fr", "password": PASSWORD})
    assert "Too many login attempts" in page.content.decode()
    assert client.get("/admin/").status_code == 302


def login_answer(page) -> str:
    """The page without its per-request CSRF token and CSP nonces."""
    import re

    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode())
    return re.sub(r'nonce="[^"]+"', "", text)


def test_a_right_password_with_a_wrong_code_looks_like_a_wrong_password(
        client, second_factor, moderator_with_phone):
    _user, device = moderator_with_phone
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    from django.test import Client

    wrong_password = Client().post(LOGIN, {"username": "mod@campagne.fr",
                                           "password": "not-the-password", "otp_token": wrong})
    wrong_code = Client().post(LOGIN, {"username": "mod@campagne.fr", "password": PASSWORD,
                                       "otp_token": wrong})
    assert wrong_password.status_code == wrong_code.status_code == 200
    assert login_answer(wrong_password) == login_answer(wrong_code)
    no_code = Client().post(LOGIN, {"username": "mod@campagne.fr", "password": PASSWORD})
    assert login_answer(no_code) == login_answer(
        Client().post(LOGIN, {"username": "mod@campagne.fr", "password": "nope"}))


def test_a_correct_first_try_opens_the_admin(client, second_factor, moderator_with_phone):
    """The login page as a moderator first sees it: no device list to choose from yet."""
    _user, device = moderator_with_phone
    form = client.get(LOGIN).content.decode()
    assert 'name="otp_token"' in form
    page = client.post(LOGIN, {"username": "mod@campagne.fr", "password": PASSWORD,
                               "otp_token": current_code(device)})
    assert page.status_code == 302, page.content.decode()
    assert client.get("/admin/").status_code == 200
