import re

import pytest

from petition.markdown import render_markdown
from petition.models import Petition


def test_the_site_root_shows_the_featured_petition(client, petition):
    page = client.get("/").content.decode()
    assert ('<p class="text-title">Pétition des élu-es français.es contre la vidéosurveillance '
            'algorithmique') in page
    slug_page = client.get(f"/p/{petition.slug}/").content.decode()
    assert page.split("<article")[1].split("</article>")[0] == (
        slug_page.split("<article")[1].split("</article>")[0])


def test_the_nine_notes_are_numbered_footnotes_with_working_links(client, petition):
    page = client.get(f"/p/{petition.slug}/").content.decode()
    notes = re.findall(r'<li id="fn(\d+)" class="footnote-item">(.*?)</li>', page, re.S)
    assert [number for number, _ in notes] == [str(n) for n in range(1, 10)]
    for _number, note in notes:
        assert re.search(r'<a href="https?://[^"\s]+"', note), note
    # Every note is referenced from the text.
    assert len(re.findall(r'<sup class="footnote-ref"><a href="#fn\d+"', page)) == 9


def test_the_page_breaks_of_the_pdf_are_mended(client, petition):
    page = client.get(f"/p/{petition.slug}/").content.decode()
    whole_url = ("https://cdn.nextinpact.com/data-next/file-uploads/"
                 "Principe-dinterdiction-du-recours-aux-traitements-automatisees-danalyse-dimage.pdf")
    assert f'href="{whole_url}"' in page
    assert "`" not in page
    assert "« classiques »" in page
    # The paragraph around note 1 is whole again.
    assert re.search(r"lancé par le ministère de l'Intérieur pour\s+Paris 2024 \(lequel", page)
    assert re.search(r"première commune française.*?à interdire\s+la VSA\. Elle a ainsi", page,
                     re.S)
    assert page.count("<strong>") >= 18


def test_english_readers_get_the_translation_marked_as_such(client, petition):
    page = client.get(f"/en/p/{petition.slug}/").content.decode()
    assert "Algorithmic video surveillance" in page or "algorithmic video surveillance" in page
    assert "This is a translation. The French text is authoritative." in page
    assert 'href="/p/vsa-jo-2024/"' in page  # the way back to the French text


def test_several_petitions_live_under_their_slugs(client, petition):
    Petition.objects.create(slug="autre", title_fr="Une autre pétition", body_fr="Texte.")
    assert "Une autre pétition" in client.get("/p/autre/").content.decode()
    assert client.get("/p/missing/").status_code == 404
    Petition.objects.create(slug="hidden", title_fr="Brouillon", body_fr="x", is_published=False)
    assert client.get("/p/hidden/").status_code == 404


@pytest.mark.parametrize("markdown, forbidden", [
    ("<script>alert(1)</script>", "<script"),
    ("[x](javascript:alert(1))", "<a href=\"javascript"),
    ('<a href="javascript:alert(1)">x</a>', "<a href=\"javascript"),
    ('<img src=x onerror="alert(1)">', "<img"),
])
def test_staff_markdown_cannot_inject_script(markdown, forbidden):
    assert forbidden not in render_markdown(markdown)


def test_the_page_asks_nothing_from_other_sites(client, petition):
    response = client.get(f"/p/{petition.slug}/")
    page = response.content.decode()
    # A canonical link names this page; it loads nothing.
    assert not re.search(r'<(script|img)[^>]+src="https?://', page)
    assert not re.search(r'<link(?![^>]*rel="canonical")[^>]+href="https?://', page)
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_petition_page_is_cacheable_and_the_form_page_is_not(client, petition):
    page = client.get("/p/vsa-jo-2024/")
    assert "public" in page["Cache-Control"] and "max-age=60" in page["Cache-Control"]
    assert "csrftoken" not in page.cookies
    assert "csrfmiddlewaretoken" not in page.content.decode()
    assert 'href="/p/vsa-jo-2024/sign/"' in page.content.decode()
    form = client.get("/p/vsa-jo-2024/sign/")
    assert "public" not in form.get("Cache-Control", "")
    assert "csrfmiddlewaretoken" in form.content.decode()
