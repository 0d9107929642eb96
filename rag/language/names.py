"""Names in text: runs of capitalised words ("Ana Ruiz", "Bank of Lantern Bay") and the
terms of the names a sentence gives past its first word.

    runs("Ana Ruiz met the Bank of Lantern Bay.")  # ["Ana Ruiz", "Bank of Lantern Bay"]
    name_terms("The mayor, Ana Ruiz, spoke on Monday.")  # {"ana", "ruiz"}: no calendar word

A title names no one by itself ("President Varga" is backed by "Varga"), and a month or a
weekday is a date, not a name.
"""

from __future__ import annotations

import re

from rag.language.dates import MONTHS, WEEKDAYS
from rag.language.text import terms

# Capitalised words, joined by "of", "of the" and "de" ("Bank of England", "Sao Paulo").
NAME_RUN = re.compile(r"\b[A-Z][\w'’&.-]*(?:\s+(?:of\s+the\s+|of\s+|de\s+)?[A-Z][\w'’&.-]*)*")
_NAME_WORD = re.compile(r"[A-Z][\w'’&-]*")
TITLES = frozenset(
    [
        *("president", "vice", "mr", "mrs", "ms", "dr", "prime", "minister", "secretary"),
        *("chancellor", "senator", "sen", "rep", "gov", "governor", "general", "gen", "king"),
        *("queen", "prince", "princess", "pope", "judge", "justice", "chief", "ceo"),
        *("chairman", "chairwoman", "director", "professor", "prof", "sir", "lord", "lady"),
        *("mayor", "ambassador", "spokesman", "spokeswoman", "spokesperson"),
    ]
)
_NOT_NAMES = frozenset(MONTHS + WEEKDAYS) | TITLES
_CALENDAR = frozenset(MONTHS + WEEKDAYS)


def runs(text: str) -> list[str]:
    """The capitalised word runs of `text`, a closing full stop left off."""
    return [match.group().rstrip(".") for match in NAME_RUN.finditer(text)]


def is_calendar(word: str) -> bool:
    """Whether `word` is a month or weekday name ("March", "friday")."""
    return word.lower() in _CALENDAR


def name_terms(text: str) -> set[str]:
    """Terms of the capitalised words past a sentence's first word, less titles and
    calendar words."""
    out: set[str] = set()
    for i, token in enumerate(re.findall(r"\S+", text)):
        word = token.strip("\"'“”‘’()[],.;:!?")
        lower = word.lower().rstrip(".")
        if i > 0 and _NAME_WORD.fullmatch(word) and lower not in _NOT_NAMES:
            out.update(terms(word))
    return out
