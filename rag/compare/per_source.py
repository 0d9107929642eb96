"""Per-source evidence: find each source's best chunks for the topic, rank their sentences,
and decide whether the source addresses the topic.

One hybrid candidate search (the same dense and lexical indexes as answer mode) serves
every source; a source it misses that must have an entry (one the request names, or any
of a small corpus) gets a search of its own. Over a larger corpus, the articles of the
best candidates are read, `READ_SOURCES` of them (by outlet is the better view there:
rag/compare/per_outlet.py).

A source *addresses* the topic when its best sentence both contains the topic's key terms
and is close to it in meaning; a passing mention of a neighbouring topic scores too low on
one or the other. (The reader's probability for a source's best sentences, read against
the topic as a question, was tried as a third signal: on the calibration split it did not
help, 0.912 balanced accuracy at best against 0.941 without it, so it is not used here.)
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.language.text import terms
from rag.retrieval.evidence import REFINE_TOP, Sentence, rank_sentences
from rag.retrieval.retriever import Passage, Retrieval, Retriever
from rag.store.filters import Filters
from rag.store.lexical import TermStats
from rag.store.rows import SourceInfo

# Addressing: best sentence's own topic coverage and meaning similarity, mixed.
# Calibrated with `python -m eval.calibrate_compare` on the calibration split's compare questions
# only (eval/calibration_compare.json: balanced accuracy 0.941 on 25 (question, source) pairs);
# `rag eval` reports silence/coverage on the held-out split.
ADDRESS_W_COVERAGE = 0.1
ADDRESS_THRESHOLD = 0.522
CHUNKS_PER_SOURCE = 2
CANDIDATES = 200  # per side: reaches every source of a corpus of a few dozen articles at once
LISTED_SOURCES = 50  # a corpus this small lists every source, discussing the topic or not
READ_SOURCES = 12  # a larger one: the sources of the best-matching candidates, this many


@dataclass(frozen=True)
class SourceFinding:
    source_id: str
    title: str | None
    outlet: str | None
    published: str | None
    notes: str | None
    addresses: bool
    score: float
    ranked: list[Sentence]
    passages: list[Passage]


def _own_coverage(retrieval: Retrieval, sentence: Sentence) -> float:
    return retrieval.stats.coverage(terms(retrieval.question), set(terms(sentence.text)))


def _wanted(retriever: Retriever, filters: Filters) -> list[str]:
    """Sources that get an entry whether or not the search finds them."""
    if filters.sources:
        return list(filters.sources)
    if retriever.store.source_count() <= LISTED_SOURCES:
        return [s.source_id for s in retriever.store.sources()]
    return []


def find_per_source(
    retriever: Retriever, topic: str, filters: Filters | None = None
) -> list[SourceFinding]:
    """Rank each source's sentences on the topic and decide whether it addresses it."""
    filters = filters or Filters()
    passages, vector, stats = retriever.candidates(topic, CANDIDATES, filters)
    by_source: dict[str, list[Passage]] = {}
    wanted = _wanted(retriever, filters)
    for p in passages:  # best first, so each source keeps its best chunks
        sid = p.chunk.source_id
        if sid not in by_source and not wanted and len(by_source) == READ_SOURCES:
            continue  # an archive: its best-matching articles only
        kept = by_source.setdefault(sid, [])
        if len(kept) < CHUNKS_PER_SOURCE:
            kept.append(p)
    for source_id in wanted:
        if source_id not in by_source:
            own, _, _ = retriever.candidates(
                topic, CHUNKS_PER_SOURCE, filters.with_sources([source_id])
            )
            by_source[source_id] = own[:CHUNKS_PER_SOURCE]
    return assess_all(
        retriever, topic, {sid: by_source[sid] for sid in sorted(by_source)}, vector, stats
    )


def assess_all(
    retriever: Retriever,
    topic: str,
    by_source: dict[str, list[Passage]],
    vector: list[float],
    stats: TermStats,
) -> list[SourceFinding]:
    """`assess` for each source, in order, with the sentences to refine embedded in one
    batch first (one model call instead of one per source)."""
    heads = [
        s.text
        for passages in by_source.values()
        for s in rank_sentences(
            Retrieval(question=topic, passages=passages, query_vector=vector, stats=stats)
        )[:REFINE_TOP]
    ]
    if heads:
        retriever.embed_sentences(heads)  # cached: `assess` finds them there
    infos = retriever.sources(list(by_source))
    return [
        assess(retriever, topic, sid, passages, vector, stats, infos.get(sid))
        for sid, passages in by_source.items()
    ]


def assess(
    retriever: Retriever,
    topic: str,
    source_id: str,
    passages: list[Passage],
    vector: list[float],
    stats: TermStats,
    info: SourceInfo | None,
) -> SourceFinding:
    """Rank one source's sentences on the topic (from its best `passages`) and decide
    whether it addresses it."""
    retrieval = Retrieval(question=topic, passages=passages, query_vector=vector, stats=stats)
    ranked = rank_sentences(retrieval, embed=retriever.embed_sentences)
    best = max(
        (
            ADDRESS_W_COVERAGE * _own_coverage(retrieval, s) + (1 - ADDRESS_W_COVERAGE) * s.dense
            for s in ranked[:5]
        ),
        default=0.0,
    )
    return SourceFinding(
        source_id=source_id,
        title=info.title if info else None,
        outlet=info.outlet if info else None,
        published=info.published if info else None,
        notes=info.notes if info else None,
        addresses=best >= ADDRESS_THRESHOLD,
        score=round(best, 4),
        ranked=ranked,
        passages=passages,
    )
