"""Fit how the reader is used, on the calibration split only.

    python -m eval.calibrate_reader [--archive-index DIR] [--out eval/calibration_reader.json]

Questions: the seed gold questions of the calibration split that must include facts (over
the seeds), and with `--archive-index` the archive quiz's calibration half whose answer is
in its own articles (asked as of the quiz date). Each is retrieved and its sentences ranked
as the chain does; then, reading each distinct pair once:
- `reader_sentences` (how many candidates the reader reads), `PRIOR` (the weight of the
  cheap ranking beside the reader) and `WINDOW` (the gain of a sentence from the period
  the question names) and `NAMED` (the gain of one whose passage holds its names; all
  rag/reading/rank.py) are chosen on a grid for the best
  mean of: the archive's gold answer in the best sentence, and the seeds' key facts in the
  best three; the cost in reader time is printed beside each candidate count;
- `short_answer_threshold`: the lowest confidence (answers x span) at which at least
  `SHORT_PRECISION` of the short answers shown hold the gold answer (or a key fact);
- `READER_FLOOR` (rag/generation/extractive.py): how close to the best a further sentence
  of an extractive answer must score, for the best mean of the archive's gold answer and
  the seeds' key facts in the answer, with a median answer of at most `MAX_WORDS` words.
The held-out split is never read here: `rag eval` reports on it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from eval.archive import contains, load_archive_questions
from eval.gold import load_gold, splits
from eval.harness import temporary_pipeline
from eval.metrics import groups_passed
from eval.results import write_json
from rag.answering.pipeline import Pipeline, open_pipeline
from rag.compare.detect import is_comparative
from rag.config import Settings
from rag.generation.extractive import compose
from rag.query.scope import Scope
from rag.reading.base import CachedReader, Reader, Reading
from rag.reading.encoding import Pair
from rag.reading.factory import reader_for
from rag.reading.rank import Use, read_evidence
from rag.reading.short_answer import confidence
from rag.retrieval.evidence import Sentence, rank_sentences, with_context
from rag.retrieval.retriever import Retrieval
from rag.store.filters import Filters

SENTENCES = (8, 12, 16, 24, 32, 48)
PRIORS = (0.0, 0.25, 1.0)
WINDOWS = (0.0, 0.3, 0.5)
NAMES = (0.0, 0.25, 0.5, 1.0)
SHORT_PRECISION = 0.6  # of the short answers shown, at least this share must be right
FLOORS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
MAX_WORDS = 45  # the ceiling on the median answer


class Timed:
    """A reader that counts the pairs it reads and the time it takes."""

    def __init__(self, reader: Reader) -> None:
        self.name = reader.name
        self._reader = reader
        self.pairs = 0
        self.seconds = 0.0

    def read(self, pairs: Sequence[Pair]) -> list[Reading]:
        started = time.perf_counter()
        out = self._reader.read(pairs)
        self.seconds += time.perf_counter() - started
        self.pairs += len(pairs)
        return out


@dataclass
class Case:
    corpus: str
    question: str
    ranked: list[Sentence]
    retrieval: Retrieval
    filters: Filters
    answer: str | None = None  # archive: the gold answer
    groups: list[list[str]] = field(default_factory=list)  # seeds: the key facts

    def right(self, text: str) -> float:
        if self.answer is not None:
            return float(contains(text, self.answer))
        passed = groups_passed(self.groups, text)
        return sum(passed) / len(passed) if passed else 0.0


def cases_from(
    pipe: Pipeline, corpus: str, items: Sequence[tuple[str, Filters, dict[str, object]]]
) -> list[Case]:
    out = []
    reads = max(1, pipe.settings.extractive_sentences)
    for question, filters, extra in items:
        retrieval = pipe.retriever.retrieve(question, filters=filters)
        ranked = rank_sentences(retrieval, embed=pipe.retriever.embed_sentences, refine_top=reads)
        out.append(Case(corpus, question, ranked, retrieval, filters, **extra))  # type: ignore[arg-type]
    return out


def seed_items(gold: Path) -> list[tuple[str, Filters, dict[str, object]]]:
    items = load_gold(gold)
    parts = splits(items)
    return [
        (i.question, Filters(), {"groups": i.must_include})
        for i in items
        if parts[i.id] == "calibration" and i.must_include and not is_comparative(i.question)
    ]


def archive_items() -> list[tuple[str, Filters, dict[str, object]]]:
    return [
        (q.question, Scope.of(q.question, Filters(), q.quiz_date).filters, {"answer": q.answer})
        for q in load_archive_questions()
        if q.split == "calibration" and q.answer_in_docs
    ]


@dataclass(frozen=True)
class Setup:
    """How the reader is used: how many candidates it reads, and how they are scored."""

    top: int
    use: Use

    def read(self, case: Case, reader: Reader) -> list[Sentence]:
        ranked, _ = read_evidence(
            case.ranked, case.retrieval, reader, self.top, case.filters, self.use
        )
        return ranked


def quality(cases: Sequence[Case], reader: Reader, use: Setup) -> dict[str, float]:
    """Per corpus: the gold answer in the best sentence (archive) / key facts in the best
    three (seeds), with the reader used as `use` says."""
    scores: dict[str, list[float]] = {}
    for case in cases:
        ranked = use.read(case, reader)
        head = 1 if case.corpus == "archive" else 3
        scores.setdefault(case.corpus, []).append(
            case.right(" ".join(s.text for s in ranked[:head]))
        )
    return {corpus: round(statistics.fmean(v), 4) for corpus, v in scores.items()}


def short_threshold(
    cases: Sequence[Case], reader: Reader, use: Setup
) -> tuple[float, dict[str, float]]:
    """The lowest confidence whose shown short answers are right often enough."""
    scored = []
    for case in cases:
        ranked = use.read(case, reader)
        best = ranked[0] if ranked else None
        if best is None or best.answer_span is None:
            continue
        a, b = best.answer_span
        scored.append((confidence(best), case.right(best.text[a:b]) > 0))
    scored.sort(key=lambda x: -x[0])
    cut, right = 1.0, 0
    for i, (conf, ok) in enumerate(scored, start=1):
        right += ok
        if right / i >= SHORT_PRECISION:
            cut = conf
    shown = [ok for conf, ok in scored if conf >= cut]
    return round(cut, 4), {
        "shown": round(len(shown) / max(1, len(cases)), 4),
        "right_when_shown": round(sum(shown) / max(1, len(shown)), 4),
    }


def answer_floor(
    cases: Sequence[Case], reader: Reader, use: Setup
) -> tuple[float, list[dict[str, float]]]:
    """The extractive answer's relative floor with the reader (see the module docstring)."""
    rows = []
    for floor in FLOORS:
        scores: dict[str, list[float]] = {}
        words = []
        for case in cases:
            ranked = use.read(case, reader)
            chosen = with_context(compose(ranked, case.retrieval, 3, floor))
            text = " ".join(s.text for s in chosen)
            scores.setdefault(case.corpus, []).append(case.right(text))
            words.append(len(text.split()))
        q = {corpus: round(statistics.fmean(v), 4) for corpus, v in scores.items()}
        mean = round(statistics.fmean(q.values()), 4)
        rows.append({"floor": floor, **q, "mean": mean, "median_words": statistics.median(words)})
    fits = [r for r in rows if r["median_words"] <= MAX_WORDS] or rows
    best = max(fits, key=lambda r: (r["mean"], r["floor"]))
    return float(best["floor"]), rows


def load_cases(settings: Settings, gold: Path, archive_index: Path | None) -> list[Case]:
    """The seeds' calibration questions and, with `archive_index`, the archive quiz's."""
    with temporary_pipeline(settings, settings.seeds_dir, reader=None) as (pipe, _):
        cases = cases_from(pipe, "seeds", seed_items(gold))
    if archive_index is not None:
        with open_pipeline(settings.updated(data_dir=archive_index), reader=None) as pipe:
            cases += cases_from(pipe, "archive", archive_items())
    return cases


def search_grid(
    cases: Sequence[Case], reader: Reader, timed: Timed, console: Console
) -> list[dict[str, float]]:
    """Quality and reader cost of every (sentences, prior, window, named), printed as a table."""
    table = Table(
        "sentences", "prior", "window", "named", "seeds", "archive", "mean", "ms / question"
    )
    grid: list[dict[str, float]] = []
    for top in SENTENCES:
        for prior in PRIORS:
            for window in WINDOWS:
                for named in NAMES:
                    q = quality(cases, reader, Setup(top, Use(prior, window, named)))
                    mean = statistics.fmean(q.values())
                    cost = 1000 * timed.seconds / max(1, timed.pairs) * top
                    row = {"sentences": top, "prior": prior, "window": window, "named": named}
                    grid.append({**row, **q, "mean": round(mean, 4), "ms": round(cost, 1)})
                    cells = [str(v) for v in (*row.values(), q.get("seeds"), q.get("archive"))]
                    table.add_row(*cells, f"{mean:.4f}", f"{cost:.0f}")
    console.print(table)
    return grid


def best_setup(grid: Sequence[dict[str, float]]) -> dict[str, float]:
    """The best mean; among equals the fewest sentences read (the cheapest), then the middle."""
    return max(
        grid,
        key=lambda g: (
            g["mean"],
            -g["sentences"],
            -abs(float(g["prior"]) - 0.25),
            -abs(float(g["window"]) - 0.3),
            -abs(float(g["named"]) - 0.5),
        ),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive-index", type=Path, default=None)
    parser.add_argument("--gold", type=Path, default=Path("eval/gold/news.jsonl"))
    parser.add_argument("--out", type=Path, default=Path("eval/calibration_reader.json"))
    args = parser.parse_args(argv)
    settings = Settings()
    loaded = reader_for(settings)
    if loaded is None:
        raise SystemExit("RAG_READER is none: nothing to calibrate")
    timed = Timed(loaded)
    reader = CachedReader(timed)  # each distinct pair read once across the whole grid
    cases = load_cases(settings, args.gold, args.archive_index)
    console = Console()
    grid = search_grid(cases, reader, timed, console)
    best = best_setup(grid)
    weights = Use(float(best["prior"]), float(best["window"]), float(best["named"]))
    use = Setup(int(best["sentences"]), weights)
    cut, shown = short_threshold(cases, reader, use)
    console.print(f"chosen: {best}; short-answer threshold {cut} ({shown})")
    floor, floors = answer_floor(cases, reader, use)
    for row in floors:
        console.print(f"  answer floor {row}")
    console.print(f"answer floor: {floor}")
    write_json(
        args.out,
        {
            "about": "Written by `python -m eval.calibrate_reader` on the calibration split only; "
            "sets Settings.reader_sentences, rag.reading.rank.PRIOR, WINDOW and NAMED, "
            "Settings.short_answer_threshold and rag.generation.extractive.READER_FLOOR.",
            "reader": loaded.name,
            "questions": {c: sum(x.corpus == c for x in cases) for c in ("seeds", "archive")},
            "chosen": best,
            "short_answer_threshold": cut,
            "short_precision": SHORT_PRECISION,
            "short_answers": shown,
            "answer_floor": floor,
            "floors": floors,
            "grid": grid,
        },
    )
    console.print(f"written {args.out}")


if __name__ == "__main__":
    main()
