"""The reader applied to evidence: the best candidate sentences (by the lexical and dense
ranking, rag/retrieval/evidence.py) are read against the question and re-ranked, and the passages
are re-ranked by their best sentence.

    ranked, retrieval = read_evidence(ranked, retrieval, reader, top=24)

A read sentence scores `reading + prior * score`: the reader decides, and the cheap
ranking only breaks near-ties (`PRIOR`). A read sentence from the period the question names
("this week") gains `WINDOW`: the reader sees words, not dates. One whose passage (with
its title and outlet) holds the question's names and numbers gains `NAMED` times the
share it holds: the reader reads word pieces, and "the Nalibuar observatory" is not "the
Nipasuar observatory". (A gain, not a loss: scores stay at or above 0, as every score of
evidence does, and relative floors read them.) A sentence not read keeps
`prior * score` and its place: the read sentences come first, best first, then the
others in the cheap ranking's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from rag.language.dates import parse_date
from rag.query.asks import missing_share
from rag.reading.base import Reader
from rag.reading.encoding import Pair
from rag.retrieval.evidence import Sentence
from rag.retrieval.retriever import Passage, Retrieval
from rag.store.filters import Filters

# The weight of the lexical and dense score beside the reader's probability, the gain of a
# sentence from the named period and the loss of one whose passage lacks the question's
# names. Fitted with `python -m eval.calibrate_reader` on the calibration split
# (eval/calibration_reader.json: the best mean of the archive's gold answer in the best
# sentence, 0.458, and the seeds' key facts in the best three, 0.854; without the window
# and the names, 0.410 and 0.829).
PRIOR = 0.0
WINDOW = 0.5
NAMED = 0.25


def before(sentence: Sentence) -> str | None:
    """The sentence just before `sentence` in its chunk (None for a chunk's first)."""
    spans = sentence.chunk.sentences
    at = spans.index(sentence.span) if sentence.span in spans else 0
    return sentence.chunk.sentence_text(spans[at - 1]) if at > 0 else None


def pair(question: str, sentence: Sentence) -> Pair:
    return Pair(question, sentence.text, sentence.chunk.title, before(sentence))


@dataclass(frozen=True)
class Use:
    """How read sentences are scored: the cheap ranking's weight, the named period's gain,
    the gain of a passage holding the question's names (see the module docstring)."""

    prior: float = PRIOR
    window: float = WINDOW
    named: float = NAMED


READER_ALONE = Use(prior=0.0, window=0.0, named=0.0)


def read_sentences(
    question: str,
    sentences: Sequence[Sentence],
    reader: Reader,
    filters: Filters | None = None,
    use: Use = Use(),
) -> list[Sentence]:
    """`sentences` read and re-scored (see the module docstring), best first (`filters`:
    the question's, whose preferred window read sentences gain `use.window` in)."""
    readings = reader.read([pair(question, s) for s in sentences])

    def timely(s: Sentence) -> float:
        preferred = filters is not None and filters.is_preferred(parse_date(s.chunk.published))
        return use.window if preferred else 0.0

    def holds_names(s: Sentence) -> float:
        around = (s.chunk.text, s.chunk.title, s.chunk.outlet)
        return use.named * (1.0 - missing_share(question, " ".join(x for x in around if x)))

    read = [
        replace(
            s,
            score=r.score + use.prior * s.score + timely(s) + holds_names(s),
            reading=r.score,
            answer_span=r.span,
            span_score=r.span_score,
        )
        for s, r in zip(sentences, readings, strict=True)
    ]
    return sorted(read, key=lambda s: (-s.score, s.source_id, s.span.start))


def read_ranked(
    question: str,
    ranked: Sequence[Sentence],
    reader: Reader,
    top: int,
    filters: Filters | None = None,
    use: Use = Use(),
) -> list[Sentence]:
    """The best `top` of `ranked` read by `reader` against `question`, the rest after them."""
    head = read_sentences(question, ranked[:top], reader, filters, use)
    return [*head, *(replace(s, score=use.prior * s.score) for s in ranked[top:])]


def read_evidence(
    ranked: Sequence[Sentence],
    retrieval: Retrieval,
    reader: Reader,
    top: int,
    filters: Filters | None = None,
    use: Use = Use(),
) -> tuple[list[Sentence], Retrieval]:
    """`read_ranked` for the question of `retrieval`, and `retrieval` with its passages
    re-ranked by their best sentence."""
    sentences = read_ranked(retrieval.question, ranked, reader, top, filters, use)
    return sentences, replace(retrieval, passages=rerank_passages(retrieval.passages, sentences))


def rerank_passages(passages: Sequence[Passage], sentences: Sequence[Sentence]) -> list[Passage]:
    """Passages holding a read sentence first, by their best read sentence's score; then
    the others in their fused order."""
    best: dict[str, float] = {}
    for s in sentences:
        if s.reading is not None:
            best[s.chunk.chunk_id] = max(best.get(s.chunk.chunk_id, -1.0), s.score)
    read = sorted(
        (p for p in passages if p.chunk.chunk_id in best), key=lambda p: -best[p.chunk.chunk_id]
    )
    return [*read, *(p for p in passages if p.chunk.chunk_id not in best)]
