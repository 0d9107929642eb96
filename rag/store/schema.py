"""The catalog's SQLite schema (rag/store/catalog.py): documents, chunks with their sentence
vectors, the FTS5 lexical index and the record of unfinished writes.

A change that an older index cannot be read with bumps SCHEMA_VERSION. Opening an older
index runs the steps in MIGRATIONS from its version on, in the opening transaction; one
with no step (or a newer one) asks for `rag ingest --reset` instead of misreading it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.documents.loading import text_sha256
from rag.errors import StoreError

SCHEMA_VERSION = "2"  # 2: documents.text_sha256
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    source_id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title TEXT,
    outlet TEXT,
    published TEXT,
    published_day INTEGER,  -- days since 1970-01-01, for date filters; NULL when unknown
    notes TEXT,
    text TEXT NOT NULL,     -- the cleaned text every offset refers to
    text_sha256 TEXT NOT NULL DEFAULT '',  -- its short sha256, which citations carry
    chunks INTEGER NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_outlet ON documents(outlet);
CREATE INDEX IF NOT EXISTS documents_by_day ON documents(published_day);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,  -- also the rowid of the chunk's lexical entry
    chunk_id TEXT NOT NULL UNIQUE,
    source_id TEXT NOT NULL REFERENCES documents(source_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    sentences TEXT NOT NULL,  -- JSON [[start, end], ...]: offsets in the document
    vectors BLOB NOT NULL     -- float16 [sentences, dim]: one unit vector per sentence
);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks(source_id, idx);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms USING fts5(
    terms, tokenize = "unicode61 remove_diacritics 0 tokenchars ''''"
);
CREATE VIRTUAL TABLE IF NOT EXISTS term_docs USING fts5vocab(chunk_terms, 'row');
CREATE TABLE IF NOT EXISTS pending (
    source_id TEXT PRIMARY KEY,
    vector_ids TEXT NOT NULL,  -- JSON: every Chroma id this write may add or leave stale
    since REAL NOT NULL
);
"""


def _hash_texts(db: sqlite3.Connection) -> None:
    """1 -> 2: each document's text hash, computed once here, then stored at every write."""
    db.execute("ALTER TABLE documents ADD COLUMN text_sha256 TEXT NOT NULL DEFAULT ''")
    db.create_function("text_sha256", 1, text_sha256, deterministic=True)
    db.execute("UPDATE documents SET text_sha256 = text_sha256(text)")


# version found -> (the step to the next version, that version)
MIGRATIONS: dict[str, tuple[Callable[[sqlite3.Connection], None], str]] = {
    "1": (_hash_texts, "2"),
}


def migrate(db: sqlite3.Connection, version: str, where: object) -> str:
    """Bring a catalog of schema `version` to SCHEMA_VERSION (inside the caller's
    transaction); StoreError when no migration leads there."""
    while version != SCHEMA_VERSION:
        if version not in MIGRATIONS:
            raise StoreError(
                f"{where} has catalog schema {version}, this version reads "
                f"{SCHEMA_VERSION}: rebuild the index with `rag ingest --reset`"
            )
        step, version = MIGRATIONS[version]
        step(db)
    return version


# The rows one write puts: a document and its chunks (rag/store/rows.py builds them).
@dataclass(frozen=True)
class DocumentRow:
    source_id: str
    content_hash: str
    title: str | None
    outlet: str | None
    published: str | None
    published_day: int | None
    notes: str | None
    text: str
    text_sha256: str


@dataclass(frozen=True)
class ChunkRow:
    chunk_id: str
    index: int
    start: int
    end: int
    sentences: Sequence[tuple[int, int]]
    vectors: np.ndarray  # [sentences, dim]
    terms: str  # the chunk's lexical terms, space-separated
