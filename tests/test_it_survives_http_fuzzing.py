"""Fuzzing the raw HTTP request, through the real middleware: no request ends in a 5xx.

Methods, content types and charsets, bodies, query strings with values from every
Unicode category (and broken percent-escapes), cookies and headers, sent by Django's
test client with CSRF checks on, to every public URL and every provider webhook URL.
Header and cookie values reach Django as a WSGI server gives them: UTF-8 bytes read
as latin-1.

FUZZ_REQUESTS sets the number of requests (10,000 in `make test`; `make fuzz` sends
more and prints the figures).
"""

import logging
import os
import time
from collections import Counter
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import VALID_SIGNATURE

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "10000"))
SLUG = "vsa-jo-2024"
PROVIDERS = ["amazon_ses", "brevo", "mailersend", "mailgun", "mailjet", "mailtrap", "postal",
             "postmark", "resend", "sendgrid", "sparkpost", "unisender_go", "mandrill"]
PUBLIC = ["", f"p/{SLUG}/", f"p/{SLUG}/sign/", f"p/{SLUG}/signatories/",
          f"p/{SLUG}/signataires.csv", f"p/{SLUG}/signataires.json", f"p/{SLUG}/count.json",
          f"p/{SLUG}/widget/", f"p/{SLUG}/check-inbox/", f"p/{SLUG}/resend/",
          f"p/{SLUG}/thanks/", "confirm/{token}/", "withdraw/{token}/", "privacy/",
          "places/search", "admin/login/", "admin/", "p/nope/", "nowhere/"]
URLS = ([f"/{path}" for path in PUBLIC] + [f"/en/{path}" for path in PUBLIC]
        + [f"/anymail/{provider}/tracking/" for provider in PROVIDERS]
        + ["/healthz", "/csp-report", "//evil.test/", "/\\evil.test/"])
PARAMETERS = ["q", "after", "sort", "mandate", "departement", "region", "party", "kind",
              "excel", "next", "utm_source", "page", "o", "e", "_changelist_filters"]
FIELDS = [*VALID_SIGNATURE, "party", "email", "csrfmiddlewaretoken", "website", "username",
          "password", "otp_token", "otp_device", "locality_code", "circonscription"]

# Text from every category, surrogates aside (no encoding has them).
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
TEXT = st.one_of(
    ANY_TEXT,
    st.sampled_from(["²", "①", "⁹", "١٢", "\u3164", "\x00", "\u202e", "-1", "1e3", "9" * 30,
                     "<script>", "' OR 1=1 --", "..", "%", "=1+1", "x" * 3000, "NaN"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
BROKEN_ESCAPES = st.sampled_from(["%", "%zz", "%C3", "%FF%FE", "%C0%AF", "%E2%82", "%00",
                                  "+", "&&", "=", ";"])


def as_wsgi(text: str) -> str:
    """What a WSGI server puts in environ: the header's bytes read as latin-1."""
    return text.encode("utf-8").decode("latin-1")


@st.composite
def query_strings(draw):
    pairs = draw(st.lists(st.tuples(st.one_of(st.sampled_from(PARAMETERS), ANY_TEXT), TEXT),
                          max_size=5))
    parts = [f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in pairs]
    parts += draw(st.lists(BROKEN_ESCAPES, max_size=2))
    return "&".join(draw(st.permutations(parts)))


CONTENT_TYPES = st.one_of(
    st.sampled_from([
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=utf-16",
        "application/x-www-form-urlencoded; charset=latin-1",
        "application/x-www-form-urlencoded; charset=ascii",
        "application/x-www-form-urlencoded; charset=utf8",
        "application/x-www-form-urlencoded; charset=\"nonsense\"",
        "multipart/form-data; boundary=fuzz", "multipart/form-data",
        "application/json", "application/csp-report", "application/reports+json",
        "text/plain", "application/octet-stream", "", ";;;", "text/html; charset=utf-32"]),
    ANY_TEXT.map(as_wsgi),
)


@st.composite
def bodies(draw, token):
    kind = draw(st.sampled_from(["form", "form", "bytes", "json", "multipart", "empty"]))
    if kind == "form":
        fields = draw(st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=8))
        if draw(st.booleans()):
            fields = {**VALID_SIGNATURE, **fields}
        if draw(st.booleans()):
            fields["csrfmiddlewaretoken"] = token
        encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1"]))
        return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in fields.items()
                        ).encode("utf-8").decode("utf-8").encode(encoding, "replace")
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "json":
        values = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                              lambda inner: st.lists(inner, max_size=3)
                              | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)
        import json

        return json.dumps(draw(values)).encode()
    if kind == "multipart":
        return (b"--fuzz\r\nContent-Disposition: form-data; name=\"" + as_wsgi(
            draw(ANY_TEXT)).encode("latin-1") + b"\"\r\n\r\n" + draw(st.binary(max_size=50))
            + draw(st.sampled_from([b"\r\n--fuzz--\r\n", b"", b"\r\n--fu"])))
    return b""


@st.composite
def requests(draw, token):
    url = draw(st.sampled_from(URLS)).replace("{token}", draw(st.sampled_from(
        ["abc", "x" * 300, "%E2%82", "..%2F..%2Fetc", "0" * 43])))
    query = draw(query_strings())
    method = draw(st.sampled_from(["GET", "GET", "HEAD", "POST", "POST", "POST", "PUT",
                                   "DELETE", "OPTIONS", "PATCH", "TRACE", "PROPFIND"]))
    headers = {}
    cookies = draw(st.lists(st.tuples(st.sampled_from(
        ["sessionid", "csrftoken", "messages", "django_language", "x"]), ANY_TEXT), max_size=3))
    if draw(st.booleans()):
        cookies.append(("csrftoken", token))
    if cookies:
        headers["HTTP_COOKIE"] = as_wsgi("; ".join(f"{k}={v}" for k, v in cookies))
    for header in draw(st.lists(st.sampled_from([
            "HTTP_ACCEPT_LANGUAGE", "HTTP_X_FORWARDED_FOR", "HTTP_REFERER", "HTTP_USER_AGENT",
            "HTTP_X_CSRFTOKEN", "HTTP_AUTHORIZATION", "HTTP_ORIGIN", "HTTP_IF_NONE_MATCH",
            "HTTP_IF_MODIFIED_SINCE", "HTTP_X_FORWARDED_PROTO", "HTTP_RANGE",
            "HTTP_ACCEPT_ENCODING"]), max_size=4, unique=True)):
        headers[header] = as_wsgi(draw(TEXT))
    if draw(st.integers(0, 9)) == 0:
        headers["HTTP_HOST"] = as_wsgi(draw(st.one_of(
            st.sampled_from(["localhost:1", "127.0.0.1:65535", "LOCALHOST", "evil.test",
                             "localhost:abc", "[::1]", ""]), ANY_TEXT)))
    if draw(st.booleans()):
        headers["HTTP_X_CSRFTOKEN"] = token
    body = draw(bodies(token)) if method not in ("GET", "HEAD", "OPTIONS", "TRACE") else b""
    content_type = draw(CONTENT_TYPES)
    return method, f"{url}?{query}" if query else url, body, content_type, headers


class Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        # django.security's refusals (a forged host, a bad webhook secret) are 400s.
        if not record.name.startswith("django.security"):
            self.records.append(record)


FIGURES = {"requests": 0, "statuses": Counter(), "started": None}


@pytest.fixture
def fuzz_client(petition, parties, settings):
    settings.RATE_LIMITS = {scope: (0, 60) for scope in settings.RATE_LIMITS}
    settings.MAILER = "postmark"
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "hook:secret"}
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get(f"/p/{SLUG}/sign/")
    errors = Errors()
    logging.getLogger().addHandler(errors)
    FIGURES.update(requests=0, statuses=Counter(), started=time.monotonic())
    yield client, client.cookies["csrftoken"].value, errors
    logging.getLogger().removeHandler(errors)
    seconds = time.monotonic() - FIGURES["started"]
    print(f"\nHTTP fuzz: {FIGURES['requests']} requests in {seconds:.0f} s "
          f"({FIGURES['requests'] / seconds:.0f}/s); statuses: "
          f"{dict(sorted(FIGURES['statuses'].items()))}")


@settings(max_examples=REQUESTS, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_no_request_ends_in_a_server_error(fuzz_client, data):
    client, token, errors = fuzz_client
    method, path, body, content_type, headers = data.draw(requests(token))
    client.cookies.clear()
    response = client.generic(method, path, body, content_type=content_type, **headers)
    FIGURES["requests"] += 1
    FIGURES["statuses"][response.status_code] += 1
    assert response.status_code < 500, (method, path, body[:200], content_type, headers)
    assert not errors.records, [r.getMessage() for r in errors.records]
