"""Accent and case folding: the one place where text is reduced to comparable words.

« Jean-Pierre LE GOFF », "jean pierre le goff" and « Jéan‑Pierre  Le-Goff » fold to the
same words, so names, places and the register's lines can be compared and searched.

One core, three named variants, because the three uses really differ:

- `fold`: names and free text (signatures' `name_key` and `search_key`, parties,
  duplicates, the bench's synthetic rows). Letters of every script are kept:
  a name in Greek or Cyrillic still has a key. The stored keys were built with it,
  so it must not change without a data migration.
- `fold_ligatures`: the register (RNE). As `fold`, with « œ » and « æ » spelled
  out, because the register writes "OEILLET" where a signer types « Œillet ».
- `fold_ascii`: places (COG) and the domain names guessed from them. As
  `fold_ligatures`, then ASCII only: COG names are in the Latin alphabet, and
  what does not decompose to ASCII letters or digits can match nothing (nor go
  in a domain label), so it is dropped rather than turned into a space.

No Django here: the bench loads rows with it without setting Django up.
"""

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})  # applied after casefold: « Œ » is « œ »
_NOT_ASCII_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


def _fold(text: str, *, spell_ligatures: bool, ascii_only: bool) -> str:
    lowered = text.casefold()
    if spell_ligatures:
        lowered = lowered.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", lowered)
    if ascii_only:
        ascii_text = decomposed.encode("ascii", "ignore").decode()
        return " ".join(_NOT_ASCII_ALPHANUMERIC.sub(" ", ascii_text).split())
    letters = "".join(c if c.isalnum() else " " for c in decomposed
                      if not unicodedata.combining(c))
    return " ".join(letters.split())


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free words, for names and free text."""
    return _fold(text, spell_ligatures=False, ascii_only=False)


def fold_ligatures(text: str) -> str:
    """As `fold`, with « œ » / « æ » spelled "oe" / "ae": the register's spelling."""
    return _fold(text, spell_ligatures=True, ascii_only=False)


def fold_ascii(text: str) -> str:
    """As `fold_ligatures`, ASCII letters and digits only: « Saint-Étienne » → "saint etienne"."""
    return _fold(text, spell_ligatures=True, ascii_only=True)
