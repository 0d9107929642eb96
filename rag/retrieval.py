"""Retrieval: dense (Chroma) + lexical (BM25) candidates, score fusion, source diversity.

Fusion is relative-score fusion, not reciprocal rank: each side's scores are scaled to
[0, 1] and mixed with `lexical_weight`. A BM25 hit that is far ahead keeps its lead
(rank fusion would flatten it), which keeps BM25's precision at rank 1.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rag.config import Settings
from rag.errors import UnknownSourceError
from rag.lexical import LexicalIndex
from rag.store import ChunkStore, SourceInfo, StoredChunk


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
    index: LexicalIndex


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
    """Hybrid retriever over a `ChunkStore`; rebuilds its BM25 index when the store changes."""

    def __init__(self, store: ChunkStore, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        self._lock = threading.Lock()
        self._version = -1
        self._chunks: list[StoredChunk] = []
        self._index = LexicalIndex([])
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._sentence_vectors: dict[tuple[str, int], np.ndarray] = {}
        self._sources: dict[str, SourceInfo] = {}

    @property
    def store(self) -> ChunkStore:
        return self._store

    def snapshot(self) -> tuple[list[StoredChunk], LexicalIndex]:
        """The chunk list and its BM25 index for the store's current version."""
        with self._lock:
            self._refresh()
            return self._chunks, self._index

    def _refresh(self) -> None:
        if self._version != self._store.version:
            version = self._store.version
            chunks, matrix = self._store.all_chunks()
            self._chunks, self._matrix = chunks, matrix
            self._sentence_vectors = self._store.sentence_vectors()
            self._sources = {s.source_id: s for s in self._store.sources()}
            self._index = LexicalIndex([c.text for c in chunks])
            self._version = version

    def sources(self) -> dict[str, SourceInfo]:
        """{source_id: metadata and chunk count} for the store's current version."""
        with self._lock:
            self._refresh()
            return self._sources

    def sentence_vectors(self, items: Sequence[tuple[tuple[str, int], str]]) -> np.ndarray:
        """Vectors of sentences given as ((source_id, start), text): stored ones from the
        index, any others (an index built before sentence vectors existed) embedded now."""
        with self._lock:
            self._refresh()
            known = self._sentence_vectors
        missing = [text for key, text in items if key not in known]
        fresh = iter(self._store.embedder.embed_documents(missing) if missing else [])
        rows = [known[key] if key in known else np.asarray(next(fresh)) for key, _ in items]
        return np.asarray(rows, dtype=np.float32).reshape(len(items), -1)

    def score_all(
        self, query: str, sources: Sequence[str] | None = None
    ) -> tuple[list[Passage], list[float], LexicalIndex]:
        """Fused score of every chunk (of `sources`) for `query`, in one pass.

        One query embedding, one BM25 pass and one matrix product, however many sources
        there are: per-source selection (compare mode) then costs no further searches.
        Returns the passages best first, the query vector and the BM25 index.
        """
        wanted = set(self.check_sources(sources) or [])
        with self._lock:
            self._refresh()
            chunks, index, matrix = self._chunks, self._index, self._matrix
        vector = self._store.embedder.embed_query(query)
        keep = [i for i, c in enumerate(chunks) if not wanted or c.source_id in wanted]
        if not keep:
            return [], vector, index
        dense_all = matrix[keep] @ np.asarray(vector, dtype=np.float32)
        lex_all = index.scores(query)[keep]
        ids = [chunks[i].chunk_id for i in keep]
        dense = dict(zip(ids, map(float, dense_all), strict=True))
        lexical = {cid: float(s) for cid, s in zip(ids, lex_all, strict=True) if s > 0}
        lex_top = max(lexical.values(), default=0.0)
        by_id = {chunks[i].chunk_id: chunks[i] for i in keep}
        passages = [
            Passage(
                chunk=by_id[cid],
                score=score,
                dense=dense[cid],
                lexical=(lexical.get(cid, 0.0) / lex_top) if lex_top else 0.0,
            )
            for cid, score in fuse(dense, lexical, self._settings.lexical_weight)
        ]
        return passages, vector, index

    def check_sources(self, source_ids: Sequence[str] | None) -> list[str] | None:
        if not source_ids:
            return None
        chunks, _ = self.snapshot()
        known = {c.source_id for c in chunks}
        unknown = sorted(set(source_ids) - known)
        if unknown:
            raise UnknownSourceError(f"unknown source id(s): {', '.join(unknown)}")
        return list(dict.fromkeys(source_ids))

    def retrieve(
        self, question: str, k: int | None = None, sources: Sequence[str] | None = None
    ) -> Retrieval:
        k = k or self._settings.top_k
        wanted = self.check_sources(sources)
        chunks, index = self.snapshot()
        vector = self._store.embedder.embed_query(question)
        n = self._settings.candidates
        dense = dict(self._store.dense_search(vector, n, wanted))

        lex_all = index.scores(question)
        allowed = np.ones(len(chunks), dtype=bool)
        if wanted:
            keep = set(wanted)
            allowed = np.array([c.source_id in keep for c in chunks], dtype=bool)
        lex_all = np.where(allowed, lex_all, 0.0)
        order = np.argsort(-lex_all, kind="stable")[:n]
        lexical = {chunks[i].chunk_id: float(lex_all[i]) for i in order if lex_all[i] > 0}

        by_id = {c.chunk_id: c for c in chunks}
        lex_top = max(lexical.values(), default=0.0)
        ranked = [
            Passage(
                chunk=by_id[cid],
                score=score,
                dense=dense.get(cid, 0.0),
                lexical=(lexical.get(cid, 0.0) / lex_top) if lex_top else 0.0,
            )
            for cid, score in fuse(dense, lexical, self._settings.lexical_weight)
            if cid in by_id
        ]
        passages = diversify(ranked, k, self._settings.max_per_source)
        return Retrieval(question=question, passages=passages, query_vector=vector, index=index)
