"""Retrieval against its parts and its peers: BM25 alone, dense alone, plain reciprocal-rank
fusion, our fusion, and the passages as an answer lists them (re-ranked by the reader), at
rank 1 and rank 5.

Run: `python -m eval.fusion [--archive-index DIR] [--squad] [--split heldout|calibration|all]`

- Seeds (eval/gold/news.jsonl over seeds/, indexed in a temporary folder): a hit is a chunk
  of one of the question's gold sources.
- The shared archive (with --archive-index, a data dir holding it): a hit is a chunk that
  contains the question's gold answer, for `answer_in_docs` questions, searched as the
  chain searches (as of the quiz date, in the window the question names).
- The held-out SQuAD slice (with --squad; eval/squad_slice.py): a hit is a chunk holding
  the sentence with the answer span.
Each method ranks chunks; hit@1 and hit@5 are the shares of questions with a hit there.
`listed` is what the `sources` event gives: the fusion's passages, re-ranked by the reader
(RAG_READER; with `none`, the fusion's order).
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
from rag.answering.pipeline import Pipeline, open_pipeline
from rag.config import Settings
from rag.language.text import terms
from rag.query.scope import Scope
from rag.store.chunks import StoredChunk
from rag.store.filters import Filters

METHODS = ("bm25", "dense", "rrf", "fusion", "listed")
RRF_K = 60  # the usual constant of reciprocal-rank fusion (Cormack et al., 2009)
RRF_DEPTH = 40  # each side's list, as deep as the fusion's candidates
Hit = Callable[[StoredChunk], bool]


def rankings(pipe: Pipeline, question: str, filters: Filters, n: int = 5) -> dict[str, list[str]]:
    """The top `n` chunk ids of each method for `question`."""
    store = pipe.store
    vector = store.embedder.embed_query(question)
    fused = pipe.retriever.retrieve(question, k=n, filters=filters).passages
    lexical = [cid for cid, _ in store.lexical(terms(question), RRF_DEPTH, filters)]
    dense = [cid for cid, _ in store.dense(vector, RRF_DEPTH, filters)]
    listed, _ = pipe.chain.retrieve(question, filters=filters)
    return {
        "bm25": lexical[:n],
        "dense": dense[:n],
        "rrf": rrf([lexical, dense])[:n],
        "fusion": [p.chunk.chunk_id for p in fused],
        "listed": [p.chunk.chunk_id for p in listed.passages][:n],
    }


def rrf(lists: Sequence[Sequence[str]], k: int = RRF_K) -> list[str]:
    """Plain reciprocal-rank fusion: each id scores the sum of 1 / (k + rank)."""
    scores: dict[str, float] = {}
    for ranked in lists:
        for rank, cid in enumerate(ranked, start=1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda cid: (-scores[cid], cid))


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


def squad_cases(questions: int) -> tuple[dict[str, str], list[tuple[str, Filters, Hit]]]:
    from eval.squad_slice import holds, load_slice

    articles, cases = load_slice(questions=questions)

    def holding_sentence(sentence: str) -> Hit:
        return lambda chunk: holds(chunk.text, sentence)

    return articles, [(c.question, Filters(), holding_sentence(c.sentence)) for c in cases]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive-index", type=Path, default=None)
    parser.add_argument("--squad", action="store_true", help="the held-out SQuAD slice too")
    parser.add_argument("--squad-questions", type=int, default=300)
    parser.add_argument("--split", default="heldout", choices=["heldout", "calibration", "all"])
    args = parser.parse_args(argv)
    settings = Settings()
    table = Table("corpus", "questions", *(f"{m} @1 / @5" for m in METHODS), title="Retrieval")

    def row(name: str, pipe: Pipeline, cases: Sequence[tuple[str, Filters, Hit]]) -> None:
        results = score(pipe, cases)
        cells = (f"{results[m][0]:.3f} / {results[m][1]:.3f}" for m in METHODS)
        table.add_row(name, str(len(cases)), *cells)

    with temporary_pipeline(settings, settings.seeds_dir) as (pipe, _):
        row("seeds", pipe, seed_cases(args.split))
    if args.archive_index is not None:
        with open_pipeline(settings.updated(data_dir=args.archive_index, chroma_url=None)) as pipe:
            row("archive", pipe, archive_cases(args.split))
    if args.squad:
        from eval.squad_slice import slice_pipeline

        articles, cases = squad_cases(args.squad_questions)
        with slice_pipeline(settings, articles) as pipe:
            row("squad slice", pipe, cases)
    Console().print(table)
    Console().print(f"split: {args.split}; listed: reader {settings.reader}")


if __name__ == "__main__":
    main()
