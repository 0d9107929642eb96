"""One support score: whether a claim's cited quotes back it, as one number.

    judge = SupportJudge(verifier, min_coverage=0.3)
    verdict = judge.verdict("The levy fell to 417 crowns.", [Quote.of(sentence)])
    verdict.support      # 0..1: what `Claim.support` carries, the page flags and the eval counts
    verdict.reason       # None when the claim may be shown, else why not
    judge.threshold      # the one threshold: shown exactly when support >= it

A claim that is its quotes, word for word, is backed (support 1.0: the extractive answer's
sentences). Otherwise the exact checks run first (rag/support/exact.py: numbers, dates,
names, negation, a word reversed; with a verifier, negation only where the claim keeps
most of its quotes' words, SURE_NEGATION); a claim one of them catches has support 0. Then:
- with a verifier (RAG_VERIFIER, rag/verification): its probability that the quotes entail
  the claim is the support, and the verifier's calibrated threshold decides;
- without one: the share of the claim's words its quotes hold is the support, and
  RAG_CLAIM_COVERAGE decides.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from rag.generation.base import is_refusal
from rag.retrieval.evidence import Sentence
from rag.schema import Claim
from rag.support.exact import COVERAGE, check
from rag.verification.base import Statement, Verifier

UNCITED = "it cites no quote"
UNBACKED = "its quotes don't say this"
CACHE = 4096  # verdicts kept: a streamed sentence is judged again when the answer is built
# With a verifier, the exact negation check decides only for a claim that keeps this share
# of its words from its quotes; a looser one's negation is the verifier's to read. On the
# calibration pairs every wrong claim the negation check catches (a negation flipped, made
# implicit, a word reversed) keeps >= 0.75 of its words, while the local model's faithful
# restatements it flags keep 0.45-0.67 (median).
SURE_NEGATION = 0.75


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


@dataclass(frozen=True)
class Verdict:
    support: float  # 0..1
    reason: str | None  # why the claim can't be shown; None when it can


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".!?\"'”’ ")


def verbatim(claim: str, quotes: Sequence[Quote]) -> bool:
    """The claim is its quotes, word for word (one of them, or all in order)."""
    said = _plain(claim)
    return any(said == _plain(q.text) for q in quotes) or said == _plain(
        " ".join(q.text for q in quotes)
    )


class SupportJudge:
    def __init__(self, verifier: Verifier | None, min_coverage: float) -> None:
        self.verifier = verifier
        self.min_coverage = min_coverage
        self._seen: dict[Statement, float] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.verifier.name if self.verifier else "none"

    @property
    def threshold(self) -> float:
        """The support a claim needs to be shown (and not flagged as weak)."""
        return self.verifier.threshold if self.verifier else self.min_coverage

    def verdict(self, claim: str, quotes: Sequence[Quote]) -> Verdict:
        return self.verdicts([(claim, quotes)])[0]

    def verdicts(self, items: Sequence[tuple[str, Sequence[Quote]]]) -> list[Verdict]:
        """One verdict per (claim, quotes); the verifier reads the undecided ones in one batch."""
        out: list[Verdict | None] = [None] * len(items)
        ask: dict[int, Statement] = {}
        for i, (claim, quotes) in enumerate(items):
            if not quotes:
                out[i] = Verdict(0.0, UNCITED)
                continue
            if verbatim(claim, quotes):
                out[i] = Verdict(1.0, None)
                continue
            context = tuple(dict.fromkeys(x for q in quotes for x in q.context))
            found = check(claim, [q.text for q in quotes], context)
            if self.verifier is None:
                reason = found.reason(self.min_coverage)
                share = math.floor(found.coverage * 10_000) / 10_000  # never rounded up past it
                out[i] = Verdict(0.0 if reason not in (None, COVERAGE) else share, reason)
            elif (reason := found.reason(0.0, SURE_NEGATION)) is not None:
                out[i] = Verdict(0.0, reason)
            else:
                ask[i] = Statement(claim, tuple(q.text for q in quotes), context)
        for i, p in zip(ask, self._verify(list(ask.values())), strict=True):
            out[i] = Verdict(p, None if p >= self.threshold else UNBACKED)
        return [v for v in out if v is not None]

    def _verify(self, statements: list[Statement]) -> list[float]:
        if not statements or self.verifier is None:
            return []
        with self._lock:
            known = {s: self._seen[s] for s in statements if s in self._seen}
        new = [s for s in dict.fromkeys(statements) if s not in known]
        if new:
            known.update(zip(new, self.verifier.verify(new), strict=True))
            with self._lock:
                if len(self._seen) + len(new) > CACHE:
                    self._seen.clear()
                self._seen.update((s, known[s]) for s in new)
        return [round(known[s], 4) for s in statements]

    def support(self, text: str, cited: Sequence[Sentence]) -> float:
        """The support score of `text` against the `cited` sentences (rag/support/citations.py)."""
        return self.verdict(text, [Quote.of(s) for s in cited]).support

    def why_unsupported(self, claim: Claim, evidence: Sequence[Sentence]) -> str | None:
        """The reason `claim` can't be shown as supported, or None when it can."""
        if is_refusal(claim.text):
            return None
        cited = [Quote.of(evidence[n - 1]) for n in claim.citations if 1 <= n <= len(evidence)]
        return self.verdict(claim.text, cited).reason
