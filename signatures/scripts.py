"""Which writing systems a name is written in, and the letters that show nothing.

Python's unicodedata has no Script property; a letter's Unicode name starts with its
script (LATIN SMALL LETTER A, CYRILLIC SMALL LETTER A, GREEK ...), which is enough
to tell a look-alike ("Emmаnuel" with a Cyrillic а) from a name in one script.
"""

import unicodedata

# Letters (category Lo) that render as nothing: Hangul fillers, Khmer inherent vowels.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u17b4\u17b5")
# One writing system under several names: Japanese mixes kanji and both kanas.
SAME_SYSTEM = {"CJK": "HAN", "HIRAGANA": "HAN", "KATAKANA": "HAN", "IDEOGRAPHIC": "HAN",
               "HANGUL": "HAN"}


def script_of(char: str) -> str | None:
    if not unicodedata.category(char).startswith("L") or char in INVISIBLE_LETTERS:
        return None
    first = unicodedata.name(char, "").split(" ", 1)[0]
    return SAME_SYSTEM.get(first, first) or None


def mixes_scripts(text: str) -> bool:
    return len({script for char in text if (script := script_of(char))}) > 1


def has_visible_letter(text: str) -> bool:
    return any(script_of(char) for char in text)


def longest_run_of_marks(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if unicodedata.category(char).startswith("M") else 0
        longest = max(longest, run)
    return longest
