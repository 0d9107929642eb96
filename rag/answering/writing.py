"""Writing the answer, with its retry and fallback policy.

An LLM's sentences are released one by one, each once its quotes back it (rag/support/);
an LLM that fails, times out, cites nothing after one stricter retry, keeps no backed
sentence or refuses evidence judged to answer is replaced by the extractive answer, with
the reason. A verbatim generator (extractive) is streamed as it is.
"""

from __future__ import annotations

import threading
from collections.abc import Generator as Generator_
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from rag.answering.events import Event
from rag.errors import GenerationError
from rag.generation.base import Generator, is_refusal
from rag.llm.stop import until
from rag.retrieval.evidence import Sentence
from rag.retrieval.retriever import Retrieval
from rag.schema import RecitedClaim, RemovedClaim
from rag.support.citations import Validated, unscored, validate
from rag.support.judge import SupportJudge
from rag.support.release import Release

NO_CITATION = "the LLM gave no valid citation"
NOTHING_SUPPORTED = "no sentence of the LLM's answer was backed by its quotes"
MODEL_REFUSED = "the LLM found no answer in evidence judged to answer the question"


@dataclass(frozen=True)
class Generated:
    """What answered (the LLM, or extractive in its place, and why) and its checked text."""

    generator: str
    text: str
    checked: Validated
    fallback_reason: str | None
    removed: list[RemovedClaim] = field(default_factory=list)
    recited: list[RecitedClaim] = field(default_factory=list)


class Writer:
    """Streams `generator`'s answer, or `fallback`'s in its place."""

    def __init__(
        self,
        generator: Generator,
        fallback: Generator,
        judge: SupportJudge,
        recite_coverage: float,
    ) -> None:
        self.generator = generator
        self._fallback = fallback
        self.judge = judge
        self.recite_coverage = recite_coverage

    def _release(self, evidence: Sequence[Sentence]) -> Release:
        return Release(evidence, self.judge, self.recite_coverage)

    def write(
        self, ranked: list[Sentence], retrieval: Retrieval, stop: threading.Event | None = None
    ) -> Generator_[Event, None, Generated]:
        """Stream the generator's answer. An LLM's sentences are released one by one, each
        once its quotes are found to back it (rag/support/); the others are listed as
        removed. An LLM that fails, times out, cites nothing (after one stricter retry),
        keeps no backed sentence or refuses is replaced by the extractive answer, with the
        reason: whether the evidence answers was decided before (rag/answering/refusal.py), and
        a small model's refusal of evidence judged to answer is its failure, not the news's.
        Once `stop` is set, the LLM's stream ends at its next piece (rag/llm/stop.py)."""
        generator = self.generator
        evidence = generator.evidence(ranked, retrieval)
        if generator.verbatim:
            text = ""
            for piece in generator.stream(retrieval.question, evidence):
                text += piece
                yield Event("delta", piece)
            return Generated(
                generator.name, text, validate(text, evidence, self.judge.support), None
            )
        release, reason = self._release(evidence), None
        try:
            for strict in (False, True):
                release = self._release(evidence)
                pieces = generator.stream(retrieval.question, evidence, strict=strict)
                for piece in until(stop, pieces):
                    for sentence in release.feed(piece):
                        yield Event("delta", sentence)
                for sentence in release.finish():
                    yield Event("delta", sentence)
                if validate(release.raw, evidence, unscored).citations or is_refusal(release.raw):
                    break  # else one stricter retry (nothing of this one was shown)
            else:
                reason = NO_CITATION
        except GenerationError as exc:
            reason = str(exc)
        # Markers that named no evidence stay reported, though their sentences are gone.
        dropped = validate(release.raw, evidence, unscored).dropped
        checked = replace(validate(release.text, evidence, self.judge.support), dropped=dropped)
        if reason is None and checked.citations:
            return Generated(
                generator.name, release.text, checked, None, release.removed, release.recited
            )
        evidence = self._fallback.evidence(ranked, retrieval)
        text = "".join(self._fallback.stream(retrieval.question, evidence))
        yield Event("delta", {"replace": text})
        why = reason or (MODEL_REFUSED if release.refused else NOTHING_SUPPORTED)
        return Generated(
            self._fallback.name,
            text,
            validate(text, evidence, self.judge.support),
            why,
            release.removed,
        )
