"""The answer chain: retrieve -> rank evidence sentences -> generate -> validate citations.

`AnswerChain.events()` yields the stream the API and `rag ask --stream` show
(sources, deltas, citations, done); `AnswerChain.ask()` runs it to the final `Answer`.
"""

from __future__ import annotations

import time
from collections.abc import Generator as Generator_
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from rag.answering.refusal import judge
from rag.compare.answer import compare_answer
from rag.compare.comparer import Comparer, CompareResult
from rag.compare.detect import is_comparative
from rag.config import Settings
from rag.errors import EmptyQuestionError, GenerationError
from rag.generation.base import Generator, is_refusal, refusal
from rag.generation.extractive import ExtractiveGenerator
from rag.query.scope import Scope
from rag.reading.base import Reader
from rag.reading.rank import read_evidence
from rag.reading.short_answer import short_answer
from rag.retrieval.evidence import Sentence, rank_sentences
from rag.retrieval.retriever import Retrieval, Retriever
from rag.schema import (
    Answer,
    GroupBy,
    RecitedClaim,
    RemovedClaim,
    RequestMode,
    Timings,
)
from rag.store.filters import Filters
from rag.support.citations import Validated, source_refs, unscored, validate
from rag.support.judge import SupportJudge
from rag.support.release import Release

EventName = Literal["sources", "delta", "citation", "done"]
NO_CITATION = "the LLM gave no valid citation"
NOTHING_SUPPORTED = "no sentence of the LLM's answer was backed by its quotes"
MODEL_REFUSED = "the LLM found no answer in evidence judged to answer the question"


@dataclass(frozen=True)
class Event:
    event: EventName
    data: Any


@dataclass(frozen=True)
class Generated:
    """What answered (the LLM, or extractive in its place, and why) and its checked text."""

    generator: str
    text: str
    checked: Validated
    fallback_reason: str | None
    removed: list[RemovedClaim] = field(default_factory=list)
    recited: list[RecitedClaim] = field(default_factory=list)


class AnswerChain:
    def __init__(
        self,
        retriever: Retriever,
        generator: Generator,
        settings: Settings,
        reader: Reader | None = None,
        judge: SupportJudge | None = None,
    ) -> None:
        self.retriever = retriever
        self.generator = generator
        self.settings = settings
        self.reader = reader
        # Whether an LLM sentence's quotes back it (no verifier unless given: the pipeline
        # gives the one RAG_VERIFIER names).
        self.judge = judge or SupportJudge(None, settings.claim_coverage)
        self._fallback = ExtractiveGenerator(settings.extractive_sentences)
        self.comparer = Comparer(retriever, generator.summarizer, judge=self.judge, reader=reader)

    def ask(
        self,
        question: str,
        k: int | None = None,
        filters: Filters | None = None,
        mode: RequestMode = "auto",
        as_of: date | None = None,
        group_by: GroupBy = "auto",
    ) -> Answer:
        final: Answer | None = None
        events = self.events(
            question, k=k, filters=filters, mode=mode, as_of=as_of, group_by=group_by
        )
        for event in events:
            if event.event == "done":
                final = event.data
        assert final is not None
        return final

    def retrieve(
        self, question: str, k: int | None = None, filters: Filters | None = None
    ) -> tuple[Retrieval, list[Sentence]]:
        question = question.strip()
        if not question:
            raise EmptyQuestionError("the question is empty")
        retrieval = self.retriever.retrieve(question, k=k, filters=filters)
        reads = max(1, self.settings.extractive_sentences)  # what the answer and refusal read
        ranked = rank_sentences(retrieval, embed=self.retriever.embed_sentences, refine_top=reads)
        if self.reader is not None:  # the reader re-ranks the best candidates, then passages
            top = self.settings.reader_sentences
            ranked, retrieval = read_evidence(ranked, retrieval, self.reader, top, filters=filters)
        return retrieval, ranked

    @property
    def refusal_threshold(self) -> float:
        if self.reader is None:
            return self.settings.refusal_threshold
        return self.settings.reader_refusal_threshold

    def events(
        self,
        question: str,
        k: int | None = None,
        filters: Filters | None = None,
        mode: RequestMode = "auto",
        as_of: date | None = None,
        group_by: GroupBy = "auto",
    ) -> Iterator[Event]:
        """Stream of events for one question; `mode` "compare" (or "auto" on a comparative
        question) answers per source, "answer" always gives a single answer. `as_of` (default
        today) is the day the question is asked on: "this week" in it means the week up to
        that day, and the evidence is kept to that window; an explicit `as_of` also leaves
        out articles dated after it."""
        scope = Scope.of(question, filters or Filters(), as_of)
        if mode == "compare" or (mode == "auto" and is_comparative(question)):
            yield from self._compare_events(question, scope, group_by)
            return
        started = time.perf_counter()
        retrieval, ranked = self.retrieve(question, k=k, filters=scope.filters)
        t_retrieved = time.perf_counter()
        yield Event("sources", retrieval.passages)

        base = {
            "question": retrieval.question,
            "retrieved": source_refs(retrieval.passages),
            **scope.fields(),
        }
        judgement = judge(ranked, retrieval, scope.filters, self.settings.extractive_sentences)
        if not judgement.answers(self.refusal_threshold):
            text = refusal(scope.window.describe() if scope.window else None)
            yield Event("delta", text)
            yield Event(
                "done", self._finish(base, text, None, self.generator.name, started, t_retrieved)
            )
            return

        generated = yield from self._generate(ranked, retrieval)
        for citation in generated.checked.citations:
            yield Event("citation", citation)
        text, checked = generated.text, generated.checked
        refused = is_refusal(text) and not checked.citations
        answer = self._finish(
            base, text, None if refused else checked, generated.generator, started, t_retrieved
        )
        answer.fallback = generated.fallback_reason is not None
        answer.fallback_reason = generated.fallback_reason
        answer.removed = generated.removed
        answer.recited = generated.recited
        if not refused:
            threshold = self.settings.short_answer_threshold
            answer.short_answer = short_answer(ranked, answer.citations, threshold)
        answer.support_threshold = self.judge.threshold
        yield Event("done", answer)

    def _release(self, evidence: Sequence[Sentence]) -> Release:
        return Release(evidence, self.judge, self.settings.recite_coverage)

    def _generate(
        self, ranked: list[Sentence], retrieval: Retrieval
    ) -> Generator_[Event, None, Generated]:
        """Stream the generator's answer. An LLM's sentences are released one by one, each
        once its quotes are found to back it (rag/support/); the others are listed as
        removed. An LLM that fails, times out, cites nothing (after one stricter retry),
        keeps no backed sentence or refuses is replaced by the extractive answer, with the
        reason: whether the evidence answers was decided before (rag/answering/refusal.py), and
        a small model's refusal of evidence judged to answer is its failure, not the news's."""
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
                for piece in generator.stream(retrieval.question, evidence, strict=strict):
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

    def _compare_events(self, question: str, scope: Scope, group_by: GroupBy) -> Iterator[Event]:
        started = time.perf_counter()
        question = question.strip()
        if not question:
            raise EmptyQuestionError("the question is empty")
        result: CompareResult | None = None
        t_retrieved = started
        filters = self.retriever.check(scope.filters)
        for kind, data in self.comparer.run(question, filters, group_by):
            if kind == "findings":
                t_retrieved = time.perf_counter()
                yield Event("sources", data)
            elif kind == "delta":
                yield Event("delta", data)
            elif isinstance(data, CompareResult):
                result = data
        assert result is not None
        for citation in result.citations:
            yield Event("citation", citation)
        timings = Timings.measured(started, t_retrieved)
        threshold = self.judge.threshold
        answer = compare_answer(
            question, result, self.generator.name, timings, threshold, **scope.fields()
        )
        yield Event("done", answer)

    def _finish(
        self,
        base: dict[str, Any],
        text: str,
        checked: Validated | None,
        generator: str,
        started: float,
        t_retrieved: float,
    ) -> Answer:
        timings = Timings.measured(started, t_retrieved)
        reader = self.reader.name if self.reader is not None else None
        if checked is None:
            return Answer(
                answer=text,
                mode="refusal",
                generator=generator,
                timings_ms=timings,
                reader=reader,
                **base,
            )
        return Answer(
            answer=text.strip(),
            mode="answer",
            citations=checked.citations,
            sources=source_refs(checked.citations),
            claims=checked.claims,
            dropped_citations=checked.dropped,
            generator=generator,
            timings_ms=timings,
            reader=reader,
            **base,
        )
