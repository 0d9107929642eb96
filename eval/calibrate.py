"""Fit the refusal decision (rag/answering/refusal.py) on the calibration split, and only there.

    python -m eval.calibrate [--archive-index DIR] [--out eval/calibration.json]

Examples, each a question's features and whether its evidence should answer it:
- the seed gold questions of the calibration split, over the seeds (answerable, or
  `refuse: true`); comparative ones go to compare mode, which does not refuse, and are left
  out;
- with `--archive-index` (a data dir holding the shared archive), the archive quiz
  questions of the calibration split whose answer is in their own articles: answerable as
  asked, and (usually) not once their own articles are removed.
A logistic model is fitted (weights balanced so each corpus and label weighs the same),
then the threshold is the highest that still answers 95% of each corpus's answerable
calibration questions. The held-out split is never read here: `rag eval` reports on it.

Both models are fitted: without a reader (`WEIGHTS`, `refusal_threshold`) and with the
one `RAG_READER` names (`READER_WEIGHTS`, `reader_refusal_threshold`), whose probability
for the best sentence is one more feature; `--no-reader` fits the first only.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from eval.gold import load_gold, splits
from eval.harness import temporary_pipeline
from eval.results import write_json
from rag.answering.pipeline import Pipeline, open_pipeline
from rag.answering.refusal import Features, Judgement, judge, probability
from rag.compare.detect import is_comparative
from rag.config import Settings
from rag.query.scope import Scope
from rag.reading.base import Reader
from rag.reading.factory import reader_for
from rag.store.filters import Filters

MIN_ANSWERED = 0.95  # of each corpus's answerable calibration questions
NAMES = (
    "coverage",
    "dense",
    "missing",
    "named",
    "windowed",
    "in_window",
    "passage",
)
READER_NAMES = (*NAMES, "reader")


@dataclass(frozen=True)
class Example:
    corpus: str
    id: str
    answerable: bool
    judgement: Judgement

    @property
    def features(self) -> Features:
        return self.judgement.features


def seed_examples(pipe: Pipeline, gold: Path = Path("eval/gold/news.jsonl")) -> list[Example]:
    items = load_gold(gold)
    parts = splits(items)
    out = []
    for item in items:
        if parts[item.id] != "calibration" or is_comparative(item.question):
            continue
        out.append(Example("seeds", item.id, not item.refuse, judged(pipe, item.question)))
    return out


def archive_examples(pipe: Pipeline) -> list[Example]:
    from eval.archive import load_archive_questions

    out = []
    for q in load_archive_questions():
        if q.split != "calibration" or not q.answer_in_docs:
            continue
        asked = judged(pipe, q.question, Filters(), q.quiz_date)
        removed = judged(pipe, q.question, Filters.of(exclude=q.doc_ids), q.quiz_date)
        out.append(Example("archive", q.id, True, asked))
        out.append(Example("archive", f"{q.id}-without-own", False, removed))
    return out


def judged(
    pipe: Pipeline, question: str, filters: Filters | None = None, as_of: date | None = None
) -> Judgement:
    """The chain's judgement of its evidence for `question`, as `rag ask` would reach it."""
    scope = Scope.of(question, filters or Filters(), as_of)
    retrieval, ranked = pipe.chain.retrieve(question, filters=scope.filters)
    return judge(ranked, retrieval, scope.filters, pipe.settings.extractive_sentences)


def fit(
    examples: Sequence[Example], l2: float = 0.01, names: Sequence[str] = NAMES
) -> dict[str, float]:
    """Logistic regression by Newton's method, each (corpus, label) group weighing the same,
    on the examples the deterministic check lets through (it refuses the others itself)."""
    examples = [e for e in examples if e.judgement.holds]
    x = np.array([[1.0, *(e.features.values().get(n, 0.0) for n in names)] for e in examples])
    y = np.array([float(e.answerable) for e in examples])
    groups = [(e.corpus, e.answerable) for e in examples]
    sizes = {g: groups.count(g) for g in set(groups)}
    w = np.array([len(examples) / (len(sizes) * sizes[g]) for g in groups])
    beta = np.zeros(x.shape[1])
    penalty = np.diag([0.0] + [l2] * (x.shape[1] - 1))
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -50, 50)))
        gradient = x.T @ (w * (y - p)) - penalty @ beta
        hessian = (x.T * (w * p * (1 - p))) @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return {"bias": float(beta[0]), **{n: float(b) for n, b in zip(names, beta[1:], strict=True)}}


def threshold(examples: Sequence[Example], weights: dict[str, float]) -> float:
    """The highest probability threshold under which the whole decision (the check, then
    the threshold) still answers MIN_ANSWERED of each corpus's answerable examples."""
    limits = []
    for corpus in {e.corpus for e in examples}:
        answerable = [e for e in examples if e.corpus == corpus and e.answerable]
        scores = sorted(probability(e.features, weights) for e in answerable if e.judgement.holds)
        spare = int(np.floor((1 - MIN_ANSWERED) * len(answerable))) - (
            len(answerable) - len(scores)
        )
        if scores:
            limits.append(scores[max(0, spare)])
    return round(min(limits) - 1e-4, 4) if limits else 0.5


def auc(refuse: Sequence[float], answer: Sequence[float]) -> float | None:
    """Chance that an answerable question scores above a refuse:true one (ROC AUC)."""
    if not refuse or not answer:
        return None
    wins = sum((a > r) + 0.5 * (a == r) for a in answer for r in refuse)
    return round(wins / (len(answer) * len(refuse)), 4)


def _score(e: Example, weights: dict[str, float]) -> float:
    return probability(e.features, weights) if e.judgement.holds else -1.0


def report(examples: Sequence[Example], weights: dict[str, float], cut: float) -> dict[str, object]:
    out: dict[str, object] = {}
    for corpus in sorted({e.corpus for e in examples}):
        mine = [e for e in examples if e.corpus == corpus]
        # a score for the whole decision: the check failing puts an example below all
        pos = [_score(e, weights) for e in mine if e.answerable]
        neg = [_score(e, weights) for e in mine if not e.answerable]
        out[corpus] = {
            "answerable": len(pos),
            "unanswerable": len(neg),
            "answered": round(sum(p >= cut for p in pos) / max(1, len(pos)), 4),
            "refused": round(sum(p < cut for p in neg) / max(1, len(neg)), 4),
            "auc": auc(neg, pos),
            "refused_by_check": sum(not e.judgement.holds for e in mine),
        }
    return out


def collect(
    settings: Settings, reader: Reader | None, gold: Path, corpus: Path, archive: Path | None
) -> list[Example]:
    """The calibration examples, judged by the chain with `reader` (or none)."""
    with temporary_pipeline(settings, corpus, reader=reader) as (pipe, _):
        examples = seed_examples(pipe, gold)
    if archive is not None:
        scoped = settings.updated(data_dir=archive, chroma_url=None)
        with open_pipeline(scoped, reader=reader) as pipe:
            examples += archive_examples(pipe)
    return examples


def calibrated(examples: Sequence[Example], names: Sequence[str]) -> dict[str, object]:
    """Weights, threshold, the calibration figures and every example, for the JSON file."""
    weights = fit(examples, names=names)
    cut = threshold(examples, weights)
    summary = report(examples, weights, cut)
    console = Console()
    table = Table(
        "corpus", "answerable", "unanswerable", "answered", "refused", "ROC AUC", "by check"
    )
    for corpus, row in summary.items():
        assert isinstance(row, dict)
        table.add_row(corpus, *(str(v) for v in row.values()))
    console.print(table)
    console.print("weights: " + ", ".join(f"{k} {v:.2f}" for k, v in weights.items()))
    console.print(f"threshold (answers {MIN_ANSWERED:.0%} of each corpus): {cut}")
    return {
        "weights": weights,
        "threshold": cut,
        "min_answered": MIN_ANSWERED,
        "calibration": summary,
        "examples": [
            {
                "corpus": e.corpus,
                "id": e.id,
                "answerable": e.answerable,
                "check": e.judgement.holds,
                **e.features.values(),
                "p": round(probability(e.features, weights), 4),
            }
            for e in examples
        ],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive-index", type=Path, default=None)
    parser.add_argument("--gold", type=Path, default=Path("eval/gold/news.jsonl"))
    parser.add_argument("--corpus", type=Path, default=None, help="default: the seeds")
    parser.add_argument("--out", type=Path, default=Path("eval/calibration.json"))
    parser.add_argument("--no-reader", action="store_true", help="fit the model without one")
    args = parser.parse_args(argv)
    settings = Settings()
    corpus = args.corpus or settings.seeds_dir
    plain = collect(settings, None, args.gold, corpus, args.archive_index)
    out: dict[str, object] = {
        "about": "Written by `python -m eval.calibrate` on the calibration split only; "
        "sets rag.answering.refusal.WEIGHTS and Settings.refusal_threshold, and (under "
        "'reader') READER_WEIGHTS and Settings.reader_refusal_threshold.",
        **calibrated(plain, NAMES),
    }
    reader = None if args.no_reader else reader_for(settings)
    if reader is not None:
        Console().print(f"with the reader ({reader.name}):")
        read = collect(settings, reader, args.gold, corpus, args.archive_index)
        out["reader"] = {"name": reader.name, **calibrated(read, READER_NAMES)}
    write_json(args.out, out)
    Console().print(f"written {args.out}")


if __name__ == "__main__":
    main()
