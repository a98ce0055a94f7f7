import html

import pytest

from signatures.models import Signature

SIGN = "/p/vsa-jo-2024/sign/"


def person(n):
    letters = "".join(chr(ord("a") + int(d)) for d in str(n))
    return {"last_name": "Flood" + letters, "email": f"p{n}@mairie-flood.fr"}


def test_signing_is_limited_per_ip_with_a_clear_message(client, petition, signature_data,
                                                         settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign-ip": (3, 3600)}
    for n in range(3):
        assert client.post(SIGN, {**signature_data, **person(n)}).status_code == 302
    response = client.post(SIGN, {**signature_data, **person(9)})
    assert response.status_code == 200
    assert "Trop de signatures ont été envoyées d’ici récemment" in html.unescape(
        response.content.decode())
    assert Signature.objects.count() == 3
    # Another client is not affected.
    other = client.post(SIGN, {**signature_data, **person(10)}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_signing_is_limited_per_email_domain(client, petition, signature_data, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign-domain": (2, 3600)}
    for n in range(2):
        client.post(SIGN, {**signature_data, **person(n)}, REMOTE_ADDR=f"10.0.1.{n}")
    response = client.post(SIGN, {**signature_data, **person(5)}, REMOTE_ADDR="10.0.1.9")
    assert "email" in response.context["form"].errors
    assert Signature.objects.count() == 2


def test_signing_is_limited_per_address(client, petition, signature_data, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign-address": (2, 3600)}
    for n in range(2):
        client.post(SIGN, signature_data, REMOTE_ADDR=f"10.0.2.{n}")
    response = client.post(SIGN, signature_data, REMOTE_ADDR="10.0.2.9")
    assert "utilisée trop de fois" in html.unescape(str(response.context["form"].errors))


def test_a_flood_refused_for_its_ip_spends_nothing_of_its_domain(client, petition,
                                                                  signature_data, settings):
    # The limits are counted in turn, in one round trip to Redis: IP, address, domain.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign-ip": (2, 3600),
                            "sign-domain": (3, 3600)}
    for n in range(6):  # two signatures, then four refused for the IP
        client.post(SIGN, {**signature_data, **person(n)}, REMOTE_ADDR="10.0.3.1")
    assert Signature.objects.count() == 2
    # The domain's allowance still has one signature left for someone else.
    other = client.post(SIGN, {**signature_data, **person(7)}, REMOTE_ADDR="10.0.3.2")
    assert other.status_code == 302
    refused = client.post(SIGN, {**signature_data, **person(8)}, REMOTE_ADDR="10.0.3.3")
    assert "email" in refused.context["form"].errors
    assert Signature.objects.count() == 3


@pytest.mark.parametrize("proxies, forwarded, expected", [
    (0, "6.6.6.6", "127.0.0.1"),            # no proxy: the header is the client's lie
    (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # our proxy appended the real client
    (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
])
def test_the_client_ip_never_trusts_the_first_forwarded_value(rf, settings, proxies,
                                                              forwarded, expected):
    from petition.web.ratelimit import client_ip

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == expected


def test_confirm_attempts_are_limited(client, petition, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "confirm-ip": (2, 3600)}
    for _ in range(2):
        assert client.post("/confirm/guess/").status_code == 404
    assert client.post("/confirm/guess/").status_code == 429
