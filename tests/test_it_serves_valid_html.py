import html5lib
import pytest
from django.utils import timezone

from signatures.models import Signature
from verification.models import EmailChallenge


@pytest.fixture
def token(petition, parties):
    signature = Signature.objects.create(
        petition=petition, civility="F", first_name="Hélène", last_name="Le Goff",
        email="h@mairie.fr", mandate="senator", locality="Quimper", departement="29",
        party=parties["PS"], consented_at=timezone.now(), comment="Non à la VSA")
    Signature.objects.filter(pk=signature.pk).move("confirm_email")
    Signature.objects.filter(pk=signature.pk).move("approve")
    pending = Signature.objects.create(
        petition=petition, civility="M", first_name="Yann", last_name="Kerjean",
        email="y@mairie.fr", mandate="mayor", locality="Brest", departement="29",
        party=parties["PS"], consented_at=timezone.now())
    return EmailChallenge.objects.create(signature=pending).claim()


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_public_pages_parse_as_strict_html5(client, token, prefix,
                                            django_assert_max_num_queries):
    urls = ["/p/vsa-jo-2024/", "/p/vsa-jo-2024/sign/", "/p/vsa-jo-2024/signatories/",
            "/p/vsa-jo-2024/signatories/?mandate=senator", "/p/vsa-jo-2024/check-inbox/",
            f"/confirm/{token}/", "/confirm/forged/", "/p/vsa-jo-2024/thanks/",
            "/p/vsa-jo-2024/widget/", "/p/nowhere/", "/privacy/", "/withdraw/forged/"]
    for url in urls:
        with django_assert_max_num_queries(12):
            response = client.get(prefix + url)
        parser = html5lib.HTMLParser(strict=True)
        try:
            parser.parse(response.content.decode())
        except html5lib.html5parser.ParseError as error:
            pytest.fail(f"{prefix}{url}: {error}")
    response = client.post(prefix + "/p/vsa-jo-2024/sign/", {"first_name": "<b>"})
    html5lib.HTMLParser(strict=True).parse(response.content.decode())
