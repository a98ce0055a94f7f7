"""A crowd reads public pages from the shared cache; forms are never stored anywhere;
the counts are kept up to date by moderation, never recounted by a reader."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from petition.web import pagecache
from signatures import figures
from signatures.models import Signature

PAGE = "/p/vsa-jo-2024/"
LIST = "/p/vsa-jo-2024/signatories/"
COUNT = "/p/vsa-jo-2024/count.json"


def signature(petition, party, n, state="email_confirmed"):
    return Signature.objects.create(
        petition=petition, civility="F", first_name="Anne", last_name=f"Cachée{n}",
        email=f"a{n}@mairie-lyon.fr", mandate="mayor", locality="Lyon", departement="69",
        party=party, consented_at=timezone.now(), state=state,
        email_confirmed_at=timezone.now())


@pytest.mark.django_db
def test_the_second_reader_gets_the_same_page_from_the_cache(client, petition):
    first = client.get(PAGE)
    assert first["X-Page-Cache"] == "miss"  # rendered, and kept for the next reader
    with CaptureQueriesContext(connection) as queries:
        second = client.get(PAGE)
    assert second["X-Page-Cache"] == "hit" and len(queries) == 0
    assert second.content == first.content
    for header in ("Content-Security-Policy", "Cache-Control", "X-Frame-Options",
                   "Content-Language"):
        assert second[header] == first[header]
    assert second["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"


@pytest.mark.django_db
def test_searches_and_deep_pages_are_kept_only_a_few_seconds(client, petition, parties):
    for path in (f"{LIST}?q=lyon", f"{LIST}?after=1"):
        client.get(path)
        assert client.get(path)["X-Page-Cache"] == "hit"  # the crowd's "next page" link
    cache.clear()
    client.get(f"{LIST}?q=paris")
    redis = cache._cache.get_client(write=False)
    ttls = [redis.ttl(key) for key in redis.scan_iter("*page:*")]
    assert ttls and all(0 < ttl <= 10 for ttl in ttls)  # a full page stays 60 s


@pytest.mark.django_db
def test_visitors_with_a_session_are_not_served_from_it(client, petition, parties):
    client.get(PAGE)
    client.cookies["sessionid"] = "a-visitor-who-signed"
    assert "X-Page-Cache" not in client.get(PAGE)


@pytest.mark.django_db
def test_forms_are_never_stored_nor_shared(client, petition, signature_data):
    for _ in range(2):
        response = client.get("/p/vsa-jo-2024/sign/")
        assert "X-Page-Cache" not in response
        assert response["Cache-Control"] == "no-store"
    response = client.post("/p/vsa-jo-2024/sign/", signature_data, follow=True)
    assert response.redirect_chain and response["Cache-Control"] == "no-store"  # check inbox


@pytest.mark.django_db(transaction=True)
def test_a_moderator_decision_shows_at_once_without_a_recount(
        client, petition, parties, moderator):
    signature(petition, parties["PS"], 1, state="approved")
    assert client.get(COUNT).json()["total"] == 1
    client.get(PAGE)
    pending = signature(petition, parties["LR"], 2)
    with CaptureQueriesContext(connection) as queries:
        pending.approve(moderator)
    # The figures were adjusted from the moved row: no count over the table.
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
    counts = client.get(COUNT).json()
    assert counts["total"] == 2 and counts["by_party"]["Les Républicains"] == 1
    assert "Cachée2" in client.get(PAGE).content.decode()
    Signature.objects.get(pk=pending.pk).withdraw()
    assert client.get(COUNT).json()["total"] == 1
    assert "Cachée2" not in client.get(PAGE).content.decode()


@pytest.mark.django_db
def test_a_renamed_party_shows_at_once_on_every_page(client, petition, parties,
                                                    django_capture_on_commit_callbacks):
    signature(petition, parties["LR"], 1, state="approved")
    assert "Les Républicains" in client.get(LIST).content.decode()
    assert client.get(LIST)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        parties["LR"].name = "Républicains renommés"
        parties["LR"].save()
    page = client.get(LIST).content.decode()
    # In the row, in the party filter's options (which each process keeps) and in
    # the figures by party (counted by name: recounted).
    assert page.count("Républicains renommés") == 3 and "Les Républicains" not in page


@pytest.mark.django_db
def test_an_edited_petition_shows_at_once(client, petition, django_capture_on_commit_callbacks):
    assert "Nouveau titre" not in client.get(PAGE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        petition.title_fr = petition.display_title_fr = "Nouveau titre"
        petition.save()
    assert "Nouveau titre" in client.get(PAGE).content.decode()
    assert "Nouveau titre" in client.get(LIST).content.decode()


@pytest.mark.django_db
def test_after_redis_lost_everything_no_copy_kept_by_a_process_comes_back(petition, parties):
    """Each process keeps what the pages show under the pages' version: a restarted
    Redis must not hand out a version number that a process has kept copies under."""
    pagecache.bump()
    signature(petition, parties["PS"], 1, state="approved")
    assert figures.approved_count(petition) == 1  # kept by this process
    cache.clear()  # Redis restarted: no figures, no version
    pagecache.forget_local()
    signature(petition, parties["PS"], 2, state="approved")  # while it was away
    pagecache.bump()  # the first change after the restart
    assert figures.approved_count(petition) == 2


@pytest.mark.django_db
def test_the_nightly_repair_mends_drifted_figures(petition, parties):
    signature(petition, parties["PS"], 1, state="approved")
    assert figures.approved_count(petition) == 1
    # Drifted (an edit in SQL, a lost lock), then the pages' version moved on, as
    # it does after every change: a reader trusts the aggregate.
    cache.set(f"public-figures:{petition.pk}",
              {"by_mandate": {"mayor": 7}, "by_party": {}, "by_departement": {}}, None)
    pagecache.bump()
    assert figures.approved_count(petition) == 7
    assert figures.repair([petition.pk]) == 1
    assert figures.approved_count(petition) == 1
    assert figures.repair([petition.pk]) == 0


def test_a_crowd_arriving_on_an_expired_page_renders_it_once(transactional_db, petition):
    import threading

    from django.db import connections
    from django.test import Client

    crowd = 16
    barrier = threading.Barrier(crowd)
    answers = []

    def reader():
        barrier.wait()
        try:
            answers.append(Client().get(PAGE)["X-Page-Cache"])
        finally:
            connections.close_all()

    cache.clear()  # the page has just expired, or a decision bumped the version
    # With the version gone too, this process must not go on with the one it read
    # less than a second ago for some threads and read the new one for the others:
    # under load, the second boundary fell inside the crowd (two renders, one each).
    pagecache.forget_local()
    threads = [threading.Thread(target=reader) for _ in range(crowd)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(answers) == ["hit"] * (crowd - 1) + ["miss"]


@pytest.mark.django_db
def test_a_page_stored_just_before_its_lock_is_taken_is_not_rendered_again(
        client, petition, monkeypatch):
    # The crowd test's rare interleaving, made certain: this request misses the page,
    # then the one rendering it stores it and lets go of its lock, then this request
    # takes the lock (1 crowd in 14 rendered twice before the second read).
    first = client.get(PAGE)
    assert first["X-Page-Cache"] == "miss"
    pagecache.forget_recent_pages()
    real_get = cache.get
    missed = []

    def get_as_the_renderer_stores_it(key, *args, **kwargs):
        if key.startswith("page:") and not missed:
            missed.append(key)
            return None  # read a moment before the other request stored it
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", get_as_the_renderer_stores_it)
    second = client.get(PAGE)
    assert missed, "the page was looked up"
    assert second["X-Page-Cache"] == "hit" and second.content == first.content
    monkeypatch.undo()
    assert cache.get(f"{missed[0]}:rendering") is None  # the lock was let go
