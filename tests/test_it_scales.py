"""Public pages cost the same number of queries at 5 signatories and at 200.

A page whose queries grow with the number of signatures (a query per row, a
count per filter) falls over at 600,000. Each page is read cold, as the first
reader after a restart would: the cache (figures and whole pages) is emptied
before each request.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from petition.web import pagecache
from signatures.folding import fold
from signatures.models import Signature

LIST = "/p/vsa-jo-2024/signatories/"
MANDATES = ["municipal_councillor", "mayor", "senator", "deputy_mayor"]
PLACES = [("Quimper", "29"), ("Brest", "29"), ("Lyon", "69"), ("Évry", "91")]


def add_approved(petition, parties, count, start=0):
    party_list = [parties[name] for name in ("PS", "LR", "EELV", "LFI")]
    now = timezone.now()
    rows = []
    for n in range(start, start + count):
        first, last = "Anne", f"Martin{n:04d}"
        locality, departement = PLACES[n % len(PLACES)]
        email = f"signer{n}@mairie-{departement}.fr"
        rows.append(Signature(
            petition=petition, state=Signature.State.APPROVED, civility="FM"[n % 2],
            first_name=first, last_name=last, name_key=fold(f"{last} {first}"),
            search_key=fold(f"{first} {last} {locality}"), email=email,
            email_normalised=email, email_domain=email.rpartition("@")[2],
            mandate=MANDATES[n % len(MANDATES)], locality=locality, departement=departement,
            party=party_list[n % len(party_list)], consented_at=now,
            email_confirmed_at=now, approved_at=now, decided_at=now))
    Signature.objects.bulk_create(rows)


def pages(petition):
    """Every public page, with a keyset page from near the top of the list in each sort.

    Each anchor is the third row in its own ordering, so a full page always follows
    it. The date ordering's anchor lands anywhere in the name ordering (public_id
    is random): when it was the last name, the page after it was empty and the view
    checked that the row is still listed (one query more), so CI failed about one
    run in a hundred.
    """
    approved = Signature.objects.approved()
    middle = approved.order_by("-approved_at", "-public_id").values_list(
        "public_id", flat=True)[2]
    middle_by_name = approved.order_by("name_key", "public_id").values_list(
        "public_id", flat=True)[2]
    paths = [
        "/", "/p/vsa-jo-2024/", "/en/p/vsa-jo-2024/",
        LIST, f"{LIST}?sort=name", f"{LIST}?departement=29&mandate=senator",
        f"{LIST}?region=Bretagne", f"{LIST}?party={Signature.objects.first().party_id}",
        f"{LIST}?q=martin", f"{LIST}?after={middle}", f"{LIST}?sort=name&after={middle_by_name}",
        "/p/vsa-jo-2024/count.json", "/p/vsa-jo-2024/widget/",
        "/p/vsa-jo-2024/signataires.csv", "/p/vsa-jo-2024/signataires.json",
    ]
    # Named without the ids, which differ between the two runs.
    return {path.replace(str(middle), "<id>").replace(str(middle_by_name), "<id>"): path
            for path in paths}


def queries_per_page(client, petition):
    counts = {}
    for name, path in pages(petition).items():
        cache.clear()  # a cold reader: no figures, no cached page
        pagecache.forget_local()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
            assert response.status_code == 200, path
            if response.streaming:
                next(iter(response.streaming_content))  # the export's first block
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_no_public_page_makes_more_queries_with_more_signatures(client, petition, parties):
    # 5 signatures: one page; a filter's count is then the page itself (one query less).
    add_approved(petition, parties, 5)
    few = queries_per_page(client, petition)
    assert few[f"{LIST}?q=martin"] < few[LIST] + 2
    # From more than a page for each filter (120: 60 in Bretagne) to 200: no page may
    # make one more query.
    add_approved(petition, parties, 115, start=5)
    some = queries_per_page(client, petition)
    add_approved(petition, parties, 80, start=120)
    many = queries_per_page(client, petition)
    grown = {path: (some[path], many[path]) for path in some if many[path] != some[path]}
    assert not grown, f"queries at 120 and at 200 signatures: {grown}"
    # And few of them: nothing is counted row by row.
    assert max(many.values()) <= 12, many


@pytest.mark.django_db
def test_a_deep_keyset_page_is_bounded_by_its_anchor_not_an_offset(
        client, petition, parties):
    add_approved(petition, parties, 120)
    ordered = list(Signature.objects.approved().order_by("-approved_at", "-public_id")
                   .values_list("public_id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"after": ordered[99]})
    assert [s.public_id for s in response.context["signatures"]] == ordered[100:]
    listing = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT 51" in q["sql"]]
    assert listing and all("OFFSET" not in sql for sql in listing)
    # The first column's inclusive bound is what lets PostgreSQL start the index scan there.
    assert '"approved_at" <=' in listing[0]


def test_a_signing_post_is_one_commit_of_a_few_statements(transactional_db, client, petition,
                                                          signature_data):
    # The first POST of a process reads the petition, the parties and the domain's rules,
    # then keeps them by version; every later one writes and commits, nothing more.
    client.post("/p/vsa-jo-2024/sign/", signature_data)
    client.cookies.clear()  # a new visitor, without a session
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/p/vsa-jo-2024/sign/",
                               {**signature_data, "email": "autre@mairie-exemple.fr"})
    assert response.status_code == 302
    statements = [q["sql"].split(" ", 3)[:3] for q in queries]
    assert statements == [["BEGIN"], ["INSERT", "INTO", '"signatures_signature"'],
                          ["INSERT", "INTO", '"verification_emailchallenge"'],
                          ["INSERT", "INTO", '"django_session"'], ["COMMIT"]], statements
