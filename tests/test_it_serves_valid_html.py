import html5lib
import pytest


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_public_pages_parse_as_strict_html5(client, confirm_token, prefix,
                                            django_assert_max_num_queries):
    urls = ["/p/vsa-jo-2024/", "/p/vsa-jo-2024/sign/", "/p/vsa-jo-2024/signatories/",
            "/p/vsa-jo-2024/signatories/?mandate=senator", "/p/vsa-jo-2024/check-inbox/",
            f"/confirm/{confirm_token}/", "/confirm/forged/", "/p/vsa-jo-2024/thanks/",
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
