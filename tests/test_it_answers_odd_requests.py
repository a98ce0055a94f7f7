"""Odd requests get a clear 4xx, never a 500; links stay on the site; webhooks need their
secret; odd names are refused or flagged; the headers a top grade needs."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
LIST = "/p/vsa-jo-2024/signatories/"


@pytest.fixture
def errors(caplog):
    caplog.set_level(logging.ERROR)
    yield caplog
    # django.security's refusals (a wrong webhook secret: a 400) are not failures.
    assert [r for r in caplog.records if r.levelno >= logging.ERROR
            and not r.name.startswith("django.security")] == []


@pytest.mark.parametrize("after", ["²", "①", "⁹", "١٢", "9" * 40, "-1", "1e3"])
def test_odd_digits_in_the_list_cursor(client, petition, errors, after):
    assert client.get(LIST, {"after": after}).status_code == 200


@pytest.mark.parametrize("key", ["abcdefgh\x00ijklmnop", "ABCDEFGH" * 4, "é" * 32, "a" * 500,
                                 "abcdefgh' OR '1'='1"])
@pytest.mark.parametrize("url", ["/admin/", "/p/vsa-jo-2024/sign/", "/p/vsa-jo-2024/thanks/"])
def test_a_forged_session_cookie_is_no_session(petition, errors, key, url):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = key
    response = client.get(url)
    assert response.status_code in (200, 302, 404), response.status_code


def csrf_client():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/p/vsa-jo-2024/sign/")
    return client, client.cookies["csrftoken"].value


@pytest.mark.parametrize("charset", ["utf-16", "latin-1", "ascii", "utf8"])
@pytest.mark.parametrize("url", ["/p/vsa-jo-2024/sign/", "/p/vsa-jo-2024/resend/",
                                 "/confirm/abc/", "/withdraw/abc/", "/admin/login/"])
def test_a_form_posted_in_another_charset(petition, errors, charset, url):
    client, token = csrf_client()
    body = f"csrfmiddlewaretoken={token}&email=a%40b.fr".encode()
    response = client.post(url, body, HTTP_X_CSRFTOKEN=token,
                           content_type=f"application/x-www-form-urlencoded; charset={charset}")
    assert 400 <= response.status_code < 500 or (charset == "utf8" and response.status_code
                                                 < 500)


PROVIDERS = ["amazon_ses", "brevo", "mailersend", "mailgun", "mailjet", "mailtrap", "postal",
             "postmark", "resend", "sendgrid", "sendinblue", "sparkpost", "unisender_go",
             "mandrill"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_webhooks_of_other_providers_are_not_there(client, db, errors, provider, settings):
    settings.MAILER = "postmark"
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "u:p"}
    response = client.post(f"/anymail/{provider}/tracking/", "{}",
                           content_type="application/json")
    assert response.status_code == (401 if provider == "postmark" else 404) or (
        provider == "postmark" and 400 <= response.status_code < 500)


@pytest.mark.parametrize("body", ["{", "[1,", "null", "\"x\"", "{\"RecordType\": 5}", "[]",
                                  "\xff\xfe"])
def test_malformed_json_to_the_configured_provider(client, db, errors, body, settings):
    import base64

    settings.MAILER = "postmark"
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "u:p"}
    response = client.post("/anymail/postmark/tracking/", body.encode("utf-8", "surrogatepass"),
                           content_type="application/json",
                           HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"u:p").decode())
    assert 200 <= response.status_code < 500


def deploy_check(extra):
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
           "DATABASE_URL": "postgres://u@127.0.0.1/x", "REDIS_URL": "redis://127.0.0.1:6379/0",
           "CACHE_REDIS_URL": "redis://127.0.0.1:6380/0",
           "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijkl",
           "ALLOWED_HOSTS": "petition.example.org", "SITE_URL": "https://petition.example.org",
           "SECURE_HSTS_PRELOAD": "true", **extra}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def test_a_provider_mailer_needs_the_webhook_secret():
    without = deploy_check({"MAILER": "postmark", "ANYMAIL_POSTMARK_SERVER_TOKEN": "t"})
    assert without.returncode != 0
    assert "ANYMAIL_WEBHOOK_SECRET" in without.stdout + without.stderr
    with_secret = deploy_check({"MAILER": "postmark", "ANYMAIL_POSTMARK_SERVER_TOKEN": "t",
                                "ANYMAIL_WEBHOOK_SECRET": "user:a-long-secret"})
    assert with_secret.returncode == 0, with_secret.stdout + with_secret.stderr


def test_the_language_link_stays_on_the_site(client, petition):
    import re
    from urllib.parse import urljoin, urlsplit

    for path in ("//evil.test/", "//evil.test/en/", "/\\evil.test/", "///evil.test/p/"):
        page = client.get(path).content.decode()
        for href in re.findall(r'href="([^"]*)" hreflang', page):
            # As a browser reads it (it takes a backslash for a slash).
            target = urljoin("https://petition.example.org/p/", href.replace("\\", "/"))
            assert urlsplit(target).hostname == "petition.example.org", href


def test_the_cross_origin_resource_policy(client, petition):
    for url in ("/p/vsa-jo-2024/", "/p/vsa-jo-2024/count.json", "/healthz"):
        assert client.get(url)["Cross-Origin-Resource-Policy"] == "same-origin"


def test_csp_violations_are_reported_and_logged_without_personal_data(client, petition, caplog,
                                                                     settings):
    csp = client.get("/p/vsa-jo-2024/")["Content-Security-Policy"]
    assert "report-uri /csp-report" in csp and "report-to csp" in csp
    report = {"csp-report": {
        "document-uri": "https://petition.example.org/confirm/SECRET-TOKEN/?email=a@b.fr",
        "violated-directive": "script-src-elem", "effective-directive": "script-src-elem",
        "blocked-uri": "https://evil.test/x.js?id=42", "source-file": "https://x/y?z=1",
        "line-number": 3, "original-policy": "...", "disposition": "enforce"}}
    caplog.set_level(logging.WARNING)
    response = client.post("/csp-report", json.dumps(report),
                           content_type="application/csp-report", REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 204
    logged = [r for r in caplog.records if r.name == "petition.csp"]
    assert len(logged) == 1
    text = logged[0].getMessage() + json.dumps(getattr(logged[0], "csp", {}))
    assert "script-src-elem" in text and "evil.test" in text
    for private in ("SECRET-TOKEN", "a@b.fr", "198.51.100.7", "id=42"):
        assert private not in text
    # Reports API (report-to) batches, in their own content type.
    batch = [{"type": "csp-violation", "body": {
        "documentURL": "https://petition.example.org/p/x/", "effectiveDirective": "img-src",
        "blockedURL": "https://tracker.test/p.gif"}}]
    assert client.post("/csp-report", json.dumps(batch),
                       content_type="application/reports+json").status_code == 204


def test_the_csp_endpoint_cannot_be_abused(client, petition, caplog, settings):
    assert client.post("/csp-report", "x" * 20_000,
                       content_type="application/csp-report").status_code == 413
    assert client.post("/csp-report", "{not json",
                       content_type="application/csp-report").status_code == 400
    assert client.get("/csp-report").status_code == 405


def test_csp_reports_are_rate_limited(client, petition, caplog, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "csp-ip": (3, 60)}
    caplog.set_level(logging.WARNING)
    body = json.dumps({"csp-report": {"violated-directive": "img-src", "blocked-uri": "data"}})
    answers = [client.post("/csp-report", body, content_type="application/csp-report")
               .status_code for _ in range(6)]
    assert answers == [204, 204, 204, 429, 429, 429]
    assert len([r for r in caplog.records if r.name == "petition.csp"]) == 3


# --- names ----------------------------------------------------------------------------


@pytest.fixture
def no_limits(settings):
    settings.RATE_LIMITS = {scope: (0, 3600) for scope in settings.RATE_LIMITS}


@pytest.mark.parametrize("name", ["\u3164", "\uffa0", "\u3164\u3164 \uffa0", "\u115f\u1160",
                                  "a" + "\u0301" * 90, "\u200b\u3164"])
def test_names_without_a_visible_letter_are_refused(client, petition, signature_data,
                                                    no_limits, name):
    from signatures.models import Signature

    response = client.post("/en/p/vsa-jo-2024/sign/", {**signature_data, "first_name": name})
    assert response.status_code == 200
    assert "first_name" in response.context["form"].errors
    assert not Signature.objects.exists()


def test_mixed_script_names_are_flagged_to_the_moderator(client, petition, signature_data,
                                                         no_limits, moderator):
    from signatures.models import Signature

    client.post("/p/vsa-jo-2024/sign/", {**signature_data, "first_name": "Emm\u0430nuel"})
    client.post("/p/vsa-jo-2024/sign/", {**signature_data, "first_name": "Zoé",
                                         "email": "zoe@mairie-exemple.fr"})
    flagged, plain = Signature.objects.order_by("id")
    assert flagged.first_name == "Emm\u0430nuel"  # accepted, as typed
    assert flagged.mixed_script_flag and not plain.mixed_script_flag
    admin = Client()
    admin.force_login(moderator)
    page = admin.get("/en/admin/signatures/signature/", {"state": "all"}).content.decode()
    assert "mixed scripts" in page
    assert admin.get("/admin/signatures/signature/", {
        "state": "all", "mixed_script_flag__exact": "1"}).context["cl"].result_count == 1
