"""Retrieval: dense (Chroma) + lexical (BM25) candidates, score fusion, source diversity.

    retrieval = Retriever(store, settings).retrieve("Was the deal signed?", filters=...)

Each question costs one embedding, one Chroma query, one FTS5 query and one catalog read
of the candidate chunks (with their sentence vectors): nothing is loaded per process,
so a document written by any process is found by the next question.

Fusion is relative-score fusion, not reciprocal rank: each side's scores are scaled to
[0, 1] and mixed with `lexical_weight`. A BM25 hit that is far ahead keeps its lead
(rank fusion would flatten it), which keeps BM25's precision at rank 1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rag.config import Settings
from rag.errors import UnknownSourceError
from rag.language.dates import parse_date
from rag.language.text import terms
from rag.store.browse import Outlet
from rag.store.chunks import ChunkStore, SourceInfo, StoredChunk
from rag.store.filters import Filters
from rag.store.lexical import TermStats


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused score and both component scores."""

    chunk: StoredChunk
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class Retrieval:
    question: str
    passages: list[Passage]
    query_vector: list[float]
    stats: TermStats  # IDF of the question's terms, for scoring sentences


def fuse(
    dense: Mapping[str, float], lexical: Mapping[str, float], lexical_weight: float
) -> list[tuple[str, float]]:
    """Relative-score fusion of two {id: score} maps; best first, ties broken by id."""
    ids = set(dense) | set(lexical)
    if not ids:
        return []

    def scaled(scores: Mapping[str, float], floor_at_min: bool) -> dict[str, float]:
        if not scores:
            return {}
        top = max(scores.values())
        low = min(scores.values()) if floor_at_min and len(scores) > 1 else 0.0
        span = top - low
        if span <= 0:
            return {i: (1.0 if top > 0 else 0.0) for i in scores}
        return {i: max(0.0, (s - low) / span) for i, s in scores.items()}

    d = scaled(dense, floor_at_min=True)  # cosines cluster, so stretch the candidate range
    lex = scaled(lexical, floor_at_min=False)  # BM25 is 0 for no match: keep that meaning
    fused = {
        i: lexical_weight * lex.get(i, 0.0) + (1.0 - lexical_weight) * d.get(i, 0.0) for i in ids
    }
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def diversify(passages: Sequence[Passage], k: int, max_per_source: int) -> list[Passage]:
    """Top `k` by score with at most `max_per_source` per source, unless too few sources."""
    chosen: list[Passage] = []
    held: list[Passage] = []
    per_source: Counter[str] = Counter()
    for p in passages:
        if len(chosen) == k:
            break
        if per_source[p.chunk.source_id] < max_per_source:
            chosen.append(p)
            per_source[p.chunk.source_id] += 1
        else:
            held.append(p)
    chosen.extend(held[: k - len(chosen)])  # fill up rather than return fewer than k
    return sorted(chosen, key=lambda p: -p.score)


class Retriever:
    """Hybrid retriever over a `ChunkStore`: every call reads the indexes as they are now."""

    def __init__(self, store: ChunkStore, settings: Settings) -> None:
        self._store = store
        self._settings = settings

    @property
    def store(self) -> ChunkStore:
        return self._store

    def check(self, filters: Filters | None) -> Filters:
        """`filters` (or none) with its source ids checked: UnknownSourceError names any
        that is not indexed."""
        filters = filters or Filters()
        if filters.sources:
            known = {s.source_id for s in self._store.sources(filters.sources)}
            unknown = sorted(set(filters.sources) - known)
            if unknown:
                raise UnknownSourceError(f"unknown source id(s): {', '.join(unknown)}")
        return filters

    def embed_sentences(self, texts: list[str]) -> list[list[float]]:
        """Vectors of sentences on their own (cached: the same sentences recur)."""
        return self._store.embedder.embed_documents(texts)

    def sources(self, source_ids: Sequence[str]) -> dict[str, SourceInfo]:
        """{source_id: metadata and chunk count} of these sources."""
        return {s.source_id: s for s in self._store.sources(source_ids)}

    def outlets(self, filters: Filters | None = None) -> list[Outlet]:
        """The outlets of the articles `filters` lets through, with counts and dates."""
        return self._store.outlets(filters)

    def candidates(
        self, query: str, n: int, filters: Filters | None = None
    ) -> tuple[list[Passage], list[float], TermStats]:
        """The fused `n` best dense and `n` best lexical chunks for `query`, best first,
        with their sentence vectors; plus the query vector and the query terms' IDF."""
        filters = filters or Filters()
        vector = self._store.embedder.embed_query(query)
        query_terms = terms(query)
        stats = self._store.term_stats(query_terms)
        dense = dict(self._store.dense(vector, n, filters))
        lexical = dict(self._store.lexical(query_terms, n, filters, stats))
        preferred = filters.preferred()
        if preferred is not None:  # the window's own best too, whatever the rest scores
            dense |= dict(self._store.dense(vector, n, preferred))
            lexical |= dict(self._store.lexical(query_terms, n, preferred, stats))
        fused = fuse(dense, lexical, self._settings.lexical_weight)
        found = self._store.chunks([cid for cid, _ in fused], vectors=True)
        lex_top = max(lexical.values(), default=0.0)
        bonus = self._settings.window_bonus
        passages = [
            Passage(
                chunk=found[cid],
                score=score
                + (bonus if filters.is_preferred(parse_date(found[cid].published)) else 0),
                dense=dense.get(cid, 0.0),
                lexical=(lexical.get(cid, 0.0) / lex_top) if lex_top else 0.0,
            )
            for cid, score in fused
            if cid in found  # a vector whose document is mid-write or gone is skipped
        ]
        passages.sort(key=lambda p: (-p.score, p.chunk.chunk_id))
        return passages, vector, stats

    def retrieve(
        self, question: str, k: int | None = None, filters: Filters | None = None
    ) -> Retrieval:
        """The `k` best passages for `question` (at most `max_per_source` per source)."""
        filters = self.check(filters)
        passages, vector, stats = self.candidates(question, self._settings.candidates, filters)
        chosen = diversify(passages, k or self._settings.top_k, self._settings.max_per_source)
        return Retrieval(question=question, passages=chosen, query_vector=vector, stats=stats)
