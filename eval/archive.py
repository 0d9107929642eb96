"""The shared archive as a second gold set: real weekly news-quiz questions, real articles.

    rag eval --archive [--archive-index DIR] [--split heldout|calibration|all]

Reads ../shared/corpora/realtimeqa-dev/questions.jsonl (never copied into the repository;
absent, the command says so and stops). Every question is asked over the whole archive
as of its quiz date, then again with its own articles (`doc_ids`) removed, where the
answer is usually gone and a refusal is right. Reported per split:
- `in_text`, `in_quotes`: the gold answer is in the answer text / in a cited quote
  (questions whose gold answer occurs in their own articles: `answer_in_docs`);
- `in_short`: the gold answer is in the short answer (rag/reading: shown when the reader is
  sure); `short_answered`: share given one; `exact_match`, `f1`: the short answer against
  the gold answer, as SQuAD scores it (no short answer scores 0);
- `answered`: share of those answered rather than refused;
- `refused_without_own`: share of those refused once their own articles are removed;
- `median_words` of the answers, latency p50/p95.
The split alternates quiz dates (sorted): calibration and held-out questions come from
the same 13 weeks, and no quiz is in both. Rules are fitted on `calibration` only.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from eval.answer_metrics import exact_match, f1
from eval.metrics import is_refused, normalize, percentile
from rag.answering.pipeline import Pipeline
from rag.errors import ConfigError
from rag.schema import Answer
from rag.store.filters import Filters

QUESTIONS = Path("../shared/corpora/realtimeqa-dev/questions.jsonl")
Split = Literal["calibration", "heldout"]


@dataclass(frozen=True)
class ArchiveQuestion:
    id: str
    question: str
    quiz_date: date
    answer: str
    doc_ids: tuple[str, ...]
    answer_in_docs: bool
    split: Split


def load_archive_questions(path: Path = QUESTIONS) -> list[ArchiveQuestion]:
    """The quiz questions, each with its split (see the module docstring)."""
    if not path.is_file():
        raise ConfigError(
            f"no archive questions at {path}: the shared archive "
            "(../shared/corpora/realtimeqa-dev) is not on this machine"
        )
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    dates = sorted({r["question_date"] for r in rows})
    split: dict[str, Split] = {
        d: ("calibration" if i % 2 == 0 else "heldout") for i, d in enumerate(dates)
    }
    return [
        ArchiveQuestion(
            id=r["id"],
            question=r["question"],
            quiz_date=date.fromisoformat(r["question_date"]),
            answer=str(r["answer"]),
            doc_ids=tuple(r["doc_ids"]),
            answer_in_docs=bool(r["answer_in_docs"]),
            split=split[r["question_date"]],
        )
        for r in rows
    ]


def gold_form(answer: str) -> str:
    """The gold answer as matched: normalised, without quotes or a closing full stop."""
    return normalize(answer).strip(" \"'.,;:")


def contains(text: str, answer: str) -> bool:
    gold = gold_form(answer)
    return bool(gold) and gold in normalize(text)


def words(answer: Answer) -> int:
    return len(re.findall(r"\S+", re.sub(r"\[\d+(?:,\s*\d+)*\]", "", answer.answer)))


@dataclass(frozen=True)
class ArchiveResult:
    item: ArchiveQuestion
    answer: Answer
    without_own: Answer
    latency_ms: float

    @property
    def in_text(self) -> bool:
        return not is_refused(self.answer) and contains(self.answer.answer, self.item.answer)

    @property
    def short(self) -> str:
        return self.answer.short_answer.text if self.answer.short_answer else ""

    @property
    def in_short(self) -> bool:
        return not is_refused(self.answer) and contains(self.short, self.item.answer)

    @property
    def in_quotes(self) -> bool:
        return not is_refused(self.answer) and any(
            contains(c.quote, self.item.answer) for c in self.answer.citations
        )

    def record(self) -> dict[str, Any]:
        return {
            "id": self.item.id,
            "split": self.item.split,
            "question": self.item.question,
            "quiz_date": self.item.quiz_date.isoformat(),
            "gold": self.item.answer,
            "answer_in_docs": self.item.answer_in_docs,
            "mode": self.answer.mode,
            "answer": self.answer.answer,
            "window": self.answer.time_window.model_dump() if self.answer.time_window else None,
            "cited": [c.source_id for c in self.answer.citations],
            "own_cited": sorted(
                {c.source_id for c in self.answer.citations} & set(self.item.doc_ids)
            ),
            "in_text": self.in_text,
            "in_quotes": self.in_quotes,
            "short_answer": self.short or None,
            "in_short": self.in_short,
            "refused_without_own": is_refused(self.without_own),
            "answer_without_own": self.without_own.answer,
            "words": words(self.answer),
            "latency_ms": round(self.latency_ms, 1),
        }


def ask_all(
    pipe: Pipeline,
    items: Sequence[ArchiveQuestion],
    on_done: Callable[[ArchiveResult], None] | None = None,
) -> list[ArchiveResult]:
    """Every question as of its quiz date, with and without its own articles."""
    results = []
    if items:
        pipe.chain.ask(items[0].question, as_of=items[0].quiz_date)  # warm-up, not timed
    for item in items:
        started = time.perf_counter()
        answer = pipe.chain.ask(item.question, as_of=item.quiz_date, mode="answer")
        latency = (time.perf_counter() - started) * 1000
        removed = pipe.chain.ask(
            item.question,
            as_of=item.quiz_date,
            mode="answer",
            filters=Filters.of(exclude=item.doc_ids),
        )
        result = ArchiveResult(item, answer, removed, latency)
        results.append(result)
        if on_done:
            on_done(result)
    return results


def summarize(results: Sequence[ArchiveResult]) -> dict[str, float | int | None]:
    """The archive metrics (see the module docstring) over `results`."""
    gold = [r for r in results if r.item.answer_in_docs]
    answered = [r for r in results if not is_refused(r.answer)]

    def share(flags: Sequence[bool]) -> float | None:
        return round(sum(flags) / len(flags), 4) if flags else None

    def mean_of(values: Sequence[float]) -> float | None:
        return round(statistics.fmean(values), 2) if values else None

    latencies = [r.latency_ms for r in results]
    return {
        "questions": len(results),
        "answer_in_docs": len(gold),
        "in_text": share([r.in_text for r in gold]),
        "in_quotes": share([r.in_quotes for r in gold]),
        "in_short": share([r.in_short for r in gold]),
        "short_answered": share([bool(r.short) for r in gold]),
        "exact_match": mean_of([100 * exact_match(r.short, [r.item.answer]) for r in gold]),
        "f1": mean_of([100 * f1(r.short, [r.item.answer]) if r.short else 0.0 for r in gold]),
        "answered": share([not is_refused(r.answer) for r in gold]),
        "refused_without_own": share([is_refused(r.without_own) for r in gold]),
        "answered_all": share([not is_refused(r.answer) for r in results]),
        "median_words": statistics.median(words(r.answer) for r in answered) if answered else None,
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }
