"""French typography in what the site writes: the French catalogue and the templates.

The convention, that of the catalogue's newest entries: a narrow no-break space
(U+202F) before ; : ! ? and a no-break space (U+00A0) inside « », and the
typographic apostrophe ’. The test accepts either no-break space at both places
(both keep the sign on its word's line); it refuses a plain space, which lets a
line break before « : » or strand a guillemet. Placeholders (%(name)s), markup,
URLs and times (10:30) are left out of the check.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRENCH = ROOT / "locale/fr/LC_MESSAGES/django.po"
NO_BREAK = "\u00a0\u202f"
LEFT_OUT = re.compile(r"%\(\w+\)[sd]|%[sd]|https?://[^\s\"<]*|mailto:[^\s\"<]*|<[a-zA-Z/][^>]*>"
                      r"|\b\d{1,2}(?::\d{2})+\b")


def catalogue(path: Path) -> list[dict[str, str]]:
    """The entries of a .po file (msgctxt, msgid, msgstr, msgstr[n]), escapes decoded;
    obsolete entries (#~) and the header left out."""
    entries, entry, key = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            if entry.get("msgid"):
                entries.append(entry)
            entry, key = {}, None
            continue
        if line.startswith("#"):
            continue
        field = re.fullmatch(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"', line)
        if field:
            key = field[1]
            entry[key] = field[2]
        elif line.startswith('"') and key:
            entry[key] += line[1:-1]
    for entry in entries:
        for key, value in entry.items():
            entry[key] = re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]),
                                value)
    return entries


def typography_faults(text: str, french: bool = True) -> list[str]:
    """What breaks French typography in a text: each fault with what surrounds it.
    Any text: a plain space before ; : ! ? or inside « ». French only: no space at
    all before them, and straight apostrophes."""
    text = LEFT_OUT.sub("", text)
    faults = [m[0] for m in re.finditer(rf"\S[ \t\n][;:!?]|«[^{NO_BREAK}]|[^{NO_BREAK}]»", text)]
    if french:
        faults += [m[0] for m in re.finditer(rf"\w[;:!?](?=[\s{NO_BREAK}]|$)", text)]
        faults += [f"{m[0]} (’)" for m in re.finditer(r"\w'\w?", text)]
    return faults


def test_the_reader_finds_every_entry_and_decodes_it():
    entries = catalogue(FRENCH)
    assert len(entries) > 800
    by_id = {entry["msgid"]: entry for entry in entries}
    assert by_id["Sign the petition"]["msgstr"] == "Signer la pétition"
    # Continuation lines are joined, escapes decoded.
    assert by_id["Choose your party, or « sans étiquette »"]["msgstr"] == (
        "Choisissez votre parti, ou «\u00a0sans étiquette\u00a0»")
    assert any("msgstr[1]" in entry for entry in entries)


def test_the_check_finds_each_kind_of_fault():
    assert typography_faults("Erreur : indiquez votre nom") == ["r :"]
    assert typography_faults("Merci !") == ["i !"]
    assert typography_faults("Vraiment?") == ["t?"]
    assert typography_faults("« autre »") == ["« ", " »"]
    assert typography_faults("J'accepte") == ["J'a (’)"]
    assert typography_faults("in a few minutes: a signature", french=False) == []
    assert typography_faults("dans quelques minutes : une", french=False) == ["s :"]
    # Written right, and what is left out of the check.
    right = "Erreur\u202f: «\u00a0autre\u00a0»\u202f; merci\u202f! J’accepte"
    assert typography_faults(right) == []
    assert typography_faults("à 10:30, https://example.org/?a=1 ou mailto:x@y.fr") == []
    assert typography_faults('%(name)s: <a href="x">lien</a>') == []


def test_every_french_message_follows_french_typography():
    faults = {}
    for entry in catalogue(FRENCH):
        for key, text in entry.items():
            if key.startswith("msgstr") and typography_faults(text):
                faults[entry["msgid"][:60]] = typography_faults(text)
    assert not faults, (
        "Plain spaces or straight apostrophes in French: write U+202F before ; : ! ?, "
        f"U+00A0 inside « », and ’: {faults}")


def test_the_templates_own_text_follows_it_too():
    """The text written in templates outside {% translate %} (the 500 page, bilingual):
    no plain space before ; : ! ? nor inside « » (English puts none there either)."""
    faults = {}
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        # Comments, and the messages of blocktranslate (msgids, checked in the catalogue).
        text = re.sub(r"{%\s*(comment|blocktranslate)\b.*?{%\s*end\1\s*%}|{#.*?#}", "", text,
                      flags=re.S)
        text = re.sub(r"{%.*?%}|{{.*?}}", " ", text, flags=re.S)
        text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]*>", " ", text, flags=re.S)
        text = text.replace("&#8239;", "\u202f").replace("&nbsp;", "\u00a0")
        found = typography_faults(text, french=False)
        if found:
            faults[str(template.relative_to(ROOT))] = found
    assert not faults, faults
