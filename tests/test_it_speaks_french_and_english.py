import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("url, expected, lang", [
    ("/p/vsa-jo-2024/", "Signer la pétition", "fr"),
    ("/en/p/vsa-jo-2024/", "Sign the petition", "en"),
    ("/p/vsa-jo-2024/signatories/", "Signataires", "fr"),
    ("/en/p/vsa-jo-2024/signatories/", "Signatories", "en"),
    ("/p/vsa-jo-2024/check-inbox/", "Vérifiez votre boîte de réception", "fr"),
    ("/en/p/vsa-jo-2024/check-inbox/", "Check your inbox", "en"),
])
def test_pages_speak_the_language_of_their_url(client, petition, url, expected, lang):
    page = client.get(url).content.decode()
    assert expected in page
    assert f'<html lang="{lang}">' in page


def test_the_other_language_is_one_link_away(client, petition):
    page = client.get("/p/vsa-jo-2024/").content.decode()
    assert 'href="/en/p/vsa-jo-2024/" hreflang="en"' in page
    page = client.get("/en/p/vsa-jo-2024/").content.decode()
    assert 'href="/p/vsa-jo-2024/" hreflang="fr"' in page


def test_english_titles_read_naturally(petition, parties):
    from django.utils import translation

    from signatures.models import Signature

    signature = Signature(petition=petition, civility="F", mandate="municipal_councillor",
                          locality="Paris", departement="75", party=parties["PS"])
    with translation.override("en"):
        assert signature.title == "municipal councillor, Paris (75)"


@pytest.mark.parametrize("kind", ["--untranslated", "--only-fuzzy"])
def test_every_french_message_is_translated(kind):
    result = subprocess.run(
        ["msgattrib", kind, "--no-obsolete", str(ROOT / "locale/fr/LC_MESSAGES/django.po")],
        capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"French messages ({kind}):\n{result.stdout}"


def test_the_catalogues_cover_every_message_in_the_code(tmp_path):
    """makemessages would add nothing: no string in the code was left out."""
    before = (ROOT / "locale/fr/LC_MESSAGES/django.po").read_text()
    msgids = {line for line in before.splitlines() if line.startswith("msgid ")}
    result = subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", "-o", "-",
         "--keyword=_", "--keyword=gettext_lazy", "--keyword=pgettext_lazy:1c,2",
         "--keyword=gettext", *map(str, sorted(ROOT.glob("[psv]*/*.py")))],
        capture_output=True, text=True, check=True)
    missing = {line for line in result.stdout.splitlines()
               if line.startswith("msgid ") and line != 'msgid ""'} - msgids
    assert not missing, f"Run makemessages; missing: {sorted(missing)}"


def test_french_says_e_mail_throughout():
    """One word for email: « e-mail », never « adresse mail » or « courriel » beside it."""
    import gettext
    from pathlib import Path

    from django.conf import settings

    mo = Path(settings.BASE_DIR) / "locale/fr/LC_MESSAGES/django.mo"
    with mo.open("rb") as file:
        catalogue = gettext.GNUTranslations(file)._catalog
    french = " ".join(str(text) for text in catalogue.values()).lower()
    assert "e-mail" in french
    for other in ("adresse mail", "courriel", "boîte mail", " mail "):
        assert other not in french, other


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_committed_catalogue_is_compiled_from_its_po_file(tmp_path, language):
    """The .mo in the repository says what its .po says (make run needs no gettext, so a
    stale .mo would show English, or an old wording, to every visitor)."""
    import gettext

    folder = ROOT / "locale" / language / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(folder / "django.po")], check=True)

    def catalogue(path):
        with path.open("rb") as file:
            return gettext.GNUTranslations(file)._catalog

    committed, compiled = catalogue(folder / "django.mo"), catalogue(fresh)
    differing = sorted(str(key) for key in compiled.keys() | committed.keys()
                       if compiled.get(key) != committed.get(key))
    assert not differing, f"Run make messages (touch the .po first); differing: {differing[:10]}"
