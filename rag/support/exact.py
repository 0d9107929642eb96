"""The exact checks of support: what a claim asserts that its quotes plainly do not.

A sentence is backed only if its quotes (with their articles' outlet and title, which a
sentence may name) contain what it asserts:
- every number and date it gives ("417", "$1.7 billion", "2027", "March", "Tuesday"),
- every name past its first word (people, places, outlets: a wrong attribution or a name
  from another article shows up here), each in its own place (rag/support/roles.py: not
  "Banning Orlen from Vasko" against "Banning Vasko from Orlen"),
- every condition its quote puts on it (not "will pay" against "will pay if delayed"),
- the same negation of the words they share ("was signed" against "was not signed"),
- and enough of its content words (`coverage`; the share is calibrated, see
  eval/support.py: a sentence stitched from two articles shares too little with one).
Words are compared by lemma ("rose" is "rise", "won" "win"; rag/lexicon), so an
inflection is no difference and "did not rise" is the negation of "rose". Everything is
aligned on normalised tokens; a check costs well under a millisecond. What the words
can't tell (a rise reported as a fall) is the verifier's (rag/support/judge.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.language.dates import calendar_words
from rag.language.lexicon import antonyms, lemma
from rag.language.names import name_terms
from rag.language.numbers import values
from rag.language.text import NEGATORS, terms, words
from rag.support.structure import dropped_condition, swapped_roles

UNCITED = "it cites no quote"
NUMBER = "a number its quotes don't give"
DATE = "a date its quotes don't give"
NAME = "a name its quotes don't give"
NEGATION = "its quotes say the opposite"
COVERAGE = "too little of it is in its quotes"
ROLES = "its quotes give these names other roles"
CONDITION = "it leaves out its quote's condition"

# One name written two ways.
_ALIASES = (
    (re.compile(r"\bUnited States(?: of America)?\b"), "US"),
    (re.compile(r"\bUnited Kingdom\b"), "UK"),
    (re.compile(r"\bEuropean Union\b"), "EU"),
    (re.compile(r"\bUnited Nations\b"), "UN"),
)
_PREFIX = 5  # "Canadian" is backed by "Canada", "Mexican" by "Mexico"
_LETTER = re.compile(r"[^\W\d_]")
_INITIALISM = re.compile(r"\b(?:[A-Z]\.){2,}")


@dataclass(frozen=True)
class Check:
    """What a claim asserts that its quotes do not, and how much of it they share."""

    missing_numbers: set[str]
    missing_dates: set[str]
    missing_names: set[str]
    negation_differs: bool
    coverage: float
    roles_swapped: bool = False
    condition_dropped: bool = False

    def reason(self, min_coverage: float, sure_negation: float = 0.0) -> str | None:
        """Why the claim can't be shown, or None. A negation (or a reversed word) counts
        only where the claim keeps at least `sure_negation` of its words from the quotes:
        a looser restatement may move a "not" without changing the meaning."""
        if self.missing_numbers:
            return NUMBER
        if self.missing_dates:
            return DATE
        if self.missing_names:
            return NAME
        if self.roles_swapped:
            return ROLES
        if self.condition_dropped:
            return CONDITION
        if self.negation_differs and self.coverage >= sure_negation:
            return NEGATION
        if self.coverage < min_coverage:
            return COVERAGE
        return None


def undotted(text: str) -> str:
    """One spelling per name: "U.S.", "US" and "United States" are all "US"."""
    text = _INITIALISM.sub(lambda m: m.group().replace(".", ""), text)
    for pattern, short in _ALIASES:
        text = pattern.sub(short, text)
    return text


def unknown_names(names: set[str], known: set[str]) -> set[str]:
    """The name terms no known term matches, in full or (a demonym) by its first letters."""
    stems = {k[:_PREFIX] for k in known if len(k) >= _PREFIX}
    return {n for n in names if n not in known and n[:_PREFIX] not in stems}


def meanings(text: str) -> set[str]:
    """Content terms by lemma: "rose", "rises" and "rising" are all "rise"."""
    return {t for w in words(text) for t in terms(lemma(w))}


def negated_meanings(text: str) -> set[str]:
    """Meanings within the two words after a negator ("did not rise", "failed to win")."""
    tokens = words(text)
    out: set[str] = set()
    for i, token in enumerate(tokens):
        if token in NEGATORS or token.endswith("n't"):
            out |= {t for w in tokens[i + 1 : i + 3] for t in terms(lemma(w))}
    return out


def _negated_lemmas(tokens: Sequence[str]) -> set[str]:
    return {
        lemma(w)
        for i, token in enumerate(tokens)
        if token in NEGATORS or token.endswith("n't")
        for w in tokens[i + 1 : i + 3]
    }


def reversed_words(claim: str, quoted: str) -> set[str]:
    """Content words of the claim whose WordNet antonym the quotes state (not negated)
    while they hold no form of the word: "fell" against "rose", but not "rose" against
    "rose after it fell", nor "lacks" against "doesn't have"."""
    tokens = words(quoted)
    held = {lemma(w) for w in tokens}
    stated = held - _negated_lemmas(tokens)
    return {
        w
        for w in words(claim)
        if len(w) > 2 and terms(w) and lemma(w) not in held and stated & antonyms(w)
    }


def check(claim: str, quotes: Sequence[str], context: Sequence[str] = ()) -> Check:
    """`claim` against its `quotes`; `context` (outlets, titles) may supply names."""
    claim = undotted(claim)
    quoted = undotted(" ".join(quotes))
    around = " ".join([quoted, *map(undotted, context)])
    claim_terms = meanings(claim)
    known = meanings(around) | set(terms(around))
    # A number's digits may be split by the term splitter ("1.7"): compare values, not terms.
    plain = {t for t in claim_terms if not t.replace(".", "").isdigit()}
    shared = claim_terms & meanings(quoted)
    return Check(
        missing_numbers=values(claim) - values(quoted),
        missing_dates=calendar_words(claim) - calendar_words(around),
        missing_names=unknown_names(name_terms(claim), known),
        negation_differs=bool((negated_meanings(claim) ^ negated_meanings(quoted)) & shared)
        or bool(reversed_words(claim, quoted)),
        coverage=len(plain & known) / len(plain) if plain else 1.0,
        roles_swapped=any(swapped_roles(claim, undotted(q)) for q in quotes),
        condition_dropped=any(dropped_condition(claim, undotted(q)) for q in quotes),
    )
