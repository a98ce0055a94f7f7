"""Ways to share a petition that cost its readers nothing: plain links.

Nothing here loads from another host. Each share link is an ordinary <a> to
the network's own share page, followed only when clicked (no button script,
no counter, no image); the referrer policy keeps our own URL out of it.
"""

from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _


def share_links(petition) -> dict:
    url = petition.absolute_url()
    title = petition.title
    message = _("I have signed the petition “%(title)s”. Elected officials, sign it too:"
                ) % {"title": title}
    text = f"{message} {url}"
    invitation = _(
        "Hello,\n\nI have signed the petition “%(title)s”, which is for elected "
        "officials. Signatures are checked, and those of the far right refused.\n\n"
        "You can read it and sign it here:\n%(url)s\n\nThank you for passing it on.\n"
    ) % {"title": title, "url": url}
    return {
        "url": url,
        "mailto": "mailto:?" + urlencode(
            {"subject": _("A petition for elected officials: %(title)s") % {"title": title},
             "body": invitation}, quote_via=quote),
        "networks": [
            ("Mastodon", "https://mastodonshare.com/?" + urlencode(
                {"text": message, "url": url}, quote_via=quote)),
            ("Bluesky", "https://bsky.app/intent/compose?" + urlencode(
                {"text": text}, quote_via=quote)),
            ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + urlencode(
                {"url": url}, quote_via=quote)),
            ("WhatsApp", "https://wa.me/?" + urlencode({"text": text}, quote_via=quote)),
        ],
    }
