"""The catalog's two backends behind one interface: SQLite in the data dir (the default,
rag/store/catalog.py) or PostgreSQL with `RAG_CATALOG_URL` (rag/store/postgres.py).

    catalog = open_catalog(settings)       # rag/store/chunks.py
    catalog.query("SELECT count(*) FROM documents WHERE outlet = ?", ["BBC"])
    with catalog.writing() as tx:
        tx.put_document(row, chunks)

Everything above the catalog (browse, search, integrity, the store) writes portable SQL with
`?` placeholders over the same tables (documents, chunks, meta, pending, term_docs); what
differs between the backends is behind this interface: connections, the write lock, the
transaction's writes, and the lexical index (FTS5 there, term tables here), which is asked
for BM25 scores (`bm25`) and checked (`lexical_problems`), never read with SQL of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from rag.store.schema import ChunkRow, DocumentRow
from rag.store.sql import Condition, sqlite_errors


class Writes(Protocol):
    """The writes of one catalog transaction (`Catalog.writing()`)."""

    def meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def chunk_ids(self, source_id: str) -> list[str]: ...
    def remove_document(self, source_id: str) -> int: ...
    def put_document(self, doc: DocumentRow, chunks: Sequence[ChunkRow]) -> None: ...
    def set_pending(self, source_id: str, vector_ids: Sequence[str]) -> None: ...
    def clear_pending(self, source_ids: Sequence[str]) -> None: ...
    def remove_all(self) -> None: ...


class Catalog(Protocol):
    """Documents, chunks, sentence vectors, the lexical index, meta and the pending journal."""

    def close(self) -> None: ...

    def write_lock(self) -> AbstractContextManager[None]:
        """Be the only writer of this index (across threads and processes); reentrant."""
        ...

    def writing(self) -> AbstractContextManager[Writes]:
        """One transaction of the one writer (rolled back if the block raises)."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of portable SQL with `?` placeholders."""
        ...

    def chunk_count(self) -> int: ...
    def content_hashes(self, source_ids: Sequence[str]) -> dict[str, str]: ...
    def pending(self) -> list[tuple[str, list[str]]]: ...
    def known_chunk_ids(self, chunk_ids: Sequence[str]) -> set[str]: ...

    def bm25(
        self, query_terms: Sequence[str], limit: int, where: Condition | None = None
    ) -> list[tuple[str, float]]:
        """(chunk_id, BM25) of the best `limit` chunks matching any of the distinct terms
        (passing `where`), best first; FTS5's BM25 (k1 1.2, b 0.75) on both backends."""
        ...

    def lexical_problems(self) -> list[str]:
        """Chunks without a lexical entry, and entries of no chunk (`rag check`)."""
        ...


@sqlite_errors
def index_id(catalog: Catalog) -> str:
    """The id shared by the catalog and its Chroma collection (made on first open)."""
    with catalog.writing() as tx:
        found = tx.meta("index_id")
        if found is None:
            found = uuid.uuid4().hex
            tx.set_meta("index_id", found)
        return found
