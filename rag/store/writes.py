"""Writes to the catalog, inside `Catalog.writing()`: documents with their chunks, sentence
vectors and lexical entries put or removed whole, the meta counters and the pending list
of vector ids a write may leave in Chroma."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

import numpy as np

from rag.store.schema import ChunkRow, DocumentRow
from rag.store.sql import select_in


class Transaction:
    """Writes inside `Catalog.writing()`."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def chunk_ids(self, source_id: str) -> list[str]:
        rows = self.db.execute("SELECT chunk_id FROM chunks WHERE source_id = ?", (source_id,))
        return [r[0] for r in rows.fetchall()]

    def remove_document(self, source_id: str) -> int:
        """Delete a document with its chunks and lexical entries; how many chunks it had."""
        ids = [
            r[0] for r in self.db.execute("SELECT id FROM chunks WHERE source_id = ?", (source_id,))
        ]
        select_in(self.db.execute, "DELETE FROM chunk_terms WHERE rowid IN ({marks})", ids)
        self.db.execute("DELETE FROM chunks WHERE source_id = ?", (source_id,))
        self.db.execute("DELETE FROM documents WHERE source_id = ?", (source_id,))
        self._count(-len(ids))
        return len(ids)

    def put_document(self, doc: DocumentRow, chunks: Sequence[ChunkRow]) -> None:
        """Replace `doc` (if present) with this version and its chunks, all or nothing."""
        self.remove_document(doc.source_id)
        self.db.execute(
            "INSERT INTO documents (source_id, content_hash, title, outlet, published, "
            "published_day, notes, text, text_sha256, chunks, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc.source_id,
                doc.content_hash,
                doc.title,
                doc.outlet,
                doc.published,
                doc.published_day,
                doc.notes,
                doc.text,
                doc.text_sha256,
                len(chunks),
                time.time(),
            ),
        )
        self.db.executemany(
            "INSERT INTO chunks (chunk_id, source_id, idx, start, end, sentences, vectors) "
            "VALUES (?,?,?,?,?,?,?)",
            [
                (
                    c.chunk_id,
                    doc.source_id,
                    c.index,
                    c.start,
                    c.end,
                    json.dumps([list(s) for s in c.sentences]),
                    np.asarray(c.vectors, dtype=np.float16).tobytes(),
                )
                for c in chunks
            ],
        )
        self.db.executemany(
            "INSERT INTO chunk_terms (rowid, terms) SELECT id, ? FROM chunks WHERE chunk_id = ?",
            [(c.terms, c.chunk_id) for c in chunks],
        )
        self._count(len(chunks))

    def set_pending(self, source_id: str, vector_ids: Sequence[str]) -> None:
        self.db.execute(
            "INSERT INTO pending (source_id, vector_ids, since) VALUES (?, ?, ?) "
            "ON CONFLICT(source_id) DO UPDATE SET vector_ids = excluded.vector_ids",
            (source_id, json.dumps(sorted(set(vector_ids))), time.time()),
        )

    def clear_pending(self, source_ids: Sequence[str]) -> None:
        self.db.executemany("DELETE FROM pending WHERE source_id = ?", [(s,) for s in source_ids])

    def remove_all(self) -> None:
        for table in ("chunk_terms", "chunks", "documents", "pending"):
            self.db.execute(f"DELETE FROM {table}")
        self.set_meta("chunks", "0")

    def _count(self, delta: int) -> None:
        if delta:
            self.db.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'chunks'", (delta,)
            )
