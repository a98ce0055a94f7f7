"""The campaign imports a list of signatories it already holds: each row through the
signing form's checks, failed rows listed by line with nothing saved, no duplicate on re-import."""

import csv
import io
import string

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from signatures.intake.models import Evidence
from signatures.models import ModerationDecision, Signature
from verification.outbox.models import EmailChallenge

IMPORT = "/admin/signatures/signature/import/"
HEADER = ["civility", "first_name", "last_name", "email", "mandate", "locality", "departement",
          "party", "party_detail", "comment", "source", "note"]
PLACES = [("Quimper", "29"), ("Brest", "29"), ("Rennes", "35"), ("Nantes", "44")]


def letters(n: int) -> str:
    """A name made of letters only, different for each n (names take no digits)."""
    word = ""
    n += 26 * 26
    while n:
        n, rest = divmod(n, 26)
        word = string.ascii_lowercase[rest] + word
    return word.capitalize()


def good_row(n):
    locality, departement = PLACES[n % len(PLACES)]
    return {"civility": "FM"[n % 2], "first_name": "Élise" if n % 2 == 0 else "Jean",
            "last_name": f"Le {letters(n)}", "email": f"elu.{n}@mairie-{locality.lower()}.fr",
            "mandate": "municipal_councillor", "locality": locality, "departement": departement,
            "party": "PS" if n % 3 else "Les Écologistes", "party_detail": "",
            "comment": "Non à la VSA." if n % 5 == 0 else "", "source": "letter",
            "note": f"Liste papier, page {n // 40 + 1}"}


BAD_KINDS = [
    ({"comment": '=HYPERLINK("http://evil.example","clic")'}, "une formule de tableur"),
    ({"first_name": "<script>alert(1)</script>"}, "Utilisez uniquement des lettres"),
    ({"locality": "Nullepartville"}, "Nous n’avons pas trouvé « Nullepartville »"),
    ({"party": "Parti imaginaire"}, "Le parti « Parti imaginaire » n’est pas dans la liste"),
    ({"note": "x" * 10_000}, "La cellule « note » fait 10000 caractères"),
    ({"email": "pas-une-adresse"},
     "Indiquez une adresse e-mail au bon format, comme nom@mairie.fr"),
    ({"civility": "Docteur"}, "Choisissez Madame, Monsieur ou Non précisé"),
    ({"party": "Autre"}, "Indiquez le nom de votre parti."),
    ({"mandate": "empereur"}, "Sélectionnez un choix valide"),
    ({"email": "elu.0@mairie-quimper.fr"}, "Même adresse qu’à la ligne 2."),
]


def text(value: str) -> str:
    return value.replace("\u00a0", " ")


def list_of_signatories(rows, delimiter=",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture
def five_hundred_rows():
    """480 good rows and 20 bad ones, at known lines (the header is line 1)."""
    rows, bad_lines = [], {}
    for n in range(500):
        row = good_row(n)
        if n % 25 == 7:  # 20 bad rows, spread through the file
            change, message = BAD_KINDS[len(bad_lines) % len(BAD_KINDS)]
            row.update(change)
            bad_lines[n + 2] = message
        rows.append(row)
    return list_of_signatories(rows), bad_lines


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.SIGNATURE_EVIDENCE_ROOT = tmp_path / "evidence"


def run_import(path, *args):
    out = io.StringIO()
    call_command("import_signatures", str(path), "--by", "mod@campagne.fr", *args, stdout=out)
    return text(out.getvalue())


def test_500_rows_with_20_bad_ones_480_are_in_20_reported_and_a_reimport_adds_none(
        petition, parties, moderator, tmp_path, five_hundred_rows):
    content, bad_lines = five_hundred_rows
    path = tmp_path / "signataires.csv"
    path.write_text(content, encoding="utf-8")
    output = run_import(path)
    assert Signature.objects.count() == 480
    assert "500 lignes\u202f: 480 importées, 0 déjà signées, 20 refusées." in output
    reported = [line for line in output.splitlines() if line.startswith("ligne ")]
    assert len(reported) == 20
    for line, message in bad_lines.items():
        assert any(r.startswith(f"ligne {line}\u202f:") and message in r for r in reported), (
            line, message)
    assert not Signature.objects.filter(first_name="<script>alert(1)</script>").exists()
    # The same life as the form: each one awaits its signer's confirmation.
    assert set(Signature.objects.values_list("state", "source").distinct()) == {
        ("pending_email", "letter")}
    assert EmailChallenge.objects.filter(kind="confirm").count() == 480
    assert Evidence.objects.filter(entered_by=moderator).count() == 480
    one = Signature.objects.get(email="elu.5@mairie-brest.fr")
    assert one.title == "conseiller municipal de Brest (29)"
    trail = ModerationDecision.objects.get(signature=one)
    assert (trail.transition, trail.actor) == ("record", moderator)
    assert "signataires.csv" in trail.note and "ligne 7" in trail.note

    again = run_import(path)
    assert "500 lignes\u202f: 0 importées, 480 déjà signées, 20 refusées." in again
    assert Signature.objects.count() == 480
    assert EmailChallenge.objects.count() == 480  # nobody is emailed twice


def test_a_dry_run_saves_nothing(petition, parties, moderator, tmp_path, five_hundred_rows):
    path = tmp_path / "signataires.csv"
    path.write_text(five_hundred_rows[0], encoding="utf-8")
    output = run_import(path, "--dry-run")
    assert "480 importables, 0 déjà signées, 20 refusées. Rien n’est enregistré" in output
    assert not Signature.objects.exists() and not EmailChallenge.objects.exists()


def test_latin1_with_semicolons_and_utf8_with_a_bom_read_the_same(
        petition, parties, moderator, tmp_path):
    rows = [good_row(0), good_row(1)]
    latin1 = tmp_path / "excel.csv"
    latin1.write_bytes(list_of_signatories(rows, ";").encode("cp1252"))
    output = run_import(latin1)
    assert "lu en Latin-1 (Windows-1252)" in output
    assert "2 lignes\u202f: 2 importées" in output
    assert Signature.objects.filter(first_name="Élise", comment="Non à la VSA.").exists()
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + list_of_signatories([good_row(2)]).encode())
    assert "1 lignes\u202f: 1 importées" in run_import(bom)
    assert Signature.objects.count() == 3


@pytest.mark.parametrize("content,message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "pas un fichier texte CSV"),
    (b"", "Le fichier est vide"),
    (b"nom,prenom\nDupont,Marie\n", "Manquantes\u202f: civility, first_name, last_name, email"),
])
def test_a_file_that_is_not_a_list_is_refused_whole(
        petition, parties, moderator, tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as refused:
        run_import(path)
    assert message in text(str(refused.value))
    assert not Signature.objects.exists()


def test_a_separator_left_unquoted_is_reported_on_its_line(petition, parties, moderator, tmp_path):
    content = list_of_signatories([good_row(0)]) + (
        "F,Anne,Martin,a.martin@mairie-brest.fr,mayor,Brest,29,PS,,Non, vraiment non,letter,\n")
    path = tmp_path / "x.csv"
    path.write_text(content)
    output = run_import(path)
    assert "ligne 3\u202f: 13 cellules alors que la première ligne nomme 12 colonnes" in output
    assert Signature.objects.count() == 1


def test_confirmed_rows_need_the_permission_and_their_email(
        petition, parties, moderator, tmp_path):
    row = {**good_row(0), "source": "email", "note": ""}
    content = "civility,first_name,last_name,email,mandate,locality,departement,party,source," \
              "sender,received_at,message_id\n" \
              f"F,Élise,Le Baa,{row['email']},municipal_councillor,Quimper,29,PS,email," \
              f"{row['email']},\"Tue, 1 Dec 2026 10:02:00 +0100\",<abc.1@mairie-quimper.fr>\n" \
              "M,Jean,Le Bab,j@mairie-brest.fr,municipal_councillor,Brest,29,PS,letter,,,\n"
    path = tmp_path / "x.csv"
    path.write_text(content)
    with pytest.raises(CommandError) as refused:
        run_import(path, "--confirmed")
    assert "ne peut pas marquer des signatures confirmées" in text(str(refused.value))
    assert not Signature.objects.exists()
    moderator.user_permissions.add(Permission.objects.get(codename="record_confirmed_signature"))
    output = run_import(path, "--confirmed")
    assert "2 lignes\u202f: 1 importées, 0 déjà signées, 1 refusées." in output
    assert "ligne 3\u202f:" in output and "Seul un e-mail envoyé de l’adresse officielle" in output
    signature = Signature.objects.get()
    assert signature.state == Signature.State.EMAIL_CONFIRMED
    assert [d.transition for d in signature.decisions.all()] == ["record", "confirm_email"]
    assert "<abc.1@mairie-quimper.fr>" in signature.decisions.last().note
    assert not EmailChallenge.objects.filter(kind="confirm").exists()


def test_the_admin_page_previews_then_imports(petition, parties, moderator, five_hundred_rows):
    client = Client()
    client.force_login(moderator)
    upload = SimpleUploadedFile("liste.csv", five_hundred_rows[0].encode(), "text/csv")
    preview = client.post(IMPORT, {"file": upload})
    page = text(preview.content.decode())
    assert "Aperçu\u202f: rien n’est encore enregistré" in page
    assert "480 lignes peuvent être importées." in page
    assert "20 lignes refusées\u202f: rien n’en est enregistré." in page
    assert "une formule de tableur" in page
    assert "<script>alert(1)</script>" not in page
    assert not Signature.objects.exists()  # a preview saves nothing
    digest = page.split('name="stash" value="', 1)[1].split('"', 1)[0]
    done = client.post(IMPORT, {"stash": digest, "filename": "liste.csv"})
    assert "480 signatures importées." in text(done.content.decode())
    assert Signature.objects.count() == 480
    replay = client.post(IMPORT, {"stash": digest, "filename": "liste.csv"})
    assert replay.status_code == 302  # the preview is used up: nothing imported twice
    assert Signature.objects.count() == 480


def test_the_admin_page_refuses_confirmation_without_the_permission(
        petition, parties, moderator):
    client = Client()
    client.force_login(moderator)
    content = list_of_signatories([good_row(0)]).encode()
    response = client.post(IMPORT, {"file": SimpleUploadedFile("l.csv", content),
                                    "mark_confirmed": "on"})
    assert "Vous ne pouvez pas marquer des signatures confirmées" in text(
        response.content.decode())
    assert client.post(IMPORT, {"stash": "0" * 64, "mark_confirmed": "on"}).status_code == 403
    clerk = User.objects.create_user("clerk@campagne.fr", "clerk@campagne.fr",
                                     "pw-long-enough-3", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_signature"))
    other = Client()
    other.force_login(clerk)
    assert other.post(IMPORT, {"file": SimpleUploadedFile("l.csv", content)}).status_code == 403
    assert not Signature.objects.exists()


def test_the_sample_in_docs_reads_as_the_readme_says(petition, parties, moderator, settings):
    from pathlib import Path

    sample = Path(settings.BASE_DIR) / "docs" / "import_signatures_sample.csv"
    output = run_import(sample, "--dry-run")
    assert "3 lignes\u202f: 3 importables, 0 déjà signées, 0 refusées." in output
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    header = sample.read_text().splitlines()[0].split(";")
    assert all(f"`{column}`" in readme for column in header)
