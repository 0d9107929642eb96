"""Support, enforced: an LLM answer shows only sentences their cited quotes back.

A sentence is backed when its quotes (with their articles' outlet and title, which a
sentence may name) contain what it asserts:
- every number and date it gives ("417", "$1.7 billion", "2027", "March", "Tuesday"),
- every name past its first word (people, places, outlets: a wrong attribution or a name
  from another article shows up here),
- the same negation of the words they share ("was signed" against "was not signed"),
- and enough of its content words (`coverage`; the share is calibrated, see
  eval/support.py: a sentence stitched from two articles shares too little with one).
Everything is aligned on normalised tokens; a check costs well under a millisecond.
A sentence that fails is removed from the shown answer and listed with the reason; the
extractive answer needs no check: its sentences are the quotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer import Claim, RecitedClaim, RemovedClaim
from rag.citations import ParsedClaim, split_claims, validate
from rag.evidence import Sentence
from rag.generation.base import is_refusal
from rag.text import negated_terms, terms, words

UNCITED = "it cites no quote"
NUMBER = "a number its quotes don't give"
DATE = "a date its quotes don't give"
NAME = "a name its quotes don't give"
NEGATION = "its quotes say the opposite"
COVERAGE = "too little of it is in its quotes"

_SMALL = [
    *("zero", "one", "two", "three", "four", "five", "six"),
    *("seven", "eight", "nine", "ten", "eleven", "twelve"),
]
_WORD_NUMBERS = {w: str(i) for i, w in enumerate(_SMALL)} | {
    **{"twenty": "20", "thirty": "30", "fifty": "50", "hundred": "100", "thousand": "1000"},
    **{"dozen": "12", "half": "0.5", "twice": "2"},
}
_SCALE = {"million": "m", "billion": "b", "trillion": "t", "thousand": "k"}
_NUMERAL = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)*)(?:\s*(%|percent|per cent))?"
    r"(?:\s+(million|billion|trillion|thousand)s?)?",
    re.IGNORECASE,
)
_MONTHS = [
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
]
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_ABBREVIATED = {m[:3]: m for m in _MONTHS} | {"sept": "september"}
_NAME_WORD = re.compile(r"[A-Z][\w'’&-]*")
# Titles name no one by themselves ("President Varga" is backed by "Varga").
_TITLES = frozenset(
    [
        *("president", "vice", "mr", "mrs", "ms", "dr", "prime", "minister", "secretary"),
        *("chancellor", "senator", "sen", "rep", "gov", "governor", "general", "gen", "king"),
        *("queen", "prince", "princess", "pope", "judge", "justice", "chief", "ceo"),
        *("chairman", "chairwoman", "director", "professor", "prof", "sir", "lord", "lady"),
        *("mayor", "ambassador", "spokesman", "spokeswoman", "spokesperson"),
    ]
)
# One name written two ways.
_ALIASES = (
    (re.compile(r"\bUnited States(?: of America)?\b"), "US"),
    (re.compile(r"\bUnited Kingdom\b"), "UK"),
    (re.compile(r"\bEuropean Union\b"), "EU"),
    (re.compile(r"\bUnited Nations\b"), "UN"),
)
_NOT_NAMES = frozenset(_MONTHS + _DAYS) | _TITLES
_PREFIX = 5  # "Russian" is backed by "Russia", "Ukrainian" by "Ukraine"
_LETTER = re.compile(r"[^\W\d_]")
_INITIALISM = re.compile(r"\b(?:[A-Z]\.){2,}")


def numbers(text: str) -> set[str]:
    """Numbers as values: "1,200" and "1200" alike, "$1.7 billion" as "1.7b", "5%" as "5%";
    small numbers written as words count too ("three" is "3")."""
    found = set()
    for m in _NUMERAL.finditer(text):
        value = m.group(1).rstrip(".,")
        value = (
            value.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", value) else value
        )
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        unit = "%" if m.group(2) else _SCALE.get((m.group(3) or "").lower(), "")
        found.add(value + unit)
    for w in words(text):
        if w in _WORD_NUMBERS:
            found.add(_WORD_NUMBERS[w])
    return found


def calendar(text: str) -> set[str]:
    """Month and weekday names (abbreviations spelled out)."""
    out = set()
    for w in words(text):
        w = w.rstrip(".")
        if w in _MONTHS or w in _DAYS:
            out.add(w)
        elif w in _ABBREVIATED and w != "may":
            out.add(_ABBREVIATED[w])
    return out


def name_terms(text: str) -> set[str]:
    """Terms of the capitalised words past a sentence's first word."""
    out: set[str] = set()
    for i, token in enumerate(re.findall(r"\S+", text)):
        word = token.strip("\"'“”‘’()[],.;:!?")
        lower = word.lower().rstrip(".")
        if i > 0 and _NAME_WORD.fullmatch(word) and lower not in _NOT_NAMES:
            out.update(terms(word))
    return out


@dataclass(frozen=True)
class Check:
    """What a claim asserts that its quotes do not, and how much of it they share."""

    missing_numbers: set[str]
    missing_dates: set[str]
    missing_names: set[str]
    negation_differs: bool
    coverage: float

    def reason(self, min_coverage: float) -> str | None:
        if self.missing_numbers:
            return NUMBER
        if self.missing_dates:
            return DATE
        if self.missing_names:
            return NAME
        if self.negation_differs:
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


def check(claim: str, quotes: Sequence[str], context: Sequence[str] = ()) -> Check:
    """`claim` against its `quotes`; `context` (outlets, titles) may supply names."""
    claim = undotted(claim)
    quoted = undotted(" ".join(quotes))
    around = " ".join([quoted, *map(undotted, context)])
    claim_terms = set(terms(claim))
    known = set(terms(around))
    # A number's digits may be split by the term splitter ("1.7"): compare values, not terms.
    plain = {t for t in claim_terms if not t.replace(".", "").isdigit()}
    shared = claim_terms & set(terms(quoted))
    return Check(
        missing_numbers=numbers(claim) - numbers(quoted),
        missing_dates=calendar(claim) - calendar(around),
        missing_names=unknown_names(name_terms(claim), known),
        negation_differs=bool((negated_terms(claim) ^ negated_terms(quoted)) & shared),
        coverage=len(plain & known) / len(plain) if plain else 1.0,
    )


def why_unsupported(claim: Claim, evidence: Sequence[Sentence], min_coverage: float) -> str | None:
    """The reason `claim` can't be shown as supported, or None when it can."""
    if is_refusal(claim.text):
        return None
    cited = [Quote.of(evidence[n - 1]) for n in claim.citations if 1 <= n <= len(evidence)]
    if not cited:
        return UNCITED
    context = [x for q in cited for x in q.context]
    return check(claim.text, [q.text for q in cited], context).reason(min_coverage)


@dataclass(frozen=True)
class Quote:
    """What the check reads of an evidence sentence: its text, its article and the
    article's outlet and title."""

    text: str
    article: str
    context: tuple[str, ...] = ()

    @classmethod
    def of(cls, sentence: Sentence) -> Quote:
        chunk = sentence.chunk
        context = tuple(x for x in (chunk.outlet, chunk.title) if x)
        return cls(sentence.text, sentence.source_id, context)


def recite(
    text: str, cited: Sequence[int], quotes: Sequence[Quote], bar: float
) -> list[int] | None:
    """The marker of the one sentence of a cited article that backs `text` by itself, when
    the `cited` quotes don't (the best covered, when several do), or None.

    A small model often cites the sentence next to the one it used. Choosing among many
    sentences accepts more by chance than checking the one the model named, so the new
    quote must hold at least `bar` of the claim's words (RAG_RECITE_COVERAGE, calibrated
    well above the check's own share). Never a sentence of another article: that is how a
    wrong claim is stitched together.
    """
    articles = {quotes[n - 1].article for n in cited}
    best: tuple[float, int] | None = None
    for n, quote in enumerate(quotes, start=1):
        if quote.article not in articles or n in cited:
            continue
        found = check(text, [quote.text], quote.context)
        if found.reason(bar) is None and (best is None or found.coverage > best[0]):
            best = (found.coverage, n)
    return [best[1]] if best else None


class Release:
    """Check an LLM's answer sentence by sentence as it streams: `feed` gives back each
    sentence its quotes back (with its markers) once the next one has begun, `finish` the
    last. A sentence whose valid markers name quotes that don't back it, when another quote
    of their article does (`recite`, above `recite_coverage`), is shown citing that one and
    noted in `recited`; the rest are kept in `removed`, with the reason, and never shown."""

    def __init__(
        self,
        evidence: Sequence[Sentence],
        min_coverage: float,
        recite_coverage: float | None = None,  # None: no re-citing
    ) -> None:
        self._evidence = evidence
        self._recite_coverage = recite_coverage
        self._quotes = [Quote.of(s) for s in evidence]
        self._min_coverage = min_coverage
        self.raw = ""
        self.shown: list[str] = []
        self.removed: list[RemovedClaim] = []
        self.recited: list[RecitedClaim] = []
        self.refused = False  # the model said the evidence doesn't answer: held, not shown
        self._done = 0

    def feed(self, piece: str) -> list[str]:
        self.raw += piece
        claims = split_claims(self.raw)
        # The last claim may be unfinished; so may the one before, while the last holds no
        # word yet ("… third. [" may still become "… third. [2]", markers that belong to it).
        held = 1
        while held < len(claims) and not _LETTER.search(claims[-held].text):
            held += 1
        return self._release(claims[:-held])

    def finish(self) -> list[str]:
        return self._release(split_claims(self.raw))

    @property
    def text(self) -> str:
        return " ".join(self.shown)

    def _release(self, claims: Sequence[ParsedClaim]) -> list[str]:
        out: list[str] = []
        for parsed in claims[self._done :]:
            if is_refusal(parsed.text):  # the chain decides what a model's refusal means
                self.refused = True
                continue
            found = validate(
                parsed.text + "".join(f" [{n}]" for n in parsed.markers), self._evidence
            )
            claim = found.claims[0] if found.claims else None
            reason = why_unsupported(claim, self._evidence, self._min_coverage) if claim else None
            cites = claim.citations if claim else []
            mis_cited = reason not in (None, UNCITED) and cites  # its markers name real quotes
            if mis_cited and self._recite_coverage is not None:
                better = recite(parsed.text, cites, self._quotes, self._recite_coverage)
                if better is not None:
                    self.recited.append(RecitedClaim(text=parsed.text, cited=cites, now=better))
                    reason, cites = None, better
            if reason is None:  # shown with its valid markers only
                markers = "".join(f" [{n}]" for n in cites)
                out.append(("" if not self.shown and not out else " ") + parsed.text + markers)
            else:
                self.removed.append(RemovedClaim(text=parsed.text, citations=cites, reason=reason))
        self._done = max(self._done, len(claims))
        self.shown.extend(x.strip() for x in out)
        return out
