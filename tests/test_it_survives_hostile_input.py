"""Fuzzing with hypothesis: no input makes a 500, nothing invalid is stored."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signatures.forms import validate_plain_text
from signatures.models import Signature

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["\x00", "\u202e", "\u200b", "A\r\nBcc: x@y.z", "<script>", "=1+1",
                     "x" * 10_000, "Ｍａｒｉｅ", "مريم", "Анна\u0301", "\ud7ff"]),
)
FIELDS = ["first_name", "last_name", "email", "locality", "mandate", "mandate_other",
          "party_detail", "comment", "departement", "civility", "party"]


@pytest.fixture
def no_limits(settings):
    settings.RATE_LIMITS = {scope: (0, 3600) for scope in settings.RATE_LIMITS}


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=HOSTILE)
def test_the_form_never_fails_and_stores_only_valid_values(
        client, petition, signature_data, no_limits, field, value):
    response = client.post("/p/vsa-jo-2024/sign/", {**signature_data, field: value,
                                                    "email": "fuzz@mairie.fr"})
    assert response.status_code in (200, 302, 400)
    for signature in Signature.objects.all():
        validate_plain_text(signature.first_name)
        validate_plain_text(signature.last_name)
        assert "\x00" not in signature.comment and "<" not in signature.comment
        assert "\n" not in signature.email and "\r" not in signature.email
    Signature.objects.all().delete()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=HOSTILE)
def test_public_endpoints_never_fail(client, petition, value):
    for response in (
        client.get("/p/vsa-jo-2024/signatories/", {"q": value, "mandate": value,
                                                   "departement": value, "after": value}),
        client.get("/p/vsa-jo-2024/count.json", {"x": value}),
        client.post("/p/vsa-jo-2024/resend/", {"email": value}),
    ):
        assert response.status_code < 500
