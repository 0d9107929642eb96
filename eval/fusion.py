"""Retrieval against its parts: BM25 alone, dense alone and the fusion, at rank 1 and rank 5.

Run: `python -m eval.fusion [--archive-index DIR] [--split heldout|calibration|all]`

- Seeds (eval/gold/news.jsonl over seeds/, indexed in a temporary folder): a hit is a chunk
  of one of the question's gold sources.
- The shared archive (with --archive-index, a data dir holding it): a hit is a chunk that
  contains the question's gold answer, for `answer_in_docs` questions, searched as the
  chain searches (as of the quiz date, in the window the question names).
Each method ranks chunks; hit@1 and hit@5 are the shares of questions with a hit there.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from eval.archive import contains, load_archive_questions
from eval.gold import load_gold, splits
from eval.harness import temporary_pipeline
from rag.config import Settings
from rag.filters import Filters
from rag.pipeline import Pipeline, open_pipeline
from rag.scope import Scope
from rag.store import StoredChunk
from rag.text import terms

METHODS = ("bm25", "dense", "fusion")
Hit = Callable[[StoredChunk], bool]


def rankings(pipe: Pipeline, question: str, filters: Filters, n: int = 5) -> dict[str, list[str]]:
    """The top `n` chunk ids of each method for `question`."""
    store = pipe.store
    vector = store.embedder.embed_query(question)
    fused = pipe.retriever.retrieve(question, k=n, filters=filters).passages
    return {
        "bm25": [cid for cid, _ in store.lexical(terms(question), n, filters)],
        "dense": [cid for cid, _ in store.dense(vector, n, filters)],
        "fusion": [p.chunk.chunk_id for p in fused],
    }


def score(
    pipe: Pipeline, cases: Sequence[tuple[str, Filters, Hit]]
) -> dict[str, tuple[float, float]]:
    """{method: (hit@1, hit@5)} over (question, filters, is-a-hit) cases."""
    hits = {m: [0, 0] for m in METHODS}
    for question, filters, hit in cases:
        for method, ids in rankings(pipe, question, filters).items():
            chunks = pipe.store.chunks(ids)
            found = [hit(chunks[i]) for i in ids if i in chunks]
            hits[method][0] += bool(found[:1] and found[0])
            hits[method][1] += any(found)
    return {m: (h1 / max(1, len(cases)), h5 / max(1, len(cases))) for m, (h1, h5) in hits.items()}


def from_source(sources: Sequence[str]) -> Hit:
    gold = frozenset(sources)
    return lambda chunk: chunk.source_id in gold


def holding(answer: str) -> Hit:
    return lambda chunk: contains(chunk.text, answer)


def seed_cases(split: str) -> list[tuple[str, Filters, Hit]]:
    items = load_gold(Path("eval/gold/news.jsonl"))
    parts = splits(items)
    return [
        (i.question, Filters(), from_source(i.sources))
        for i in items
        if i.sources and i.type != "compare" and split in ("all", parts[i.id])
    ]


def archive_cases(split: str) -> list[tuple[str, Filters, Hit]]:
    cases: list[tuple[str, Filters, Hit]] = []
    for q in load_archive_questions():
        if q.answer_in_docs and split in ("all", q.split):
            scope = Scope.of(q.question, Filters(), q.quiz_date)
            cases.append((q.question, scope.filters, holding(q.answer)))
    return cases


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive-index", type=Path, default=None)
    parser.add_argument("--split", default="heldout", choices=["heldout", "calibration", "all"])
    args = parser.parse_args(argv)
    settings = Settings()
    table = Table("corpus", "questions", *(f"{m} @1 / @5" for m in METHODS), title="Retrieval")
    with temporary_pipeline(settings, settings.seeds_dir) as (pipe, _):
        cases = seed_cases(args.split)
        results = score(pipe, cases)
        table.add_row(
            "seeds",
            str(len(cases)),
            *(f"{results[m][0]:.3f} / {results[m][1]:.3f}" for m in METHODS),
        )
    if args.archive_index is not None:
        with open_pipeline(settings.updated(data_dir=args.archive_index, chroma_url=None)) as pipe:
            cases = archive_cases(args.split)
            results = score(pipe, cases)
            table.add_row(
                "archive",
                str(len(cases)),
                *(f"{results[m][0]:.3f} / {results[m][1]:.3f}" for m in METHODS),
            )
    Console().print(table)
    Console().print(f"split: {args.split}")


if __name__ == "__main__":
    main()
