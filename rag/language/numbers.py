"""Numbers in text: as values to compare, and as patterns that find one.

    values("It cost $1.7 billion, up 5% on 1,200 and three others")
    # {"1.7b", "5%", "1200", "3"}

A number written as digits or as a small word ("three") is one value, "1,200" and "1200"
alike, with its scale ("billion" is "b") or its per cent sign. `NUMBER` finds a number as
written, for deciding whether a text holds one at all.
"""

from __future__ import annotations

import re

from rag.language.text import words

SMALL = (
    *("zero", "one", "two", "three", "four", "five", "six"),
    *("seven", "eight", "nine", "ten", "eleven", "twelve"),
)
SMALL_VALUES = {word: i for i, word in enumerate(SMALL)}  # "three" -> 3
_WORD_VALUES = {word: str(i) for word, i in SMALL_VALUES.items()} | {
    **{"twenty": "20", "thirty": "30", "fifty": "50", "hundred": "100", "thousand": "1000"},
    **{"dozen": "12", "half": "0.5", "twice": "2"},
}
_SCALE = {"million": "m", "billion": "b", "trillion": "t", "thousand": "k"}
_NUMERAL = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)*)(?:\s*(%|percent|per cent))?"
    r"(?:\s+(million|billion|trillion|thousand)s?)?",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")  # "1,200", "12,000.5"
# Words that give an amount without digits ("dozens of", "a third", "twice").
_AMOUNT_WORDS = (
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|"
    r"millions?|billions?|trillions?|half|third|quarter|percent|twice|double)\b"
)
NUMBER = re.compile(rf"[$£€]?\d[\d,.]*%?|{_AMOUNT_WORDS}", re.IGNORECASE)  # "$40", "52.1%", "three"


def values(text: str) -> set[str]:
    """Numbers as values: "1,200" and "1200" alike, "$1.7 billion" as "1.7b", "5%" as "5%";
    small numbers written as words count too ("three" is "3")."""
    found = set()
    for m in _NUMERAL.finditer(text):
        value = m.group(1).rstrip(".,")
        value = value.replace(",", "") if _GROUPED.fullmatch(value) else value
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        unit = "%" if m.group(2) else _SCALE.get((m.group(3) or "").lower(), "")
        found.add(value + unit)
    for word in words(text):
        if word in _WORD_VALUES:
            found.add(_WORD_VALUES[word])
    return found
