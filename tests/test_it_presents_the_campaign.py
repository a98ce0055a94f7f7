"""The petition page's campaign header: who, to whom, when, how to sign, how far along."""

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from signatures.models import Signature

PAGE = "/p/vsa-jo-2024/"
SIGN = "/p/vsa-jo-2024/sign/"


def text_of(response):
    return plain(response.content.decode())


def plain(markup):
    """The text a reader sees; narrow no-break spaces stay as they are."""
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", markup)))


def approve(petition, parties, people):
    created = [Signature.objects.create(
        petition=petition, civility="F", first_name=f"P{n}", last_name=f"N{n}",
        email=f"p{n}@mairie.fr", mandate=mandate, locality="Brest", departement=dep,
        party=parties["PS"], consented_at=timezone.now())
        for n, (mandate, dep) in enumerate(people)]
    rows = Signature.objects.filter(pk__in=[s.pk for s in created])
    rows.move("confirm_email")
    rows.move("approve")


def test_the_header_says_who_to_whom_when_and_how_to_sign(client, petition):
    response = client.get(PAGE)
    page = response.content.decode()
    header = page.split('<header class="campaign">')[1].split("</header>")[0]
    assert "<h1>Non à la VSA\u202f: pétition des élu·es</h1>" in header
    text = plain(header)
    assert "Organisée par Technopolice" in text
    assert "Adressée à Le Parlement (Assemblée nationale et Sénat)" in text
    assert f"Lancée le {petition.opens_at.day} " in text
    assert "Date limite aucune" in text
    assert "ouverte aux signatures" in text
    # The campaign box, then a sign button well before the text.
    assert "Remplissez le formulaire de ce site\u202f: nous envoyons" in text
    assert 'href="mailto:petition@technopolice.fr"' in header
    assert f'<a class="button" href="{SIGN}">Signer la pétition</a>' in header
    # The text keeps its own title, typo included.
    article = page.split("<article")[1].split("</article>")[0]
    assert "l&#x27;article de 7 de la loi Jeux olympiques 2024" in article


def test_the_display_title_is_editable_and_defaults_to_the_texts(
        client, petition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        petition.display_title_fr = ""
        petition.save()
    assert "<h1>Pétition des élu-es français.es contre" in client.get(PAGE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        petition.display_title_fr = "Un titre court"
        petition.save()
    page = client.get(PAGE).content.decode()
    assert "<h1>Un titre court</h1>" in page
    assert "<title>Un titre court</title>" in page


def test_english_readers_get_the_english_campaign_fields(client, petition):
    text = text_of(client.get("/en" + PAGE))
    assert "Officials against algorithmic surveillance" in text
    assert "Addressed to: Parliament (National Assembly and Senate)" not in text  # colon is CSS
    assert "Addressed to Parliament (National Assembly and Senate)" in text
    assert "Fill in this site's form: we email" in text


def test_the_goal_shows_a_progress_bar_and_the_summary_counts_right(client, petition, parties):
    petition.goal = 10
    petition.save()
    approve(petition, parties, [("mayor", "29"), ("mayor", "56"), ("senator", "29"),
                                ("deputy", "75"), ("municipal_councillor", "35")])
    page = client.get(PAGE).content.decode()
    assert '<progress id="goal-progress" class="progress" max="100" value="50">' in page
    assert "Objectif\u202f: 10 signatures" in page
    assert '<p class="summary">2 maires, 2 parlementaires, 4 départements</p>' in page


def test_the_summary_uses_the_singular_for_one(client, petition, parties):
    approve(petition, parties, [("mayor", "29")])
    page = client.get(PAGE).content.decode()
    assert '<p class="summary">1 maire, 1 département</p>' in page
    english = client.get("/en" + PAGE).content.decode()
    assert '<p class="summary">1 mayor, 1 département</p>' in english


def test_a_closed_petition_refuses_signatures_with_a_clear_page(client, petition, signature_data):
    petition.closes_at = timezone.now() - timedelta(days=1)
    petition.save()
    text = text_of(client.get(PAGE))
    assert "close" in text.split("État")[1][:20]
    assert "Signer la pétition" not in text
    response = client.post(SIGN, signature_data)
    assert response.status_code == 403
    assert not Signature.objects.exists()
    assert "<h1>Cette pétition est close</h1>" in response.content.decode()
    assert "Aucune nouvelle signature ne peut être enregistrée." in text_of(response)
    assert "<h1>Cette pétition est close</h1>" in client.get(SIGN).content.decode()


def test_a_petition_not_yet_open_says_when_it_opens(client, petition):
    petition.opens_at = timezone.now() + timedelta(days=3)
    petition.save()
    response = client.get(SIGN)
    assert "<h1>Cette pétition n’est pas encore ouverte</h1>" in response.content.decode()
    assert "pas encore ouverte" in text_of(client.get(PAGE))


@pytest.mark.parametrize("path", ["/", PAGE])
def test_both_addresses_name_the_same_canonical_page(client, petition, path, settings):
    page = client.get(path).content.decode()
    # From SITE_URL, never the request's Host: the page is cached for every host.
    assert f'<link rel="canonical" href="{settings.SITE_URL}/p/vsa-jo-2024/">' in page


def test_there_is_a_favicon(client, petition):
    page = client.get(PAGE).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == icon
    assert client.get(icon).status_code in (200, 304) or icon.endswith(".svg")
