"""The reader applied to evidence: the best candidate sentences (by the lexical and dense
ranking, rag/evidence.py) are read against the question and re-ranked, and the passages
are re-ranked by their best sentence.

    ranked, retrieval = read_evidence(ranked, retrieval, reader, top=24)

A read sentence scores `reading + prior * score`: the reader decides, and the cheap
ranking only breaks near-ties (`PRIOR`). A sentence not read keeps `prior * score`, so it
ranks after every read one that the reader finds likely to answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rag.evidence import Sentence
from rag.reading.base import Reader
from rag.reading.encoding import Pair
from rag.retrieval import Passage, Retrieval

# The weight of the lexical and dense score beside the reader's probability. Fitted with
# `python -m eval.calibrate_reader` on the calibration split (eval/calibration_reader.json).
PRIOR = 0.25


def before(sentence: Sentence) -> str | None:
    """The sentence just before `sentence` in its chunk (None for a chunk's first)."""
    spans = sentence.chunk.sentences
    at = spans.index(sentence.span) if sentence.span in spans else 0
    return sentence.chunk.sentence_text(spans[at - 1]) if at > 0 else None


def pair(question: str, sentence: Sentence) -> Pair:
    return Pair(question, sentence.text, sentence.chunk.title, before(sentence))


def read_sentences(
    question: str, sentences: Sequence[Sentence], reader: Reader, prior: float = PRIOR
) -> list[Sentence]:
    """`sentences` read and re-scored (see the module docstring), best first."""
    readings = reader.read([pair(question, s) for s in sentences])
    read = [
        replace(
            s,
            score=r.score + prior * s.score,
            reading=r.score,
            answer_span=r.span,
            span_score=r.span_score,
        )
        for s, r in zip(sentences, readings, strict=True)
    ]
    return sorted(read, key=lambda s: (-s.score, s.source_id, s.span.start))


def read_ranked(
    question: str, ranked: Sequence[Sentence], reader: Reader, top: int, prior: float = PRIOR
) -> list[Sentence]:
    """The best `top` of `ranked` read by `reader` against `question`, the rest after them."""
    head = read_sentences(question, ranked[:top], reader, prior)
    tail = [replace(s, score=prior * s.score) for s in ranked[top:]]
    return sorted([*head, *tail], key=lambda s: (-s.score, s.source_id, s.span.start))


def read_evidence(
    ranked: Sequence[Sentence],
    retrieval: Retrieval,
    reader: Reader,
    top: int,
    prior: float = PRIOR,
) -> tuple[list[Sentence], Retrieval]:
    """`read_ranked` for the question of `retrieval`, and `retrieval` with its passages
    re-ranked by their best sentence."""
    sentences = read_ranked(retrieval.question, ranked, reader, top, prior)
    return sentences, replace(
        retrieval, passages=rerank_passages(retrieval.passages, sentences, prior)
    )


def rerank_passages(
    passages: Sequence[Passage], sentences: Sequence[Sentence], prior: float = PRIOR
) -> list[Passage]:
    """Passages by their best sentence's score; one without a scored sentence (all
    headings, say) by `prior` times its own fused score."""
    best: dict[str, float] = {}
    for s in sentences:
        best[s.chunk.chunk_id] = max(best.get(s.chunk.chunk_id, -1.0), s.score)
    order = sorted(
        passages,
        key=lambda p: (-best.get(p.chunk.chunk_id, prior * p.score), p.chunk.chunk_id),
    )
    return list(order)
