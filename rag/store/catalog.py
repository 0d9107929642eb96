"""Catalog: documents, chunks, sentence vectors and the lexical index in one SQLite file
(the default backend of rag/store/backend.py; PostgreSQL is rag/store/postgres.py).

    catalog = SqliteCatalog(settings.data_dir / "catalog.sqlite3")
    with catalog.writing() as tx:          # one transaction, one writer at a time
        tx.put_document(row, chunks)

`RAG_DATA_DIR/catalog.sqlite3` is the index's source of truth: a document is in the index
when its row commits here, with its chunks, their sentence vectors and their lexical
entries in the same transaction, so they are all there or all absent. Chroma holds the
chunk vectors under the same chunk ids (rag/store/vectors.py); `pending` records every vector
id a write may leave behind in Chroma until the write is over, so a killed writer's
leftovers are found and removed by the next one.

WAL mode lets any number of processes read while one writes; writers take a file lock
beside the database (released by the OS when a process dies) and SQLite's own lock.
Readers use one connection per thread and cache nothing: a committed write is visible to
every process at its next query.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rag.errors import StoreError
from rag.store.lexical import fts5_bm25
from rag.store.schema import SCHEMA, SCHEMA_VERSION, migrate
from rag.store.sql import Condition, connect, select_in, unwritable
from rag.store.writes import Transaction


class SqliteCatalog:
    """The SQLite side of the index (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._lock_depth = 0
        self._lock_file: Any = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self.write_lock():
                self.db.executescript(SCHEMA)  # idempotent; it commits by itself
            with self.writing() as tx:
                version = tx.meta("schema_version")
                if version is None:
                    tx.set_meta("schema_version", SCHEMA_VERSION)
                    tx.set_meta("chunks", "0")
                elif version != SCHEMA_VERSION:
                    tx.set_meta("schema_version", migrate(tx.db, version, path))
        except OSError as exc:
            raise unwritable(exc) from exc
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the catalog {path}: {exc}") from exc

    # --- connections ---------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path)
            self._local.db = db
            with self._opened_lock:
                self._opened.append(db)
        return db

    def close(self) -> None:
        with self._opened_lock:
            for db in self._opened:
                db.close()
            self._opened.clear()
        self._local = threading.local()

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Be the only writer of this data dir (across threads and processes) for the block.

        Reentrant, so a write that spans Chroma and several transactions holds it
        throughout. The file lock is released by the OS if the process dies.
        """
        with self._write_lock:
            if self._lock_depth == 0:
                self._lock_file = self.path.with_suffix(".write.lock").open("a")
                fcntl.flock(self._lock_file, fcntl.LOCK_EX)
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0:
                    fcntl.flock(self._lock_file, fcntl.LOCK_UN)
                    self._lock_file.close()
                    self._lock_file = None

    @contextmanager
    def writing(self) -> Iterator[Transaction]:
        """One transaction of the one writer (rolled back if the block raises)."""
        with self.write_lock():
            db = self.db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # --- reads ---------------------------------------------------------------------
    def chunk_count(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'chunks'").fetchone()
        return int(row[0]) if row else 0

    def content_hashes(self, source_ids: Sequence[str]) -> dict[str, str]:
        sql = "SELECT source_id, content_hash FROM documents WHERE source_id IN ({marks})"
        return {sid: content for sid, content in select_in(self.query, sql, source_ids)}

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    def pending(self) -> list[tuple[str, list[str]]]:
        rows = self.db.execute("SELECT source_id, vector_ids FROM pending").fetchall()
        return [(sid, json.loads(ids)) for sid, ids in rows]

    def known_chunk_ids(self, chunk_ids: Sequence[str]) -> set[str]:
        sql = "SELECT chunk_id FROM chunks WHERE chunk_id IN ({marks})"
        return {row[0] for row in select_in(self.query, sql, chunk_ids)}

    def bm25(
        self, query_terms: Sequence[str], limit: int, where: Condition | None = None
    ) -> list[tuple[str, float]]:
        return fts5_bm25(self.query, query_terms, limit, where)

    def lexical_problems(self) -> list[str]:
        found = [
            f"{cid}: no lexical entry"
            for (cid,) in self.query(
                "SELECT chunk_id FROM chunks WHERE id NOT IN (SELECT rowid FROM chunk_terms)"
            )
        ]
        (stray,) = self.query(
            "SELECT count(*) FROM chunk_terms WHERE rowid NOT IN (SELECT id FROM chunks)"
        )[0]
        if stray:
            found.append(f"{stray} lexical entries belong to no chunk")
        return found
