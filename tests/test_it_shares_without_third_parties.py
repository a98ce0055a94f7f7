"""After confirming: sharing that loads nothing from another host until clicked."""

import re
from urllib.parse import parse_qs, urlsplit

THANKS = "/p/vsa-jo-2024/thanks/"


def test_the_thanks_page_offers_the_link_an_invitation_and_plain_share_links(
        client, petition, settings):
    page = client.get(THANKS).content.decode()
    url = f"{settings.SITE_URL}/p/vsa-jo-2024/"
    assert f'value="{url}" readonly' in page
    mailto = re.search(r'href="(mailto:[^"]+)"', page).group(1).replace("&amp;", "&")
    invitation = parse_qs(urlsplit(mailto).query)
    assert url in invitation["body"][0] and "Non à la VSA" in invitation["subject"][0]
    hosts = {urlsplit(href.replace("&amp;", "&")).hostname
             for href in re.findall(r'<a href="(https://[^"]+)"', page)}
    assert hosts == {"mastodonshare.com", "bsky.app", "www.linkedin.com", "wa.me"}


def test_nothing_on_the_page_comes_from_another_host(client, petition):
    page = client.get(THANKS).content.decode()
    # Only links leave the site: no script, image, frame, style or font from elsewhere.
    assert not re.search(r'<(script|img|iframe|link|source)[^>]+(src|href)="(https?:)?//', page)
