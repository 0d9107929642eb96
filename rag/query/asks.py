"""What a question asks for (a date, a number, a name) and whether a text holds one.

    asks_for("Which city hosted the final this week?")   # "name"
    holds("The final was played in Lisbon.", "name", question_terms)   # True: a new name
    answers("How many ferries sail in 2024?", "Five ferries sail daily.")  # True

A name is a capitalised word run the question does not already use ("Lisbon"), not a
calendar word; a number or a date must not be one the question itself gives ("in 2024"),
and "how many ferries" needs "ferries" beside the number. Used to make an answer hold what
was asked (rag/generation/extractive.py) and, with `speaker`, to refuse evidence that
cannot answer (rag/answering/chain.py): "According to Ana Ruiz, …" is not answered by a sentence
that does not name Ana Ruiz.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from rag.language.dates import DAY_OR_YEAR, MONTHS, WEEKDAYS
from rag.language.names import is_calendar, runs
from rag.language.numbers import NUMBER
from rag.language.text import terms

Kind = Literal["date", "number", "name"]

_ASKS_DATE = re.compile(  # not "when": an event can answer it ("after the vote")
    r"\b(?:what|which|exact|on\ what|in\ what)\s+(?:exact\s+)?(?:date|day|year|month)\b",
    re.IGNORECASE | re.VERBOSE,
)
_ASKS_NUMBER = re.compile(
    r"\b(?:how\ (?:much|many|long|old|far)|what\s+(?:exact\s+)?(?:percentage|share|proportion"
    r"|amount|number|dollar\ amount|sum|figure|price|age)|how\ (?:large|big)\ (?:a|an|is|was))\b",
    re.IGNORECASE | re.VERBOSE,
)
_ASKS_NAME = re.compile(
    r"^\W*(?:who|whom|whose)\b|\b(?:which|what)\s+(?!is\b|are\b|was\b|were\b|do\b|does\b|did\b"
    r"|has\b|have\b|had\b|will\b|would\b|can\b|could\b|should\b|may\b|might\b|of\b|kind\b"
    r"|happened\b|caused\b|made\b)[a-z-]+",
    re.IGNORECASE | re.VERBOSE,
)
_MONTHS = "|".join(MONTHS)
_DAYS = "|".join(WEEKDAYS)
_HAS_DATE = re.compile(
    rf"\b(?:{_MONTHS}|{_DAYS}|(?:19|20)\d\d|yesterday|today|tomorrow|\d{{1,2}}/\d{{1,2}})\b",
    re.IGNORECASE,
)


def asks_for(question: str) -> Kind | None:
    """The kind of value the question asks for, when it asks for one of these."""
    if _ASKS_DATE.search(question):
        return "date"
    if _ASKS_NUMBER.search(question):
        return "number"
    if _ASKS_NAME.search(question):
        return "name"
    return None


def names(text: str, known: Iterable[str] = ()) -> list[str]:
    """Capitalised word runs of `text` whose terms are not all in `known` (stemmed terms)."""
    seen = set(known)
    found = []
    for phrase in runs(text):
        words = [w for w in phrase.split() if not is_calendar(w)]
        own = set(terms(" ".join(words)))
        if own and not own <= seen:
            found.append(phrase)
    return found


def holds(text: str, kind: Kind | None, question_terms: Iterable[str] = ()) -> bool:
    """Whether `text` holds a value of `kind` that is not one of the question's terms."""
    known = set(question_terms)
    match kind:
        case None:
            return True
        case "date":
            return any(set(terms(m.group())) - known for m in _HAS_DATE.finditer(text))
        case "number":  # a day of the month or a year is a date, not the number asked for
            return any(
                set(terms(m.group())) - known or not terms(m.group())
                for m in NUMBER.finditer(DAY_OR_YEAR.sub(" ", text))
            )
        case "name":
            return bool(names(text, known))


_EXACT = re.compile(r"\b(?:exact|exactly|precise|precisely)\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_COUNTED = re.compile(r"\bhow\ many\ ([a-z-]+)", re.IGNORECASE | re.VERBOSE)
_SPEAKER = re.compile(
    # The framing words in any case ("What did", "According to"); the name capitalised.
    r"\b(?i:according)\ (?i:to)\ ((?:[A-Z][\w'’-]+\ ?){1,4})"
    r"|\b(?i:what|how)\ (?i:did|does|do|has|had)\ ((?:[A-Z][\w'’.-]+\ ?){1,4})"
    r"(?:say|said|argue|claim|tell|warn|write|think|describe|expect|see|predict)",
    re.VERBOSE,
)


_SPECIFIC = re.compile(r"(?<=\w\s)[A-Z][\w'’-]*|\b\d[\d.,%]*")  # names past the first word


def specific_terms(question: str) -> set[str]:
    """The terms of the question's specific words: capitalised names past its first word,
    and numbers ("What did Varga say in 2024?" gives {"varga", "2024"})."""
    return set(terms(" ".join(_SPECIFIC.findall(question))))


def missing_share(question: str, text: str) -> float:
    """The share of the question's specific terms that `text` lacks (0 when it has none)."""
    specific = specific_terms(question)
    return len(specific - set(terms(text))) / len(specific) if specific else 0.0


def speaker(question: str) -> str | None:
    """The person or source the question attributes its answer to, if it names one."""
    found = _SPEAKER.search(question)
    if not found:
        return None
    name = (found.group(1) or found.group(2) or "").strip()
    return name if terms(name) else None


def answers(question: str, text: str, near: str | None = None) -> bool:
    """Whether `text` can hold the answer: the value asked for (not one the question gives),
    the counted thing beside a number ("how many ferries"), and, in `near` (default: all
    of `text`), the person it is attributed to."""
    question_terms = set(terms(question))
    kind = asks_for(question)
    if kind in ("date", "number") and not holds(text, kind, question_terms):
        return False
    if (
        kind == "number"
        and _EXACT.search(question)
        and not _DIGIT.search(DAY_OR_YEAR.sub(" ", text))
    ):
        return False  # "what exact amount" is not answered by "hundreds of billions"
    counted = _COUNTED.search(question)
    if counted and terms(counted.group(1)) and not set(terms(counted.group(1))) & set(terms(text)):
        return False
    source = speaker(question)
    said = text if near is None else near
    return source is None or set(terms(source.split()[-1])) <= set(terms(said))  # the surname
