"""Evidence: rank the sentences of retrieved passages against the question.

A sentence's score mixes three signals, each in [0, 1]:
- coverage: IDF-weighted share of the question's terms it contains, plus a quarter of the
  share its context adds: its best neighbour ("… says Mayor Ana Ruiz." lends weight to the
  quote that follows) or its article's title and outlet ("according to the Ellis Post");
- dense: cosine of its vector with the question's;
- passage: the fused retrieval score of the chunk it comes from.
The best sentence's score is the evidence strength the refusal threshold applies to.

Every sentence is first scored with the vector stored at ingest (late chunking: read in
its chunk's context, so it leans towards the chunk's topic); the best few, which every
decision reads, are then scored with a vector of the sentence alone (`refine`), embedded
now and cached. Measured on the gold set, that gives the same answers as embedding every
sentence alone at ingest, which would double ingest time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rag.language.text import Span, terms
from rag.retrieval.retriever import Passage, Retrieval
from rag.store.chunks import StoredChunk

# A sentence's cheap score: IDF-weighted coverage of the question, its own cosine, its
# passage's. Hand-set when the pipeline was first written (5897f23), not fitted; with the
# reader on (the default) they only choose its 12 candidates, and the reader's weights
# (eval/calibration_reader.json) rank the rest. `rag eval` gates the result.
W_COVERAGE, W_DENSE, W_PASSAGE = 0.5, 0.35, 0.15
# How many of the best sentences get a vector of their own by default: as many as any
# decision reads (refusal the first, an extractive answer three, compare's addressing five).
REFINE_TOP = 5
Embed = Callable[[list[str]], list[list[float]]]
# Hand-set with the weights above (5897f23), not fitted: a neighbour's coverage counts a
# quarter (context, not the claim); two sentences sharing 80% of their terms say one thing
# (wire copies reworded by a word or two).
NEIGHBOUR_SHARE = 0.25
DUPLICATE_OVERLAP = 0.8


@dataclass(frozen=True)
class Sentence:
    """One evidence sentence: exact text, absolute offsets, provenance and score."""

    chunk: StoredChunk
    span: Span
    text: str
    score: float
    coverage: float
    dense: float
    reading: float | None = None  # the reader's probability that it answers, when it was read
    answer_span: tuple[int, int] | None = None  # the reader's short answer: characters of text
    span_score: float = 0.0  # how sure the reader is of that span (given that it answers)

    @property
    def source_id(self) -> str:
        return self.chunk.source_id

    @property
    def key(self) -> tuple[str, int]:
        return (self.chunk.source_id, self.span.start)


_CLOSED = re.compile(r"[.!?…][\"”’')\]]*$")
_ASKS = re.compile(r"\?[\"”’')\]]*$")  # a question ("What is the plan?") answers none
HEADING_WORDS = 16  # a line this short without a closing stop is a heading or a label


def is_heading(text: str) -> bool:
    """A heading, title or label ("Peacekeepers on the border"): short, with no closing
    punctuation. It lends its words to its neighbours but is not quoted as an answer."""
    return len(text.split()) <= HEADING_WORDS and not _CLOSED.search(text.strip())


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def rank_sentences(
    retrieval: Retrieval,
    passages: Sequence[Passage] | None = None,
    embed: Embed | None = None,
    refine_top: int = REFINE_TOP,
) -> list[Sentence]:
    """Every distinct sentence of the passages, best first (deterministic order).

    The dense signal is the cosine of each sentence's stored vector (unit length) with
    the question's; with `embed`, the best `refine_top` are rescored by `refine`.
    """
    passages = retrieval.passages if passages is None else passages
    q_terms = terms(retrieval.question)
    query = np.asarray(retrieval.query_vector, dtype=np.float32)
    query /= max(float(np.linalg.norm(query)), 1e-12)
    rows: list[tuple[Passage, Span, str, float, float]] = []
    for passage in passages:
        chunk = passage.chunk
        texts = [chunk.sentence_text(span) for span in chunk.sentences]
        covs = [retrieval.stats.coverage(q_terms, set(terms(t))) for t in texts]
        about = set(terms(" ".join(x for x in (chunk.title, chunk.outlet) if x)))
        meta = retrieval.stats.coverage(q_terms, about) if about else 0.0
        sims = (
            chunk.vectors @ query
            if chunk.vectors is not None and len(chunk.vectors) == len(texts)
            else np.zeros(len(texts), dtype=np.float32)
        )
        for i, (span, text) in enumerate(zip(chunk.sentences, texts, strict=True)):
            if is_heading(text) or _ASKS.search(text):  # lends words, answers nothing
                continue
            neighbours = [covs[j] for j in (i - 1, i + 1) if 0 <= j < len(covs)]
            context = max([meta, *neighbours])
            cov = min(1.0, covs[i] + NEIGHBOUR_SHARE * context)
            rows.append((passage, span, text, cov, float(sims[i])))
    best: dict[tuple[str, int], Sentence] = {}
    for passage, span, text, cov, sim in rows:
        sim = max(0.0, sim)
        score = W_COVERAGE * cov + W_DENSE * sim + W_PASSAGE * passage.score
        sentence = Sentence(passage.chunk, span, text, score, cov, sim)
        if sentence.key not in best or best[sentence.key].score < score:
            best[sentence.key] = sentence  # overlapping chunks repeat sentences
    ranked = _ordered(best.values())
    return refine(ranked, query, embed, refine_top) if embed is not None else ranked


def _ordered(sentences: Iterable[Sentence]) -> list[Sentence]:
    return sorted(sentences, key=lambda s: (-s.score, s.source_id, s.span.start))


def refine(
    ranked: Sequence[Sentence], query: np.ndarray, embed: Embed, top: int = REFINE_TOP
) -> list[Sentence]:
    """The best `top` sentences rescored with vectors of their own text, then resorted."""
    head = list(ranked[:top])
    if not head:
        return list(ranked)
    own = np.asarray(embed([s.text for s in head]), dtype=np.float32)
    own /= np.clip(np.linalg.norm(own, axis=1, keepdims=True), 1e-12, None)
    rescored = [
        replace(s, dense=sim, score=s.score + W_DENSE * (sim - s.dense))
        for s, sim in zip(head, np.clip(own @ query, 0.0, None).astype(float).tolist(), strict=True)
    ]
    return _ordered([*rescored, *ranked[top:]])


def select(ranked: Sequence[Sentence], limit: int, relative_floor: float = 0.8) -> list[Sentence]:
    """Up to `limit` strong, non-redundant sentences: each within `relative_floor` of the best."""
    if not ranked:
        return []
    floor = ranked[0].score * relative_floor
    chosen: list[Sentence] = []
    for sentence in ranked:
        if len(chosen) == limit or sentence.score < floor:
            break
        if not repeats(sentence, chosen):
            chosen.append(sentence)
    return chosen


def repeats(sentence: Sentence, chosen: Iterable[Sentence]) -> bool:
    """Whether `sentence` says nearly what one of `chosen` says: `DUPLICATE_OVERLAP` of
    their terms shared (overlapping articles and wire copies repeat sentences)."""
    own = set(terms(sentence.text))
    return any(jaccard(own, set(terms(other.text))) >= DUPLICATE_OVERLAP for other in chosen)


_ANAPHOR = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:this|that|these|those|it|he|she|they|his|her|their|its)\b",
    re.IGNORECASE,
)


def with_context(chosen: Sequence[Sentence]) -> list[Sentence]:
    """Put the previous sentence before a chosen one that opens by pointing back at it.

    "The city did this in 1994, …" means nothing without "… the harbour was sold to a
    private operator." just before it.
    """
    out: list[Sentence] = []
    keys = {s.key for s in chosen}
    for sentence in chosen:
        spans = sentence.chunk.sentences
        at = spans.index(sentence.span) if sentence.span in spans else -1
        if at > 0 and _ANAPHOR.match(sentence.text):
            prev = spans[at - 1]
            context = replace(sentence, span=prev, text=sentence.chunk.sentence_text(prev))
            if context.key not in keys:
                out.append(context)
                keys.add(context.key)
        out.append(sentence)
    return out


def strength(ranked: Sequence[Sentence]) -> float:
    """How well the corpus covers the question: the best sentence's score (0 when none)."""
    return ranked[0].score if ranked else 0.0
