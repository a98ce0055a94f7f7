"""The CSV export is written by PostgreSQL (COPY … TO STDOUT), with the titles and
labels that Python works out once per combination (signatures/titles.py through
Signature.title). These tests hold it to what the Python writer, the pages and
the model say, on every mandate and civility."""

import csv
import io

import pytest
from django.utils import timezone, translation

from signatures.exports import FIELDS, _csv_lines, _public_rows
from signatures.models import Party, Signature
from signatures.parties import OTHER
from signatures.titles import Civility, Mandate

pytestmark = pytest.mark.django_db

PLACES = {  # a place each mandate is held in, as the form would take it
    Mandate.MUNICIPAL_COUNCILLOR: ("Le Havre", "76", "76351"),
    Mandate.MAYOR: ("Orléans", "45", "45234"),
    Mandate.DEPUTY_MAYOR: ("Les Lilas", "93", "93045"),
    Mandate.DISTRICT_COUNCILLOR: ("Paris 11e Arrondissement", "75", "75111"),
    Mandate.COMMUNITY_COUNCILLOR: ("Métropole de Lyon", "69", "200046977"),
    Mandate.DEPARTMENTAL_COUNCILLOR: ("Alpes-Maritimes", "06", "06"),
    Mandate.REGIONAL_COUNCILLOR: ("Île-de-France", "75", "11"),
    Mandate.TERRITORIAL_ASSEMBLY: ("Corse", "2A", "94"),
    Mandate.DEPUTY: ("Finistère", "29", "29"),
    Mandate.SENATOR: ("Gironde", "33", "33"),
    Mandate.MEP: ("", "", ""),
    Mandate.CONSULAR_COUNCILLOR: ("", "", ""),
    Mandate.OTHER: ("Brest", "29", "29019"),
}


@pytest.fixture
def everyone(petition, parties):
    """An approved signatory for every mandate and civility, one with an intercommunal
    EPCI, a deputy's constituency, a free-text party and a formula in every free field."""
    other = Party.objects.get(name=OTHER)
    rows = []
    for n, (mandate, (locality, departement, code)) in enumerate(PLACES.items()):
        for civility in Civility.values:
            rows.append(dict(
                civility=civility, mandate=mandate, locality=locality, departement=departement,
                locality_code=code, mandate_other="=chargée de mission" if mandate ==
                Mandate.OTHER else "", circonscription="3" if mandate == Mandate.DEPUTY else "",
                party=other if n % 2 else parties["PS"],
                party_detail="+Parti local" if n % 2 else "", first_name=f"@Anne{n}",
                last_name=f"-Martin{civility}"))
    rows.append(dict(rows[0], mandate=Mandate.COMMUNITY_COUNCILLOR,
                     locality="CC de l'Est Lyonnais (CCEL)", departement="69",
                     locality_code="246900740", first_name="Paul"))
    now = timezone.now()
    for n, values in enumerate(rows):
        Signature.objects.create(
            petition=petition, email=f"s{n}@mairie.fr", consented_at=now, **values)
    Signature.objects.update(state=Signature.State.APPROVED, approved_at=now,
                             email_confirmed_at=now)
    return Signature.objects.approved().select_related("party").order_by("approved_at", "id")


def read(text):
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.mark.parametrize("prefix,language", [("", "fr"), ("/en", "en")])
def test_postgresql_writes_what_python_writes_for_every_mandate_and_civility(
        client, petition, everyone, prefix, language):
    response = client.get(f"{prefix}/p/{petition.slug}/signataires.csv")
    written = read(b"".join(response.streaming_content).decode())
    with translation.override(language):
        in_python = read("".join(_csv_lines(_public_rows(petition, language), ",", False)))
        titles = [signature.title for signature in everyone]
        party_labels = [signature.party_label for signature in everyone]
    assert written == in_python
    assert written[0] == list(FIELDS)
    assert len(written) - 1 == everyone.count() == len(Mandate.values) * 3 + 1
    # The titles are titles.py's, as the model gives them (formulas defused).
    column = {name: [row[FIELDS.index(name)] for row in written[1:]] for name in FIELDS}
    defused = [("'" + t if t[:1] in "=+-@" else t) for t in titles]
    assert column["title"] == defused
    assert column["party"] == [("'" + p if p[:1] in "=+-@" else p) for p in party_labels]
    assert all(name.startswith("'@") for name in column["first_name"][:-1])  # not Paul's
    assert all(name.startswith("'-") for name in column["last_name"])
    assert any(title.startswith("'=chargée de mission") for title in column["title"])
    if language == "fr":
        assert "conseillère municipale du Havre (76)" in column["title"]
        assert "maire d'Orléans (45)" in column["title"]
        assert "conseiller métropolitain de la Métropole de Lyon (69)" in column["title"]
        assert "députée du Finistère (29, 3e circonscription)" in column["title"]


def test_the_excel_variant_is_the_same_with_semicolons(client, petition, everyone):
    body = b"".join(client.get(f"/p/{petition.slug}/signataires.csv?excel=1")
                    .streaming_content).decode()
    assert body.startswith("\ufeff")
    plain = b"".join(client.get(f"/p/{petition.slug}/signataires.csv")
                     .streaming_content).decode()
    assert list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";")) == read(
        plain)


def test_values_that_would_join_as_one_key_are_written_by_python(client, petition, parties):
    """The lookup key is the title's columns joined by U+001F: two combinations that a
    value holding it makes one key must not swap titles; Python writes that export."""
    now = timezone.now()
    for n, (other, locality) in enumerate([("x\x1fy", "z"), ("x", "y\x1fz")]):
        Signature.objects.create(
            petition=petition, email=f"k{n}@mairie.fr", consented_at=now, civility="F",
            mandate=Mandate.OTHER, mandate_other=other, locality=locality, departement="29",
            party=parties["PS"], first_name="Anne", last_name=f"Clé{n}")
    Signature.objects.update(state=Signature.State.APPROVED, approved_at=now)
    written = read(b"".join(client.get(f"/p/{petition.slug}/signataires.csv")
                            .streaming_content).decode())
    expected = [s.title for s in Signature.objects.approved().order_by("approved_at", "id")]
    assert [row[FIELDS.index("title")] for row in written[1:]] == expected
    assert expected[0].startswith("x\x1fy ") and expected[1].startswith("x d")


def test_each_language_gets_its_own_titles_one_export_after_another(client, petition, everyone):
    """Titles are cached per language: an English export between two French ones
    takes none of their forms, nor they its."""
    def titles(prefix):
        written = read(b"".join(client.get(f"{prefix}/p/{petition.slug}/signataires.csv")
                                .streaming_content).decode())
        return [row[FIELDS.index("title")] for row in written[1:]]

    french, english, french_again = titles(""), titles("/en"), titles("")
    assert french == french_again
    assert "conseillère municipale du Havre (76)" in french
    assert "conseiller municipal du Havre (76)" in french
    assert "municipal councillor, Le Havre (76)" in english
    assert not {"conseillère municipale du Havre (76)", "maire d'Orléans (45)"} & set(english)
