"""The PostgreSQL catalog's schema and writes (rag/store/postgres.py), the counterpart of
rag/store/schema.py and rag/store/writes.py: the same tables and meta, with the lexical
index kept as term statistics instead of FTS5.

Lexical index: `chunk_terms` (a chunk's term count, its lexical entry), `postings` (term,
chunk, frequency; the primary key looks a query's terms up) and `term_docs` (chunks per
term, kept up to date by every write), plus `meta.tokens` (all chunks' terms) for the mean
length: what FTS5's BM25 reads, so both backends rank alike (`PostgresCatalog.bm25`).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence

import numpy as np
import psycopg

from rag.store.schema import ChunkRow, DocumentRow

PG_SCHEMA_VERSION = "pg-1"
# Keys and sort columns compare bytes (COLLATE "C"), as SQLite does, whatever the database's
# locale: the same order of sources and outlets on both backends.
PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    source_id TEXT COLLATE "C" PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title TEXT COLLATE "C",
    outlet TEXT COLLATE "C",
    published TEXT,
    published_day INTEGER,
    notes TEXT,
    text TEXT NOT NULL,
    text_sha256 TEXT NOT NULL DEFAULT '',
    chunks INTEGER NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_outlet ON documents(outlet);
CREATE INDEX IF NOT EXISTS documents_by_day ON documents(published_day);
CREATE TABLE IF NOT EXISTS chunks (
    id BIGSERIAL PRIMARY KEY,
    chunk_id TEXT COLLATE "C" NOT NULL UNIQUE,
    source_id TEXT COLLATE "C" NOT NULL REFERENCES documents(source_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    sentences TEXT NOT NULL,
    vectors BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks(source_id, idx);
CREATE TABLE IF NOT EXISTS chunk_terms (
    chunk BIGINT PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    length INTEGER NOT NULL  -- the chunk's terms, counted as FTS5 counts its tokens
);
CREATE TABLE IF NOT EXISTS postings (
    term TEXT COLLATE "C" NOT NULL,
    chunk BIGINT NOT NULL REFERENCES chunk_terms(chunk) ON DELETE CASCADE,
    tf INTEGER NOT NULL,
    PRIMARY KEY (term, chunk)
);
CREATE INDEX IF NOT EXISTS postings_by_chunk ON postings(chunk);
CREATE TABLE IF NOT EXISTS term_docs (term TEXT COLLATE "C" PRIMARY KEY, doc INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending (
    source_id TEXT COLLATE "C" PRIMARY KEY,
    vector_ids TEXT NOT NULL,
    since DOUBLE PRECISION NOT NULL
);
"""
# version found -> (SQL to the next version, that version); none yet
PG_MIGRATIONS: dict[str, tuple[str, str]] = {}


class PgTransaction:
    """Writes inside `PostgresCatalog.writing()` (one PostgreSQL transaction)."""

    def __init__(self, db: psycopg.Connection) -> None:
        self.db = db

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def chunk_ids(self, source_id: str) -> list[str]:
        rows = self.db.execute("SELECT chunk_id FROM chunks WHERE source_id = %s", (source_id,))
        return [r[0] for r in rows.fetchall()]

    def remove_document(self, source_id: str) -> int:
        """Delete a document with its chunks and lexical entries; how many chunks it had."""
        rows = self.db.execute(
            "SELECT c.id, coalesce(l.length, 0) FROM chunks c "
            "LEFT JOIN chunk_terms l ON l.chunk = c.id WHERE c.source_id = %s",
            (source_id,),
        ).fetchall()
        ids = [r[0] for r in rows]
        if ids:
            self.db.execute(
                "UPDATE term_docs AS t SET doc = t.doc - s.n FROM (SELECT term, count(*) AS n "
                "FROM postings WHERE chunk = ANY(%s) GROUP BY term) AS s WHERE t.term = s.term",
                (ids,),
            )
        self.db.execute("DELETE FROM documents WHERE source_id = %s", (source_id,))  # cascades
        self._count(-len(ids), -sum(int(r[1]) for r in rows))
        return len(ids)

    def put_document(self, doc: DocumentRow, chunks: Sequence[ChunkRow]) -> None:
        """Replace `doc` (if present) with this version and its chunks, all or nothing."""
        self.remove_document(doc.source_id)
        self.db.execute(
            "INSERT INTO documents (source_id, content_hash, title, outlet, published, "
            "published_day, notes, text, text_sha256, chunks, updated_at) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (
                *(doc.source_id, doc.content_hash, doc.title, doc.outlet, doc.published),
                *(doc.published_day, doc.notes, doc.text, doc.text_sha256),
                *(len(chunks), time.time()),
            ),
        )
        if not chunks:
            return
        ids = [
            r[0]
            for r in self.db.execute(
                "SELECT nextval(pg_get_serial_sequence('chunks', 'id')) "
                "FROM generate_series(1, %s)",
                (len(chunks),),
            )
        ]
        counted = [Counter(c.terms.split()) for c in chunks]
        with self.db.cursor() as cur:
            with cur.copy(
                'COPY chunks (id, chunk_id, source_id, idx, start, "end", sentences, vectors) '
                "FROM STDIN"
            ) as copy:
                for id_, c in zip(ids, chunks, strict=True):
                    sentences = json.dumps([list(s) for s in c.sentences])
                    blob = np.asarray(c.vectors, dtype=np.float16).tobytes()
                    copy.write_row((id_, c.chunk_id, doc.source_id, c.index, c.start, c.end,
                                    sentences, blob))  # fmt: skip
            with cur.copy("COPY chunk_terms (chunk, length) FROM STDIN") as copy:
                for id_, terms in zip(ids, counted, strict=True):
                    copy.write_row((id_, terms.total()))
            with cur.copy("COPY postings (term, chunk, tf) FROM STDIN") as copy:
                for id_, terms in zip(ids, counted, strict=True):
                    for term, tf in terms.items():
                        copy.write_row((term, id_, tf))
        self.db.execute(
            "INSERT INTO term_docs (term, doc) SELECT term, count(*) FROM postings "
            "WHERE chunk = ANY(%s) GROUP BY term "
            "ON CONFLICT (term) DO UPDATE SET doc = term_docs.doc + excluded.doc",
            (ids,),
        )
        self._count(len(chunks), sum(t.total() for t in counted))

    def set_pending(self, source_id: str, vector_ids: Sequence[str]) -> None:
        self.db.execute(
            "INSERT INTO pending (source_id, vector_ids, since) VALUES (%s, %s, %s) "
            "ON CONFLICT (source_id) DO UPDATE SET vector_ids = excluded.vector_ids",
            (source_id, json.dumps(sorted(set(vector_ids))), time.time()),
        )

    def clear_pending(self, source_ids: Sequence[str]) -> None:
        self.db.execute("DELETE FROM pending WHERE source_id = ANY(%s)", (list(source_ids),))

    def remove_all(self) -> None:
        self.db.execute("TRUNCATE postings, chunk_terms, chunks, documents, pending, term_docs")
        self.set_meta("chunks", "0")
        self.set_meta("tokens", "0")

    def _count(self, chunks: int, tokens: int) -> None:
        for key, delta in (("chunks", chunks), ("tokens", tokens)):
            if delta:
                self.db.execute(
                    "UPDATE meta SET value = (CAST(value AS BIGINT) + %s)::text WHERE key = %s",
                    (delta, key),
                )
