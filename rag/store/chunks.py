"""Store: the index as one thing, the catalog (SQLite, or PostgreSQL with RAG_CATALOG_URL:
documents, chunks, sentence vectors, lexical index) and the vectors (Chroma), written
atomically per document, read in place.

    with open_store(settings, embedder) as store:
        store.write([Prepared(doc, chunks, chunk_vectors, sentence_vectors)])
        store.dense(query_vector, 40, filters)       # [(chunk_id, cosine)]
        store.lexical(query_terms, 40, filters)      # [(chunk_id, bm25)]
        store.chunks(ids, vectors=True)              # {chunk_id: StoredChunk}

A write records the vector ids it may add or leave stale (`pending`), writes Chroma, then
commits the documents in one catalog transaction, then deletes stale vectors and clears
the record (if Chroma fails only then, the write stands). Readers see a document only once
its catalog rows commit; a vector Chroma has but the catalog lacks is ignored, and the
next writer deletes it (`recover`).
Nothing here keeps a copy of the corpus: every read goes to the indexes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from rag.config import Settings
from rag.documents.loading import Document
from rag.embedding.embedders import CachedEmbeddings
from rag.errors import SourceConflictError, StoreError, UnknownSourceError
from rag.store import backend, integrity, lexical
from rag.store.backend import Catalog
from rag.store.browse import Outlet, Page, browse, outlets, sources
from rag.store.catalog import SqliteCatalog
from rag.store.filters import Filters
from rag.store.lexical import TermStats
from rag.store.rows import (
    Prepared,
    SourceInfo,
    StoredChunk,
    chunk_rows,
    document_row,
    stored_chunk,
    vector_meta,
)
from rag.store.search import Searcher
from rag.store.sql import select_in, sqlite_errors
from rag.store.vectors import VectorIndex, open_vectors

__all__ = ["ChunkStore", "Prepared", "SourceInfo", "StoredChunk", "check_catalog", "open_store"]

CATALOG_FILE = "catalog.sqlite3"


_CHUNK_COLUMNS = (
    "c.chunk_id, c.source_id, c.idx, c.start, c.end, c.sentences, "
    "substr(d.text, c.start + 1, c.end - c.start), d.title, d.outlet, d.published, d.text_sha256"
)


class ChunkStore:
    """Documents and chunks, searchable densely and lexically, listable by source."""

    def __init__(self, catalog: Catalog, vectors: VectorIndex, embedder: CachedEmbeddings):
        self._catalog = catalog
        self._vectors = vectors
        self._embedder = embedder
        self._search = Searcher(catalog, vectors)

    @property
    def embedder(self) -> CachedEmbeddings:
        return self._embedder

    # --- reads ---------------------------------------------------------------------
    @sqlite_errors
    def count(self) -> int:
        """Chunks in the index."""
        return self._catalog.chunk_count()

    def vector_count(self) -> int:
        """Records in Chroma (a readiness probe of the vector store)."""
        return self._vectors.count()

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> np.ndarray:
        """The chunks' own vectors (from Chroma), in that order."""
        return self._vectors.vectors(chunk_ids)

    @property
    def vectors_at(self) -> str:
        """Where the vectors live: "embedded" or the Chroma server's URL."""
        return self._vectors.where

    @sqlite_errors
    def content_hashes(self, source_ids: Sequence[str]) -> dict[str, str]:
        return self._catalog.content_hashes(source_ids)

    def source_hash(self, source_id: str) -> str | None:
        return self.content_hashes([source_id]).get(source_id)

    def sources(self, source_ids: Sequence[str] | None = None) -> list[SourceInfo]:
        """Indexed sources (all, or those of `source_ids` that exist), by id."""
        return sources(self._catalog, source_ids)

    def browse(
        self, query: str | None = None, outlet: str | None = None, limit: int = 100, offset: int = 0
    ) -> Page:
        """A page of sources, newest first (rag/store/browse.py)."""
        return browse(self._catalog, query, outlet, limit, offset)

    def outlets(self, filters: Filters | None = None) -> list[Outlet]:
        """Every outlet (of the articles `filters` lets through) with its article count and
        date range (rag/store/browse.py)."""
        return outlets(self._catalog, filters)

    @sqlite_errors
    def source_count(self) -> int:
        return int(self._catalog.query("SELECT count(*) FROM documents")[0][0])

    def source(self, source_id: str) -> SourceInfo:
        found = self.sources([source_id])
        if not found:
            raise UnknownSourceError(f"no source {source_id!r} in the index")
        return found[0]

    @sqlite_errors
    def document_text(self, source_id: str) -> str:
        """The cleaned text that every citation's offsets refer to."""
        rows = self._catalog.query("SELECT text FROM documents WHERE source_id = ?", [source_id])
        if not rows:
            raise UnknownSourceError(f"no source {source_id!r} in the index")
        return str(rows[0][0])

    @sqlite_errors
    def dense(
        self, vector: Sequence[float], k: int, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """(chunk_id, cosine) of the `k` nearest chunks that pass `filters`."""
        return self._search.dense(vector, k, filters)

    @sqlite_errors
    def lexical(
        self,
        query_terms: Sequence[str],
        k: int,
        filters: Filters | None = None,
        stats: TermStats | None = None,
    ) -> list[tuple[str, float]]:
        """(chunk_id, BM25) of the `k` best lexical matches that pass `filters`."""
        stats = stats or lexical.term_stats(self._catalog, query_terms)
        return self._search.lexical(query_terms, k, stats, filters)

    @sqlite_errors
    def term_stats(self, query_terms: Sequence[str]) -> TermStats:
        return lexical.term_stats(self._catalog, query_terms)

    @sqlite_errors
    def chunks(self, chunk_ids: Sequence[str], vectors: bool = False) -> dict[str, StoredChunk]:
        """The chunks of `chunk_ids` that are in the catalog (others are left out)."""
        columns = _CHUNK_COLUMNS + (", c.vectors" if vectors else "")
        sql = (
            f"SELECT {columns} FROM chunks AS c JOIN documents AS d "
            "ON d.source_id = c.source_id WHERE c.chunk_id IN ({marks})"
        )
        found = (stored_chunk(row) for row in select_in(self._catalog.query, sql, chunk_ids))
        return {chunk.chunk_id: chunk for chunk in found}

    @sqlite_errors
    def source_chunks(self, source_id: str, vectors: bool = False) -> list[StoredChunk]:
        """Every chunk of one source, in order."""
        ids = self._catalog.query(
            "SELECT chunk_id FROM chunks WHERE source_id = ? ORDER BY idx", [source_id]
        )
        found = self.chunks([r[0] for r in ids], vectors=vectors)
        return [found[r[0]] for r in ids if r[0] in found]

    def refuse_other_texts(self, docs: Sequence[Document]) -> None:
        """SourceConflictError if one of `docs` would replace another text (not metadata)."""
        texts = {d.source_id: d.text_sha256 for d in docs}
        for info in self.sources(list(texts)):
            if info.text_sha256 != texts[info.source_id]:
                raise SourceConflictError(info.source_id, info.title)

    # --- writes --------------------------------------------------------------------
    @sqlite_errors
    def write(self, prepared: Sequence[Prepared], replace: bool = True) -> None:
        """Index these documents (replacing earlier versions): each all there or all absent.
        Unless `replace`, a different text under a taken id is refused (`refuse_other_texts`)."""
        if not prepared:
            return
        ids = [c.chunk_id for p in prepared for c in p.chunks]
        vectors = np.concatenate([p.chunk_vectors for p in prepared]).astype(np.float32)
        metas = [vector_meta(p.doc) for p in prepared for _ in p.chunks]
        with self._catalog.write_lock():
            if not replace:  # checked again under the lock: no writer slips in between
                self.refuse_other_texts([p.doc for p in prepared])
            self._recover()
            with self._catalog.writing() as tx:
                old = {p.doc.source_id: tx.chunk_ids(p.doc.source_id) for p in prepared}
                for p in prepared:
                    sid = p.doc.source_id
                    tx.set_pending(sid, old[sid] + [c.chunk_id for c in p.chunks])
            self._vectors.add(ids, vectors, metas)
            with self._catalog.writing() as tx:
                for p in prepared:
                    tx.put_document(document_row(p.doc), chunk_rows(p))
            self._tidy(sorted({i for sid in old for i in old[sid]} - set(ids)), list(old))

    @sqlite_errors
    def delete_source(self, source_id: str) -> int:
        """Remove a document; how many chunks it had (UnknownSourceError if none)."""
        with self._catalog.write_lock():
            self._recover()
            with self._catalog.writing() as tx:
                ids = tx.chunk_ids(source_id)
                if not self._catalog.content_hashes([source_id]):
                    raise UnknownSourceError(f"no source {source_id!r} in the index")
                tx.set_pending(source_id, ids)
                tx.remove_document(source_id)
            self._tidy(ids, [source_id])
        return len(ids)

    def _tidy(self, stale: list[str], source_ids: list[str]) -> None:
        """Delete the vectors a committed write left over, then its record. If Chroma fails
        now, the write still stands: the record stays, for the next writer to finish."""
        try:
            self._vectors.delete(stale)
        except StoreError:
            return
        with self._catalog.writing() as tx:
            tx.clear_pending(source_ids)

    @sqlite_errors
    def reset(self) -> None:
        """Empty the index: every document, chunk and vector."""
        with self._catalog.write_lock():
            self._vectors.drop()
            with self._catalog.writing() as tx:
                tx.remove_all()

    @sqlite_errors
    def verify(self) -> list[str]:
        """What is inconsistent in the index (nothing, normally); see rag/store/integrity.py."""
        return integrity.problems(self._catalog, self._vectors, self._embedder.dimensions)

    @sqlite_errors
    def recover(self) -> int:
        """Delete the vectors a killed writer left behind; how many there were."""
        with self._catalog.write_lock():
            return self._recover()

    def _recover(self) -> int:
        pending = self._catalog.pending()
        if not pending:
            return 0
        listed = sorted({i for _, ids in pending for i in ids})
        orphans = sorted(set(listed) - self._catalog.known_chunk_ids(listed))
        self._vectors.delete(orphans)
        with self._catalog.writing() as tx:
            tx.clear_pending([sid for sid, _ in pending])
        return len(orphans)


@contextmanager
def open_store(
    settings: Settings, embedder: CachedEmbeddings, reset: bool = False
) -> Iterator[ChunkStore]:
    """The data dir's index for the `with` block; leftovers of a killed writer are removed.

    `reset` empties it first (`rag ingest --reset`), even one that cannot be opened as it
    is: built by an older version, or with another embedder, or paired with another catalog.
    """
    catalog = open_catalog(settings)
    try:
        if reset:
            with catalog.writing() as tx:
                tx.remove_all()
        index_id = backend.index_id(catalog)
        with open_vectors(settings, embedder.identity, index_id, fresh=reset) as vectors:
            store = ChunkStore(catalog, vectors, embedder)
            store.recover()
            yield store
    finally:
        catalog.close()


def open_catalog(settings: Settings) -> Catalog:
    """PostgreSQL at RAG_CATALOG_URL (rag/store/postgres.py), else the data dir's SQLite file."""
    if settings.catalog_url:
        from rag.store.postgres import PostgresCatalog  # psycopg only when asked for

        return PostgresCatalog(settings.catalog_url)
    return SqliteCatalog(settings.data_dir / CATALOG_FILE)


def check_catalog(settings: Settings) -> None:
    """StoreError now if the catalog cannot be opened (read-only, corrupt, of another schema,
    a database down or refusing us): `rag serve` checks before starting workers, in one line."""
    open_catalog(settings).close()
