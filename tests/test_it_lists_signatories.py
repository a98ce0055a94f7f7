import re

import pytest
from django.utils import timezone

from signatures.models import Signature

LIST = "/p/vsa-jo-2024/signatories/"


@pytest.fixture
def listed(petition, parties):
    people = [
        ("Hélène", "Le Goff", "senator", "Quimper", "29", "PS", "F"),
        ("Yann", "Kerjean", "senator", "Brest", "29", "LFI", "M"),
        ("Anne", "Martin", "mayor", "Brest", "29", "PS", "F"),
        ("Paul", "Durand", "senator", "Lyon", "69", "LR", "M"),
        ("Zoé", "Émery", "municipal_councillor", "Évry", "91", "EELV", "F"),
    ]
    signatures = []
    for n, (first, last, mandate, locality, dep, party, civility) in enumerate(people):
        signature = Signature.objects.create(
            petition=petition, civility=civility, first_name=first, last_name=last,
            email=f"p{n}@mairie.fr", mandate=mandate, locality=locality, departement=dep,
            party=parties[party], consented_at=timezone.now())
        signatures.append(signature)
    Signature.objects.filter(pk__in=[s.pk for s in signatures]).move("confirm_email")
    Signature.objects.filter(pk__in=[s.pk for s in signatures]).move("approve")
    Signature.objects.create(
        petition=petition, civility="M", first_name="Pending", last_name="Person",
        email="pending@mairie.fr", mandate="senator", locality="Brest", departement="29",
        party=parties["PS"], consented_at=timezone.now())
    return signatures


def names(response):
    return [s.last_name for s in response.context["signatures"]]


def test_senators_of_finistere(client, listed):
    response = client.get(LIST, {"mandate": "senator", "departement": "29"})
    assert sorted(names(response)) == ["Kerjean", "Le Goff"]
    page = response.content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    assert "Hélène Le Goff, sénatrice de Quimper (29) — Parti socialiste" in text
    assert "Pending" not in page


def test_search_ignores_accents_and_case(client, listed):
    assert names(client.get(LIST, {"q": "emery"})) == ["Émery"]
    assert names(client.get(LIST, {"q": "EVRY"})) == ["Émery"]
    assert names(client.get(LIST, {"q": "le goff"})) == ["Le Goff"]


def test_filter_by_region_and_party(client, listed, parties):
    assert sorted(names(client.get(LIST, {"region": "Bretagne"}))) == [
        "Kerjean", "Le Goff", "Martin"]
    assert sorted(names(client.get(LIST, {"party": parties["PS"].pk}))) == ["Le Goff", "Martin"]


def pages_by_name(client, query):
    """The five listed by name, two a page: forward to the last page, then one back."""
    first = client.get(LIST, query)
    assert names(first) == ["Durand", "Émery"]
    second = client.get(LIST + "?" + first.context["next_query"])
    assert names(second) == ["Kerjean", "Le Goff"]
    third = client.get(LIST + "?" + second.context["next_query"])
    assert names(third) == ["Martin"] and third.context["next_query"] is None
    back = client.get(LIST + "?" + third.context["previous_query"])
    assert names(back) == ["Kerjean", "Le Goff"]
    return first, third, back


def test_sort_by_name_and_keyset_pages_are_stable(client, listed, monkeypatch):
    from signatures import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first, third, back = pages_by_name(client, {"sort": "name"})
    assert "montrant 5 à 5 sur 5" in text(third)
    assert "montrant 3 à 4 sur 5" in text(back)
    start = client.get(LIST + "?" + back.context["previous_query"])
    assert names(start) == ["Durand", "Émery"] and start.context["previous_query"] is None
    assert "montrant 1 à 2 sur 5" in text(start)


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


def test_filtering_shows_the_number_of_results_not_the_total(client, listed):
    page = text(client.get(LIST, {"mandate": "senator"}))
    assert "3 signataires correspondent à ces filtres — montrant 1 à 3 sur 3" in page
    one = text(client.get(LIST, {"mandate": "mayor"}))
    assert "1 signataire correspond à ces filtres" in one
    assert "correspond" not in text(client.get(LIST))
    assert "montrant 1 à 5 sur 5" in text(client.get(LIST))


def test_the_party_filter_does_not_offer_refused_parties(client, listed, parties):
    page = client.get(LIST).content.decode()
    party_select = page.split('name="party"')[1].split("</select>")[0]
    options = re.findall(r'<option value="(\d+)"', party_select)
    assert str(parties["PS"].pk) in options
    assert str(parties["RN"].pk) not in options
    assert parties["RN"].refused


def test_bad_filter_values_are_ignored_not_a_500(client, listed):
    for params in ({"mandate": "emperor"}, {"departement": "<script>"}, {"party": "x"},
                   {"region": "Atlantis"}, {"after": "99999999999999999999"},
                   {"q": "x" * 10_000}, {"sort": "email"}, {"after": "¹"}, {"before": "¹"},
                   {"start": "¹"}, {"start": "99999999999"}, {"before": "1", "start": "3"}):
        response = client.get(LIST, params)
        assert response.status_code == 200
        assert "<script>" not in response.content.decode()


def test_many_matches_are_counted_up_to_a_bound_and_still_paged(client, listed, monkeypatch):
    """Counting every match would walk them all: past the bound the page says so."""
    from signatures import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "COUNTED_UP_TO", 3)
    region = {"region": "Bretagne"}  # 3 matches: counted
    assert "3 signataires correspondent à ces filtres" in text(client.get(LIST, region))
    first, third, back = pages_by_name(client, {"q": "r", "sort": "name"})  # 5: more than 3
    assert "Plus de 3 signataires correspondent à ces filtres — montrant 1 à 2" in text(first)
    assert "montrant 5 à 5" in text(third) and back.context["next_query"]
    english = text(client.get("/en" + LIST, {"q": "r"}))
    assert "More than 3 signatories match these filters — showing 1 to 2" in english
    # One mandate or one département: the figures know the exact count, nothing is counted.
    monkeypatch.setattr(views, "COUNTED_UP_TO", 1)
    assert "3 signataires correspondent à ces filtres" in text(
        client.get(LIST, {"mandate": "senator"}))
    assert "3 signataires correspondent à ces filtres" in text(
        client.get(LIST, {"departement": "29"}))


def test_counts_map_and_table_agree(client, listed):
    page = client.get(LIST).content.decode()
    rows = re.findall(r'<a href="\?departement=(\w+)">[^<]+</a></th><td>(\d+)</td>', page)
    assert rows == [("29", "3"), ("69", "1"), ("91", "1")]
    assert '<a href="?departement=29">Finistère (29)</a></th><td>3</td>' in page
    assert "Finistère (29)\u202f: 3 signatures" in page  # the map's title for that département
    assert 'href="/p/vsa-jo-2024/signatories/?departement=29"' in page
    assert '<th scope="row">sénateur·rice</th><td>3</td>' in page


def test_the_map_and_figures_follow_a_decision_on_every_page(
        client, listed, moderator, django_capture_on_commit_callbacks):
    """The figures' section is rendered once per version of the figures, then reused."""
    for path in (LIST, LIST + "?mandate=senator", LIST + "?q=martin"):
        assert "Finistère (29)\u202f: 3 signatures" in client.get(path).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the figures move on commit
        listed[0].return_to_review(moderator)
    for path in (LIST, LIST + "?mandate=senator", LIST + "?q=martin&sort=name"):
        page = client.get(path).content.decode()
        assert "Finistère (29)\u202f: 2 signatures" in page
        assert '<a href="?departement=29">Finistère (29)</a></th><td>2</td>' in page
        assert '<th scope="row">sénateur·rice</th><td>2</td>' in page
    english = client.get("/en" + LIST).content.decode()
    assert "Finistère (29): 2 signatures" in english
    assert 'href="/en/p/vsa-jo-2024/signatories/?departement=29"' in english


def test_public_pages_run_a_bounded_number_of_queries(client, listed,
                                                      django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get(LIST, {"mandate": "senator"})
    with django_assert_max_num_queries(8):
        client.get("/p/vsa-jo-2024/")


def test_a_page_after_a_row_no_longer_listed_starts_from_the_first(client, listed):
    """A link kept from before a withdrawal, or a made-up cursor, lists from the top."""
    first_page = names(client.get(LIST))
    pending = Signature.objects.get(last_name="Person")
    for cursor in (pending.public_id, 12345):
        assert names(client.get(LIST, {"after": cursor})) == first_page
        assert names(client.get(LIST, {"before": cursor})) == first_page


def test_titles_and_filters_read_in_the_language_of_each_page(client, listed):
    """Titles and the filters' <select>s are kept per process once made: a page in one
    language never shows another's, whichever was asked for first."""
    for _ in range(2):
        french = re.sub(r"<[^>]+>", "", client.get(LIST, {"departement": "29"}).content.decode())
        english = client.get("/en" + LIST, {"departement": "29"}).content.decode()
        assert "Anne Martin, maire de Brest (29)" in french
        assert "Anne Martin, mayor, Brest (29)" in re.sub(r"<[^>]+>", "", english)
        assert ">All mandates</option>" in english and "All mandates" not in french
        assert '<option value="29" selected>29 – Finistère</option>' in english
    other = client.get(LIST, {"departement": "69"}).content.decode()
    assert '<option value="69" selected>' in other and '<option value="29" selected>' not in other
