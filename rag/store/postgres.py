"""Catalog on PostgreSQL (`RAG_CATALOG_URL=postgresql://…`): the SQLite catalog's interface
(rag/store/backend.py) over a connection pool, for several hosts sharing one index.

    catalog = PostgresCatalog("postgresql://rag:secret@db:5432/news")
    with catalog.writing() as tx:          # one transaction, one writer at a time
        tx.put_document(row, chunks)

The database holds what the SQLite file holds (documents, chunks, sentence vectors, the
lexical index, meta and the journal of pending vector ids); its schema and writes are in
rag/store/postgres_writes.py. The one writer holds a session advisory lock on its own
connection for the whole write (released by the server if the process dies), so the
pending-journal protocol of rag/store/chunks.py works unchanged.

Failures are StoreError: an unreachable database or a refused login once at start, in one
line; a lost connection while serving (the API answers 503). The pool checks each connection
before lending it and reconnects by itself once the database is back.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from rag.errors import StoreError
from rag.store.postgres_writes import PG_MIGRATIONS, PG_SCHEMA, PG_SCHEMA_VERSION, PgTransaction
from rag.store.sql import Condition

LOCK_KEY = 0x52414701  # the writers' advisory lock ("RAG" 1): one index per database
POOL_SIZE = 16  # connections at most: the API's worker threads plus a writer
# A request waits this long for a connection before it fails (503): long enough to ride over
# a pool reconnecting after a restart, short enough that a client is not left hanging.
WAIT_S = 5.0
CONNECT_S = 5  # libpq's connect_timeout: a host that drops packets fails, not hangs
K1, B = 1.2, 0.75  # FTS5's BM25 constants, so both backends rank alike


def describe(url: str) -> str:
    """The URL as user@host:port/db, without its password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return "the catalog URL"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', 'localhost')}{port}/{parts.get('dbname', '')}"


def first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def new_pool(
    url: str,
    what: str,
    name: str,
    size: int,
    configure: Callable[[psycopg.Connection], None] | None = None,
) -> ConnectionPool:
    """A pool for `url`, not yet opened, once one direct connection has succeeded (the pool
    would only say that it timed out): StoreError naming `what` and the URL, no password."""
    try:
        psycopg.connect(url, connect_timeout=CONNECT_S).close()
    except psycopg.Error as exc:
        raise StoreError(f"cannot open {what} {describe(url)}: {first_line(exc)}") from exc
    return ConnectionPool(
        url,
        min_size=1,
        max_size=size,
        kwargs={"autocommit": True, "connect_timeout": CONNECT_S},
        check=ConnectionPool.check_connection,
        configure=configure,
        timeout=WAIT_S,
        # Give up a reconnection after WAIT_S: the pool's retries back off (1, 2, 4, 8 s…),
        # and the next request starts a fresh one, so it is back as soon as the database is.
        reconnect_timeout=WAIT_S,
        open=False,
        name=name,
    )


class PostgresCatalog:
    """The PostgreSQL side of the index (see the module docstring)."""

    def __init__(self, url: str) -> None:
        self.where = describe(url)
        self._lock = threading.RLock()
        self._depth = 0
        self._writer: psycopg.Connection | None = None
        self._writer_thread: int | None = None
        self._pool = new_pool(url, "the catalog", "rag-catalog", POOL_SIZE)
        try:
            with self._errors():
                self._pool.open(wait=True, timeout=WAIT_S + CONNECT_S)
            self._create()
        except BaseException:
            self._pool.close()
            raise

    def _create(self) -> None:
        with self.writing() as tx:
            assert self._writer is not None
            self._writer.execute(PG_SCHEMA)  # idempotent; under the lock, so no race
            version = tx.meta("schema_version")
            if version is None:
                tx.set_meta("schema_version", PG_SCHEMA_VERSION)
                tx.set_meta("chunks", "0")
                tx.set_meta("tokens", "0")
                return
            while version != PG_SCHEMA_VERSION:
                if version not in PG_MIGRATIONS:
                    raise StoreError(
                        f"{self.where} has catalog schema {version}, this version reads "
                        f"{PG_SCHEMA_VERSION}: rebuild the index with `rag ingest --reset` "
                        "(or drop its tables)"
                    )
                step, version = PG_MIGRATIONS[version]
                self._writer.execute(step)
                tx.set_meta("schema_version", version)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """psycopg's and the pool's failures as StoreError, in one line."""
        try:
            yield
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreError(
                f"the catalog {self.where} is unreachable ({first_line(exc)}); "
                "try again once it is back"
            ) from exc
        except psycopg.Error as exc:
            raise StoreError(f"the catalog {self.where} failed: {first_line(exc)}") from exc

    # --- connections ---------------------------------------------------------------
    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Be the only writer of this database (across threads, processes and hosts) for the
        block. Reentrant; the lock lives on the writer's connection, which the block's
        transactions and this thread's reads use."""
        with self._lock:
            if self._depth == 0:
                with self._errors():
                    conn = self._pool.getconn()
                    try:
                        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
                    except BaseException:
                        self._pool.putconn(conn)
                        raise
                self._writer, self._writer_thread = conn, threading.get_ident()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release()

    def _release(self) -> None:
        conn, self._writer, self._writer_thread = self._writer, None, None
        assert conn is not None
        try:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        except psycopg.Error:
            pass  # the connection is gone, and the server released its lock with it
        finally:
            self._pool.putconn(conn)  # a broken one is discarded

    @contextmanager
    def writing(self) -> Iterator[PgTransaction]:
        """One transaction of the one writer (rolled back if the block raises)."""
        with self._errors(), self.write_lock():
            assert self._writer is not None
            with self._writer.transaction():
                yield PgTransaction(self._writer)

    # --- reads ---------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of portable SQL (`?` placeholders); the writer's own connection while this
        thread writes, so it reads what it wrote, as with SQLite."""
        sql = sql.replace("%", "%%").replace("?", "%s")
        with self._errors():
            if self._writer is not None and self._writer_thread == threading.get_ident():
                return self._writer.execute(sql, list(params)).fetchall()
            with self._pool.connection() as conn:
                return conn.execute(sql, list(params)).fetchall()

    def chunk_count(self) -> int:
        rows = self.query("SELECT value FROM meta WHERE key = 'chunks'")
        return int(rows[0][0]) if rows else 0

    def content_hashes(self, source_ids: Sequence[str]) -> dict[str, str]:
        sql = "SELECT source_id, content_hash FROM documents WHERE source_id = ANY(?)"
        return {sid: content for sid, content in self.query(sql, [list(source_ids)])}

    def pending(self) -> list[tuple[str, list[str]]]:
        rows = self.query("SELECT source_id, vector_ids FROM pending")
        return [(sid, json.loads(ids)) for sid, ids in rows]

    def known_chunk_ids(self, chunk_ids: Sequence[str]) -> set[str]:
        sql = "SELECT chunk_id FROM chunks WHERE chunk_id = ANY(?)"
        return {row[0] for row in self.query(sql, [list(chunk_ids)])}

    def bm25(
        self, query_terms: Sequence[str], limit: int, where: Condition | None = None
    ) -> list[tuple[str, float]]:
        """FTS5's BM25 from the term tables: idf log((N - df + .5) / (df + .5)) (at least
        1e-6), tf (k1 + 1) / (tf + k1 (1 - b + b len / mean len)), summed over the terms."""
        sizes = dict(self.query("SELECT key, value FROM meta WHERE key IN ('chunks', 'tokens')"))
        rows, tokens = float(sizes.get("chunks", 0)), float(sizes.get("tokens", 0))
        if not rows or not tokens or limit <= 0:
            return []
        condition, params = where or ("TRUE", [])
        join = "JOIN documents AS d ON d.source_id = c.source_id " if where else ""
        found = self.query(
            "WITH q AS (SELECT term, greatest(ln((? - doc + 0.5) / (doc + 0.5)), 1e-6) AS idf "
            "FROM term_docs WHERE term = ANY(?) AND doc > 0) "
            "SELECT c.chunk_id, sum(q.idf * p.tf * ? / (p.tf + ? * (? + ? * l.length))) AS s "
            "FROM q JOIN postings AS p ON p.term = q.term "
            "JOIN chunk_terms AS l ON l.chunk = p.chunk JOIN chunks AS c ON c.id = p.chunk "
            f"{join}WHERE {condition} GROUP BY c.chunk_id ORDER BY s DESC, c.chunk_id LIMIT ?",
            [rows, list(dict.fromkeys(query_terms)), K1 + 1, K1, 1 - B, B * rows / tokens,
             *params, limit],
        )  # fmt: skip
        return [(str(cid), float(score)) for cid, score in found]

    def lexical_problems(self) -> list[str]:
        found = [
            f"{cid}: no lexical entry"
            for (cid,) in self.query(
                "SELECT c.chunk_id FROM chunks c LEFT JOIN chunk_terms l ON l.chunk = c.id "
                "WHERE l.chunk IS NULL"
            )
        ]
        (off,) = self.query(
            "SELECT count(*) FROM (SELECT term, count(*) AS n FROM postings GROUP BY term) p "
            "FULL JOIN term_docs t USING (term) WHERE coalesce(p.n, 0) <> coalesce(t.doc, 0)"
        )[0]
        if off:
            found.append(f"{off} terms have a wrong chunk count (term_docs)")
        (wrong,) = self.query(
            "SELECT count(*) FROM meta WHERE key = 'tokens' AND value <> "
            "(SELECT coalesce(sum(length), 0)::text FROM chunk_terms)"
        )[0]
        if wrong:
            found.append("the lexical index's term total (meta tokens) is wrong")
        return found
