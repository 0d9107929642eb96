"""Harness: index a corpus in a temporary folder, ask every gold question, score, aggregate.

Usage (what `rag eval` does):

    with temporary_pipeline(settings, Path("seeds")) as (pipe, report):
        results = run_questions(pipe, load_gold(Path("eval/gold/news.jsonl")))
    metrics = aggregate_results(results)

Questions are asked with mode "auto", as a user would ask them, so routing a
comparative question to compare mode is part of what is measured. A benchmark
(eval/benchmarks) asks `Case`s: a gold question with the passages it may use and the day
it is asked on, plus scores of the set's own metrics. Ctrl-C while asking raises
`Interrupted`, which carries the results so far.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from eval.gold import QUESTION_TYPES, GoldItem, check_sources
from eval.metrics import (
    FAILURE_CHECKS,
    MetricTable,
    aggregate,
    answer_text,
    applicable,
    failure_reasons,
    groups_passed,
    is_refused,
    retrieved_ids,
    score_question,
)
from rag.answering.pipeline import Pipeline, open_pipeline
from rag.config import Settings
from rag.documents.loading import discover
from rag.errors import ConfigError, DocumentError
from rag.ingest import IngestReport, ProgressFn, ingest_paths
from rag.reading.base import Reader
from rag.schema import Answer, RequestMode
from rag.store.filters import Filters

Judge = Callable[[GoldItem, Answer], dict[str, float | None]]


@dataclass(frozen=True)
class Case:
    """A gold question and how it is asked: only `filters`' passages, as on day `as_of`."""

    item: GoldItem
    filters: Filters | None = None
    as_of: date | None = None
    mode: RequestMode = "auto"


Extra = Callable[[Case, Answer], dict[str, float | None]]  # a benchmark's own scores


@dataclass
class QuestionResult:
    item: GoldItem
    answer: Answer
    latency_ms: float
    scores: dict[str, float | None]
    groups: list[bool] = field(default_factory=list)
    checks: tuple[str, ...] = FAILURE_CHECKS  # the scores that fail a question below 1
    as_of: date | None = None

    @property
    def failures(self) -> list[str]:
        return failure_reasons(self.scores, self.checks)

    def detail(self) -> dict[str, Any]:
        """The per-question record written to the results JSON."""
        a = self.answer
        return {
            "id": self.item.id,
            "type": self.item.type,
            "question": self.item.question,
            "refuse": self.item.refuse,
            "gold_answer": self.item.answer,
            "gold_sources": self.item.sources,
            "silent_sources": self.item.silent_sources,
            "mode": a.mode,
            "answer": a.answer,
            "short_answer": a.short_answer.text if a.short_answer else None,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "synthesis": a.synthesis,
            "per_source": [e.model_dump() for e in a.per_source]
            if a.per_source is not None
            else None,
            "retrieved": retrieved_ids(a),
            "citations": [
                {
                    "n": c.n,
                    "source_id": c.source_id,
                    "quote": c.quote,
                    "start": c.start,
                    "end": c.end,
                }
                for c in a.citations
            ],
            "claims": [c.model_dump() for c in a.claims],
            "dropped_citations": a.dropped_citations,
            "must_include": [
                {"alternatives": g, "passed": ok}
                for g, ok in zip(self.item.must_include, self.groups, strict=False)
            ],
            "scores": self.scores,
            "latency_ms": round(self.latency_ms, 2),
            "failures": self.failures,
        }


def _scoped(settings: Settings, data_dir: Path) -> Settings:
    # An eval never touches the user's index: local Chroma in a fresh folder, own collection,
    # and the SQLite catalog there (not RAG_CATALOG_URL's database).
    return settings.model_copy(
        update={"data_dir": data_dir, "chroma_url": None, "collection": "eval", "catalog_url": None}
    )


@contextmanager
def temporary_pipeline(
    settings: Settings,
    corpus: Path,
    on_progress: ProgressFn | None = None,
    reader: Reader | Literal["settings"] | None = "settings",
) -> Iterator[tuple[Pipeline, IngestReport]]:
    """A pipeline over `corpus` indexed into a temporary data dir, removed afterwards
    (`reader`: the one `settings` name unless given)."""
    if not corpus.is_dir():
        raise ConfigError(f"corpus {corpus} is not a folder")
    files = discover([corpus])
    if not files:
        raise DocumentError(f"corpus {corpus} holds no articles (.txt, .md, .html)")
    with tempfile.TemporaryDirectory(prefix="rag-eval-", ignore_cleanup_errors=True) as tmp:
        scoped = _scoped(settings, Path(tmp))
        with open_pipeline(scoped, reader=reader) as pipe:
            report = ingest_paths(pipe.store, files, scoped, on_progress=on_progress)
            if not (report.added or report.updated or report.unchanged):
                raise DocumentError(f"no article of {corpus} could be indexed: {report.failed}")
            yield pipe, report


def indexed_sources(pipe: Pipeline) -> list[str]:
    return [s.source_id for s in pipe.store.sources()]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while asking: `results` holds the questions answered before it."""

    def __init__(self, results: list[QuestionResult]) -> None:
        super().__init__()
        self.results = results


def ask_case(
    pipe: Pipeline,
    case: Case,
    judge: Judge | None = None,
    extra: Extra | None = None,
    checks: tuple[str, ...] = FAILURE_CHECKS,
) -> QuestionResult:
    item = case.item
    started = time.perf_counter()
    answer = pipe.chain.ask(item.question, filters=case.filters, mode=case.mode, as_of=case.as_of)
    latency = (time.perf_counter() - started) * 1000
    scores = score_question(item, answer, pipe.chain.judge.threshold)
    if extra is not None:
        scores.update(extra(case, answer))
    if judge is not None:
        scores.update(judge(item, answer))
    groups = groups_passed(item.must_include, "" if is_refused(answer) else answer_text(answer))
    return QuestionResult(item, answer, latency, scores, groups, checks, case.as_of)


def ask_one(pipe: Pipeline, item: GoldItem, judge: Judge | None = None) -> QuestionResult:
    return ask_case(pipe, Case(item), judge)


def run_cases(
    pipe: Pipeline,
    cases: Sequence[Case],
    judge: Judge | None = None,
    on_done: Callable[[QuestionResult], None] | None = None,
    extra: Extra | None = None,
    checks: tuple[str, ...] = FAILURE_CHECKS,
) -> list[QuestionResult]:
    """Ask every case in order (after checking its sources are indexed); Ctrl-C raises
    `Interrupted` with the results so far.

    One untimed warm-up question first builds the lexical index and loads lazy models,
    so latency percentiles measure answering, not start-up.
    """
    check_sources([c.item for c in cases], indexed_sources(pipe), "the corpus")
    results: list[QuestionResult] = []
    try:
        if cases:
            first = cases[0]
            pipe.chain.ask(first.item.question, filters=first.filters, as_of=first.as_of)
        for case in cases:
            result = ask_case(pipe, case, judge, extra, checks)
            results.append(result)
            if on_done:
                on_done(result)
    except KeyboardInterrupt as exc:
        raise Interrupted(results) from exc
    return results


def run_questions(
    pipe: Pipeline,
    items: Sequence[GoldItem],
    judge: Judge | None = None,
    on_done: Callable[[QuestionResult], None] | None = None,
) -> list[QuestionResult]:
    """Ask every gold question in order, as a user would (see `run_cases`)."""
    return run_cases(pipe, [Case(i) for i in items], judge, on_done)


def _rounded(values: dict[str, float | None]) -> dict[str, float | None]:
    return {k: (round(v, 4) if v is not None else None) for k, v in values.items()}


def aggregate_results(results: Sequence[QuestionResult]) -> MetricTable:
    """Metric means overall (over questions, not types) and per question type."""
    table: MetricTable = {
        "overall": _rounded(aggregate([r.scores for r in results], [r.latency_ms for r in results]))
    }
    for qtype in QUESTION_TYPES:
        group = [r for r in results if r.item.type == qtype]
        if group:
            table[qtype] = _rounded(
                aggregate([r.scores for r in group], [r.latency_ms for r in group])
            )
    return table


def applicable_counts(results: Sequence[QuestionResult]) -> dict[str, dict[str, int]]:
    counts = {"overall": applicable([r.scores for r in results])}
    for qtype in QUESTION_TYPES:
        group = [r for r in results if r.item.type == qtype]
        if group:
            counts[qtype] = applicable([r.scores for r in group])
    return counts
