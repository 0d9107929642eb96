"""Support, enforced as an LLM answer streams: only sentences their cited quotes back are
shown (rag/support/judge.py decides); the others are listed with the reason, and a
sentence that cites the neighbour of the quote that backs it is shown citing that one.
The extractive answer needs no release: its sentences are the quotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.generation.base import is_refusal
from rag.retrieval.evidence import Sentence
from rag.schema import RecitedClaim, RemovedClaim
from rag.support.citations import ParsedClaim, split_claims
from rag.support.exact import check
from rag.support.judge import UNCITED, Quote, SupportJudge

_LETTER = re.compile(r"[^\W\d_]")


def recite(
    text: str, cited: Sequence[int], quotes: Sequence[Quote], bar: float, judge: SupportJudge
) -> list[int] | None:
    """The marker of the one sentence of a cited article that backs `text` by itself, when
    the `cited` quotes don't (the best supported, when several do), or None.

    A small model often cites the sentence next to the one it used. Choosing among many
    sentences accepts more by chance than checking the one the model named, so the new
    quote must also hold at least `bar` of the claim's words (RAG_RECITE_COVERAGE,
    calibrated well above the check's own share) before the judge reads it. Never a
    sentence of another article: that is how a wrong claim is stitched together.
    """
    articles = {quotes[n - 1].article for n in cited}
    candidates = [
        n
        for n, quote in enumerate(quotes, start=1)
        if quote.article in articles
        and n not in cited
        and check(text, [quote.text], quote.context).reason(bar) is None
    ]
    verdicts = judge.verdicts([(text, [quotes[n - 1]]) for n in candidates])
    backed = [(v.support, n) for n, v in zip(candidates, verdicts, strict=True) if v.reason is None]
    return [max(backed)[1]] if backed else None


class Release:
    """Check an LLM's answer sentence by sentence as it streams: `feed` gives back each
    sentence its quotes back (with its markers) once the next one has begun, `finish` the
    last. A sentence whose valid markers name quotes that don't back it, when another quote
    of their article does (`recite`, above `recite_coverage`), is shown citing that one and
    noted in `recited`; the rest are kept in `removed`, with the reason, and never shown."""

    def __init__(
        self,
        evidence: Sequence[Sentence],
        judge: SupportJudge,
        recite_coverage: float | None = None,  # None: no re-citing
    ) -> None:
        self._evidence = evidence
        self._recite_coverage = recite_coverage
        self._quotes = [Quote.of(s) for s in evidence]
        self._judge = judge
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
            cites = [n for n in parsed.markers if 1 <= n <= len(self._evidence)]
            quoted = [self._quotes[n - 1] for n in cites]
            reason = self._judge.verdict(parsed.text, quoted).reason if parsed.text else None
            mis_cited = reason not in (None, UNCITED) and cites  # its markers name real quotes
            if mis_cited and self._recite_coverage is not None:
                better = recite(
                    parsed.text, cites, self._quotes, self._recite_coverage, self._judge
                )
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
