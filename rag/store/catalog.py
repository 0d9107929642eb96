"""Catalog: documents, chunks, sentence vectors and the lexical index in one SQLite file.

    catalog = Catalog(settings.data_dir / "catalog.sqlite3")
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
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np

from rag.errors import StoreError
from rag.store.schema import SCHEMA, SCHEMA_VERSION, migrate

P = ParamSpec("P")
T = TypeVar("T")


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


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a killed process loses nothing
    db.execute("PRAGMA foreign_keys=ON")
    return db


def sqlite_errors(fn: Callable[P, T]) -> Callable[P, T]:
    """Raise SQLite and file failures (a locked, broken or read-only catalog) as StoreError."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except OSError as exc:
            raise unwritable(exc) from exc
        except sqlite3.Error as exc:
            raise StoreError(f"the catalog failed: {exc}") from exc

    return wrapper


class Catalog:
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
        out: dict[str, str] = {}
        for part in batches(source_ids):
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT source_id, content_hash FROM documents WHERE source_id IN ({marks})",
                part,
            )
            out.update(dict(rows.fetchall()))
        return out

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    def pending(self) -> list[tuple[str, list[str]]]:
        rows = self.db.execute("SELECT source_id, vector_ids FROM pending").fetchall()
        return [(sid, json.loads(ids)) for sid, ids in rows]

    def known_chunk_ids(self, chunk_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in batches(chunk_ids):
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT chunk_id FROM chunks WHERE chunk_id IN ({marks})", part
            ).fetchall()
            found.update(r[0] for r in rows)
        return found


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
        for part in batches(ids):
            marks = ",".join("?" * len(part))
            self.db.execute(f"DELETE FROM chunk_terms WHERE rowid IN ({marks})", part)
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


def unwritable(exc: OSError) -> StoreError:
    """The data dir cannot be written (read-only, full, not ours), said in one line."""
    where = f"{exc.strerror}: {exc.filename}" if exc.strerror else str(exc)
    return StoreError(f"the data dir cannot be written ({where}); RAG_DATA_DIR must be writable")


def batches(items: Sequence[Any], size: int = 500) -> Iterator[list[Any]]:
    """`items` in slices SQLite's variable limit accepts (one `?` each in an IN list)."""
    for i in range(0, len(items), size):
        yield list(items[i : i + size])
