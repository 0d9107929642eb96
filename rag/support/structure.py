"""What a claim made of its quote's own words can still get wrong, which no word check
and no bag-of-words reading sees: names that trade places, a condition dropped.

**Roles.** "Banning Orlen from Vasko" against "Banning Vasko from Orlen".

A claim swaps roles when its words, with each run of capitalised words folded into one
slot, are a stretch of its quote's words folded the same way, and the capitalised words
filling those slots are the quote's, in another order. A passive ("Tarvia was attacked
by Osland") or a clause moved ("Varga met Lind, the ministry said") changes the stretch, so
it is not a swap; a name the quotes don't hold at all is the name check's.

**Conditions.** "The company will pay $250,000 a day" against "... a day if the opening is
delayed": the claim is its quote with one stretch of words left out, and that stretch
begins with "if", "unless", "provided", "as long as" or "only if". ("Even if" is no
condition of the claim.)
"""

from __future__ import annotations

import re
from collections import Counter

from rag.language.text import sentences, words

_CONDITIONS = (("if",), ("unless",), ("provided",), ("as", "long", "as"), ("only", "if"))
_TOKEN = re.compile(r"[^\s,;:()/\"“”—–-]+")
_POSSESSIVE = re.compile(r"['’]s$")
SLOT = "\x00"


def _folded(text: str) -> tuple[list[str], list[list[str]]]:
    """(words with each capitalised run as one SLOT, the runs in order)."""
    words: list[str] = []
    runs: list[list[str]] = []
    closed = True  # the last word ended a run (or there was none)
    for raw in _TOKEN.findall(text):
        token = _POSSESSIVE.sub("", raw).strip(".!?'‘’")
        if not token:
            continue
        if token[:1].isupper():
            if closed:
                words.append(SLOT)
                runs.append([])
            runs[-1].append(token)
            closed = raw.endswith((".", "!", "?")) or bool(_POSSESSIVE.search(raw))
        else:
            words.append(token.lower())
            closed = True
    return words, runs


def swapped_roles(claim: str, quote: str) -> bool:
    """Whether the claim puts the quote's names in one another's places."""
    said, said_runs = _folded(claim)
    quoted, quoted_runs = _folded(quote)
    if len(said_runs) < 2 or len(said) > len(quoted):
        return False
    for start in range(len(quoted) - len(said) + 1):
        if quoted[start : start + len(said)] != said:
            continue
        before = quoted[:start].count(SLOT)
        theirs = quoted_runs[before : before + len(said_runs)]
        ours = [t for run in said_runs for t in run]
        flat = [t for run in theirs for t in run]
        if ours != flat and Counter(ours) == Counter(flat):
            return True
    return False


def dropped_condition(claim: str, quote: str) -> bool:
    """Whether the claim is a sentence of its quote without a stretch that states a
    condition."""
    return any(_drops(claim, quote[s.start : s.end]) for s in sentences(quote))


def _drops(claim: str, quote: str) -> bool:
    said, quoted = words(claim), words(quote)
    if not said or len(said) >= len(quoted):
        return False
    head = 0
    while head < len(said) and said[head] == quoted[head]:
        head += 1
    tail = 0
    while tail < len(said) - head and said[-1 - tail] == quoted[-1 - tail]:
        tail += 1
    if head + tail != len(said):
        return False
    left = quoted[head : len(quoted) - tail]
    return any(tuple(left[: len(c)]) == c for c in _CONDITIONS)
