"""The answer chain: retrieve -> rank evidence sentences -> generate -> validate citations.

`AnswerChain.events()` yields the stream the API and `rag ask --stream` show
(sources, deltas, citations, done); `AnswerChain.ask()` runs it to the final `Answer`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

from rag.answering.events import Event as Event  # the stream's events, re-exported
from rag.answering.refusal import judge
from rag.answering.writing import Writer
from rag.compare.answer import compare_answer
from rag.compare.comparer import Comparer, CompareResult
from rag.compare.detect import is_comparative
from rag.config import Settings
from rag.errors import EmptyQuestionError
from rag.generation.base import Generator, is_refusal, refusal
from rag.generation.extractive import ExtractiveGenerator
from rag.llm.stop import until
from rag.query.scope import Scope
from rag.reading.base import Reader
from rag.reading.rank import read_evidence
from rag.reading.short_answer import short_answer
from rag.retrieval.evidence import Sentence, rank_sentences
from rag.retrieval.retriever import Retrieval, Retriever
from rag.schema import (
    Answer,
    GroupBy,
    RequestMode,
    Timings,
)
from rag.store.filters import Filters
from rag.support.citations import Validated, source_refs
from rag.support.judge import SupportJudge


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
        self.settings = settings
        self.reader = reader
        # Whether an LLM sentence's quotes back it (no verifier unless given: the pipeline
        # gives the one RAG_VERIFIER names).
        self.judge = judge or SupportJudge(None, settings.claim_coverage)
        fallback = ExtractiveGenerator(settings.extractive_sentences)
        self.writer = Writer(generator, fallback, self.judge, settings.recite_coverage)
        self.comparer = Comparer(retriever, generator.summarizer, judge=self.judge, reader=reader)

    @property
    def generator(self) -> Generator:
        """What writes the answers (an LLM or extractive; the writer falls back from it)."""
        return self.writer.generator

    @generator.setter
    def generator(self, generator: Generator) -> None:
        self.writer.generator = generator

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
        stop: threading.Event | None = None,
    ) -> Iterator[Event]:
        """Stream of events for one question; `mode` "compare" (or "auto" on a comparative
        question) answers per source, "answer" always gives a single answer. `as_of` (default
        today) is the day the question is asked on: "this week" in it means the week up to
        that day, and the evidence is kept to that window; an explicit `as_of` also leaves
        out articles dated after it. `stop`, set once nobody reads (a client gone), ends the
        stream at the LLM's next piece with `Stopped`, its request closed (rag/llm/stop.py)."""
        scope = Scope.of(question, filters or Filters(), as_of)
        if mode == "compare" or (mode == "auto" and is_comparative(question)):
            yield from self._compare_events(question, scope, group_by, stop)
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

        generated = yield from self.writer.write(ranked, retrieval, stop)
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

    def _compare_events(
        self, question: str, scope: Scope, group_by: GroupBy, stop: threading.Event | None
    ) -> Iterator[Event]:
        started = time.perf_counter()
        question = question.strip()
        if not question:
            raise EmptyQuestionError("the question is empty")
        result: CompareResult | None = None
        t_retrieved = started
        filters = self.retriever.check(scope.filters)
        for kind, data in until(stop, self.comparer.run(question, filters, group_by)):
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
