"""The share card (og:image): the title, the number of signatories and the site's name."""

import io
import re

from django.utils import timezone
from PIL import Image

from petition import share_image
from signatures.models import Signature


def approve(petition, parties, how_many):
    created = [Signature.objects.create(
        petition=petition, civility="F", first_name="Anne", last_name=f"Nom{n}",
        email=f"a{n}@mairie.fr", mandate="mayor", locality="Brest", departement="29",
        party=parties["PS"], consented_at=timezone.now()) for n in range(how_many)]
    rows = Signature.objects.filter(pk__in=[s.pk for s in created])
    rows.move("confirm_email")
    rows.move("approve")


def card_url(client, path="/p/vsa-jo-2024/"):
    page = client.get(path).content.decode()
    return re.search(r'<meta property="og:image" content="https?://[^/"]+([^"]+)"',
                     page).group(1)


def test_the_card_carries_the_title_count_and_site_name():
    card = share_image.draw_card("Non à la VSA\u202f: pétition des élu·es",
                                 "120 élu·es ont signé", "Pétition d’élu·es")
    image = Image.open(io.BytesIO(card.png))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    assert " ".join(card.lines[:-2]) == "Non à la VSA\u202f: pétition des élu·es"
    assert card.lines[-2:] == ["120 élu·es ont signé", "Pétition d’élu·es"]
    # Not a blank card: the text darkens a good part of it.
    # (One byte a pixel in "L": tobytes() reads the same in every Pillow, where
    # getdata() is deprecated from Pillow 13.)
    dark = sum(1 for pixel in image.convert("L").tobytes() if pixel < 128)
    assert dark > 20_000


def test_a_long_title_is_wrapped_within_the_card():
    title = "Pétition des élu-es français.es contre la vidéosurveillance algorithmique " * 3
    card = share_image.draw_card(title, "1 élu·e a signé", "Pétition d’élu·es")
    title_lines = card.lines[:-2]
    assert 2 <= len(title_lines) <= 4 and title_lines[-1].endswith("…")


def test_the_page_links_a_card_per_language_that_moves_by_steps(
        client, petition, parties, monkeypatch, django_capture_on_commit_callbacks):
    drawn = []
    real = share_image.draw_card
    monkeypatch.setattr(share_image, "draw_card",
                        lambda *args: drawn.append(args) or real(*args))
    url = card_url(client)
    assert url == "/p/vsa-jo-2024/share.png?n=0"
    response = client.get(url)
    assert response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (1200, 630)
    assert drawn[-1] == ("Non à la VSA\u202f: pétition des élu·es", "0 élu·e a signé",
                         "Pétition d’élu·es")
    # Cached: asked again, it is not redrawn.
    assert client.get(url).content == response.content and len(drawn) == 1
    english = card_url(client, "/en/p/vsa-jo-2024/")
    client.get(english)
    assert drawn[-1] == ("Officials against algorithmic surveillance",
                         "0 elected officials have signed", "Elected officials' petition")
    # 12 signatories: the card shows 10 (steps of 10 above ten) and has a new address.
    with django_capture_on_commit_callbacks(execute=True):
        approve(petition, parties, 12)
    assert card_url(client) == "/p/vsa-jo-2024/share.png?n=10"
    client.get(card_url(client))
    assert drawn[-1][1] == "10 élu·es ont signé"


def test_count_steps():
    assert [share_image.count_step(n) for n in (0, 1, 9, 10, 19, 99, 100, 149, 150, 1234)] == [
        0, 1, 9, 10, 10, 90, 100, 100, 150, 1200]
