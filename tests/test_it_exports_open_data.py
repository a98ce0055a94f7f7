import csv
import gc
import io
import json
import re
import tracemalloc
from datetime import timedelta

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from petition.models import Petition
from signatures.exports import FIELDS, LICENCE_NAME
from signatures.models import Signature

LICENCE_LINK = '<https://www.etalab.gouv.fr/licence-ouverte-open-licence/>; rel="license"'


def make_signature(petition, party, n=0, state="email_confirmed", **fields):
    values = dict(petition=petition, civility="F", first_name="Anne", last_name=f"Test{n}",
                  email=f"secret.anne{n}@courriel-prive.example", mandate="mayor",
                  locality="Lyon", departement="69", party=party, consented_at=timezone.now())
    values.update(fields)
    signature = Signature.objects.create(**values)
    if state != "pending_email":
        Signature.objects.filter(pk=signature.pk).update(
            state=state, email_confirmed_at=timezone.now())
        signature.refresh_from_db()
    return signature


@pytest.fixture
def signatures(petition, parties, moderator):
    """Two approved, and one in each state that must never be published."""
    first = make_signature(petition, parties["PS"], 1, first_name="Zoé", last_name="Martin",
                           mandate="municipal_councillor", locality="Paris", departement="75",
                           locality_code="75056")
    first.approve(moderator, note="note interne de modération")
    second = make_signature(petition, parties["EELV"], 2, civility="M", first_name="Jean",
                            last_name="Durand", mandate="senator", locality="Nantes",
                            departement="44")
    second.approve(moderator)
    make_signature(petition, parties["PS"], 3, state="pending_email", last_name="Pending")
    make_signature(petition, parties["PS"], 4, last_name="Confirmed")
    rejected = make_signature(petition, parties["PS"], 5, last_name="Rejected")
    rejected.reject(moderator)
    withdrawn = make_signature(petition, parties["PS"], 6, last_name="Withdrawn")
    withdrawn.approve(moderator)
    withdrawn.withdraw()
    return [first, second]


def csv_rows(response, delimiter=","):
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


def json_body(response):
    return json.loads(b"".join(response.streaming_content))


def everything_public(client, petition):
    """The bytes of every export, in both languages."""
    bodies = []
    for prefix in ("", "/en"):
        base = f"{prefix}/p/{petition.slug}"
        for path in ("/signataires.csv", "/signataires.csv?excel=1", "/signataires.json"):
            bodies.append(b"".join(client.get(base + path).streaming_content))
        for path in ("/count.json", "/widget/"):
            bodies.append(client.get(base + path).content)
    return b"\n".join(bodies).decode("utf-8")


def test_the_csv_lists_approved_signatories_only_in_order_of_approval(client, petition,
                                                                      signatures):
    response = client.get(f"/p/{petition.slug}/signataires.csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="signataires-{petition.slug}.csv"')
    assert response["Cache-Control"] == "public, max-age=300, stale-while-revalidate=300"
    assert response["Link"] == LICENCE_LINK
    header, *rows = csv_rows(response)
    assert header == list(FIELDS)
    assert [dict(zip(header, row, strict=True)) for row in rows] == [
        {"first_name": "Zoé", "last_name": "Martin",
         "title": "conseillère municipale de Paris (75)", "mandate": "municipal_councillor",
         "mandate_label": "conseiller·e municipal·e", "locality": "Paris",
         "insee_code": "75056", "departement": "75",
         "departement_name": "Paris", "party": signatures[0].party.name,
         "approved_at": signatures[0].approved_at.isoformat(timespec="seconds")},
        {"first_name": "Jean", "last_name": "Durand", "title": "sénateur de Nantes (44)",
         "mandate": "senator", "mandate_label": "sénateur·rice", "locality": "Nantes",
         "insee_code": "", "departement": "44", "departement_name": "Loire-Atlantique",
         "party": signatures[1].party.name,
         "approved_at": signatures[1].approved_at.isoformat(timespec="seconds")},
    ]


def test_approving_through_the_queryset_publishes_too(client, petition, parties):
    pending = [make_signature(petition, parties["PS"], n) for n in range(3)]
    Signature.objects.filter(pk__in=[pending[0].pk, pending[2].pk]).move("approve")
    names = [row[1] for row in csv_rows(client.get(f"/p/{petition.slug}/signataires.csv"))[1:]]
    assert sorted(names) == ["Test0", "Test2"]


def test_english_readers_get_english_titles(client, petition, signatures):
    rows = csv_rows(client.get(f"/en/p/{petition.slug}/signataires.csv"))
    assert rows[2][2:5] == ["senator, Nantes (44)", "senator", "senator"]


def test_no_email_address_nor_moderation_data_leaves_the_site(client, petition, signatures):
    published = everything_public(client, petition)
    assert "courriel-prive" not in published
    assert "secret.anne" not in published
    assert "@" not in published
    assert "note interne" not in published
    for hidden in ("Pending", "Confirmed", "Rejected", "Withdrawn"):
        assert hidden not in published


@pytest.mark.parametrize("last_name", [
    '=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "\rReturn",
])
def test_formulas_are_neutralised_in_the_csv(client, petition, parties, moderator, last_name):
    make_signature(petition, parties["PS"], 1, last_name=last_name,
                   locality="=cmd|' /C calc'!A0").approve(moderator)
    for query in ("", "?excel=1"):
        row = csv_rows(client.get(f"/p/{petition.slug}/signataires.csv{query}"),
                       ";" if query else ",")[1]
        assert row[1] == "'" + last_name
        assert row[5] == "'=cmd|' /C calc'!A0"
    # The JSON is data, not a spreadsheet: it keeps the name as given.
    record = json_body(client.get(f"/p/{petition.slug}/signataires.json"))["signatories"][0]
    assert record["last_name"] == last_name


def test_the_excel_variant_has_a_bom_and_semicolons(client, petition, signatures):
    response = client.get(f"/p/{petition.slug}/signataires.csv?excel=1")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf" + b"first_name;last_name;title;")
    assert response["Content-Disposition"] == (
        f'attachment; filename="signataires-{petition.slug}.csv"')
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert [row[1] for row in rows] == ["last_name", "Martin", "Durand"]
    plain = b"".join(client.get(f"/p/{petition.slug}/signataires.csv").streaming_content)
    assert plain.startswith(b"first_name,last_name,")


def test_the_json_parses_and_matches_the_count(client, petition, signatures):
    response = client.get(f"/p/{petition.slug}/signataires.json")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300, stale-while-revalidate=300"
    assert response["Link"] == LICENCE_LINK
    data = json_body(response)
    assert data["licence"] == LICENCE_NAME == "Licence Ouverte / Open Licence 2.0 (Etalab)"
    assert data["petition"]["slug"] == petition.slug
    assert data["petition"]["url"].endswith(f"/p/{petition.slug}/")
    assert abs(timezone.datetime.fromisoformat(data["generated_at"]) - timezone.now()) < (
        timedelta(minutes=1))
    assert [set(record) for record in data["signatories"]] == [set(FIELDS)] * 2
    assert [record["last_name"] for record in data["signatories"]] == ["Martin", "Durand"]
    counts = json.loads(client.get(f"/p/{petition.slug}/count.json").content)
    assert counts["total"] == len(data["signatories"]) == 2


def test_an_empty_list_is_still_valid(client, petition):
    assert json_body(client.get(f"/p/{petition.slug}/signataires.json"))["signatories"] == []
    assert csv_rows(client.get(f"/p/{petition.slug}/signataires.csv")) == [list(FIELDS)]


def test_count_json_counts_by_mandate_and_party_for_any_site(client, petition, parties,
                                                             moderator,
                                                             django_assert_max_num_queries):
    for n, (mandate, party) in enumerate([("mayor", "PS"), ("mayor", "EELV"),
                                          ("senator", "PS"), ("deputy", "PS")]):
        make_signature(petition, parties[party], n, mandate=mandate).approve(moderator)
    make_signature(petition, parties["PS"], 10, mandate="mep")  # not approved
    make_signature(petition, parties["PS"], 11, mandate="mayor", state="pending_email")
    with django_assert_max_num_queries(3):
        response = client.get(f"/p/{petition.slug}/count.json")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "total": 4,
        "by_mandate": {"mayor": 2, "senator": 1, "deputy": 1},
        "by_party": {parties["PS"].name: 3, parties["EELV"].name: 1},
    }
    # A spike costs one query per request: the counts are cached briefly.
    with django_assert_max_num_queries(1):
        assert json.loads(client.get(f"/p/{petition.slug}/count.json").content)["total"] == 4


def test_the_widget_may_be_framed_but_not_the_petition(client, petition, signatures,
                                                       django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(f"/p/{petition.slug}/widget/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "default-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    page = response.content.decode()
    assert page.startswith("<!doctype html>")
    assert '<html lang="fr">' in page
    assert re.search(r'<link rel="stylesheet" href="/static/css/site(\.\w+)?\.css">', page)
    assert "<strong>2</strong>" in page and "élu·es ont signé" in page
    assert (f'href="{petition.absolute_url()}" target="_blank" rel="noopener"') in page
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert '<html lang="en">' in client.get(f"/en/p/{petition.slug}/widget/").content.decode()

    detail = client.get(f"/p/{petition.slug}/")
    assert detail["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in detail["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["signataires.csv", "signataires.json", "count.json", "widget/"])
def test_unknown_and_unpublished_petitions_are_not_found(client, db, path):
    Petition.objects.create(slug="hidden", title_fr="Brouillon", body_fr="x", is_published=False)
    assert client.get(f"/p/missing/{path}").status_code == 404
    assert client.get(f"/p/hidden/{path}").status_code == 404


@pytest.mark.parametrize("path", ["signataires.csv", "signataires.json", "count.json", "widget/"])
def test_only_get_and_head(client, petition, path):
    assert client.post(f"/p/{petition.slug}/{path}").status_code == 405
    assert client.head(f"/p/{petition.slug}/{path}").status_code == 200


def test_head_does_not_run_the_export(rf, petition, signatures):
    from signatures.exports import signatories_csv, signatories_json

    for view in (signatories_csv, signatories_json):
        response = view(rf.head("/"), slug=petition.slug)
        assert response.status_code == 200
        assert response["Link"] == LICENCE_LINK
        assert list(response.streaming_content) == []
        assert list(view(rf.get("/"), slug=petition.slug).streaming_content) != []


def add_approved(petition, party, start, count, batch=10_000):
    """Approved rows straight into the table: bulk_create bypasses save()."""
    now = timezone.now()
    for offset in range(start, start + count, batch):
        Signature.objects.bulk_create([
            Signature(petition=petition, state="approved", civility="M", first_name="Paul",
                      last_name=f"Bulk{n}", name_key=f"paul bulk{n}",
                      email=f"bulk{n}@mairie.example", email_normalised=f"bulk{n}@mairie.example",
                      email_domain="mairie.example", mandate="municipal_councillor",
                      locality="Saint-Étienne", departement="42", party=party,
                      consented_at=now, email_confirmed_at=now,
                      approved_at=now + timedelta(microseconds=n), decided_at=now)
            for n in range(offset, min(offset + batch, start + count))
        ], batch_size=2000)


def export_peak(client, petition):
    """Rows and bytes streamed, and the peak memory allocated while streaming them."""
    response = client.get(f"/p/{petition.slug}/signataires.csv")
    assert isinstance(response, StreamingHttpResponse)
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        lines = size = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
            size += len(chunk)
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    return lines - 1, size, peak


def test_a_large_export_streams_in_flat_memory(client, petition, parties, capsys):
    add_approved(petition, parties["PS"], 0, 1_000)
    export_peak(client, petition)  # warm up: translations, reference data, query compilation
    add_approved(petition, parties["PS"], 1_000, 9_000)
    rows_10k, size_10k, peak_10k = export_peak(client, petition)
    add_approved(petition, parties["PS"], 10_000, 90_000)
    rows_100k, size_100k, peak_100k = export_peak(client, petition)
    with capsys.disabled():
        print(f"\nCSV export: {rows_10k} rows, {size_10k / 2**20:.1f} MiB streamed, "
              f"peak {peak_10k / 2**20:.2f} MiB; {rows_100k} rows, "
              f"{size_100k / 2**20:.1f} MiB streamed, peak {peak_100k / 2**20:.2f} MiB")
    assert (rows_10k, rows_100k) == (10_000, 100_000)
    assert peak_100k < 20 * 2**20
    assert peak_100k < size_100k / 2  # the whole file never sits in memory
    assert peak_100k / peak_10k < 2


def test_the_exports_honour_the_list_filters(client, petition, signatures, parties):
    base = f"/p/{petition.slug}"
    rows = csv_rows(client.get(base + "/signataires.csv?mandate=senator"))
    assert [row[1] for row in rows[1:]] == ["Durand"]
    rows = csv_rows(client.get(base + f"/signataires.csv?party={parties['PS'].pk}&excel=1"),
                    delimiter=";")
    assert [row[1] for row in rows[1:]] == ["Martin"]
    body = json_body(client.get(base + "/signataires.json?departement=75"))
    assert [record["insee_code"] for record in body["signatories"]] == ["75056"]
    # A filter that does not validate filters nothing out, as on the page.
    assert len(csv_rows(client.get(base + "/signataires.csv?departement=xx"))) == 3
    # The list page links to the export of what it shows.
    page = client.get(base + "/signatories/?mandate=senator").content.decode()
    assert 'href="/p/vsa-jo-2024/signataires.csv?mandate=senator"' in page
    assert 'href="/p/vsa-jo-2024/signataires.json?mandate=senator"' in page
