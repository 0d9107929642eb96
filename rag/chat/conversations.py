"""Conversations: chat history in SQLite beside the index (`RAG_DATA_DIR/conversations.sqlite3`);
in the catalog's PostgreSQL database instead when `RAG_CATALOG_URL` is set
(rag/chat/conversations_pg.py). The types and the interface of both: rag/chat/history.py.

Stdlib `sqlite3`, one connection guarded by a lock (thread-safe inside one process; WAL
and a busy timeout let several `rag serve` workers share the file). A conversation is
created by its first exchange, so a failed first question leaves nothing behind. A file
that cannot be used (corrupt, unwritable) is a StoreError on chat calls only, and is
opened again on the next one.

    with open_conversations(settings) as conversations:
        conversations.add_exchange(cid, "and the fares?", "What about the fares ...?", answer)
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from rag.chat.condense import Turn
from rag.chat.history import Conversation, Conversations, Summary, message
from rag.config import Settings
from rag.errors import StoreError, UnknownConversationError
from rag.schema import Answer

log = logging.getLogger("rag.chat")
FILENAME = "conversations.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    standalone TEXT,
    answer_json TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX IF NOT EXISTS conversations_by_update ON conversations(updated_at);
"""


class SqliteConversations:
    """The conversations of one SQLite file.

    A file that cannot be used (corrupt, unwritable) fails each call with StoreError, not
    the service: questions without history still work, and the next call opens the file
    again, so moving a corrupt one away recovers without a restart.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            with self._using():
                pass
        except StoreError as exc:
            log.warning("%s", exc)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit, with an explicit BEGIN where writes belong together.
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(_SCHEMA)
        except sqlite3.Error:
            db.close()
            raise
        return db

    @contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        """The connection, for one call; a failure is a StoreError and closes it."""
        with self._lock:
            try:
                if self._db is None:
                    self._db = self._connect()
                yield self._db
            except (sqlite3.Error, OSError) as exc:
                self._drop()
                raise StoreError(self._failure(exc)) from exc
            except BaseException:
                if self._db is not None and self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _drop(self) -> None:
        if self._db is not None:
            with suppress(sqlite3.Error):
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                self._db.close()
            self._db = None

    def _failure(self, exc: sqlite3.Error | OSError) -> str:
        if getattr(exc, "sqlite_errorname", "") in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
            return (
                f"the conversation history {self.path} is corrupt ({exc}): move it away "
                "to start a new one; questions without history still work"
            )
        if isinstance(exc, OSError):
            return f"the conversation history {self.path} cannot be opened: {exc}"
        return f"the conversation history {self.path} failed: {exc}"

    def close(self) -> None:
        with self._lock:
            self._drop()

    def get(self, conversation_id: str) -> Conversation:
        with self._using() as db:
            head = db.execute(
                "SELECT created_at, updated_at FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            rows = db.execute(
                "SELECT role, content, created_at, standalone, answer_json FROM messages "
                "WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        if head is None:
            raise UnknownConversationError(f"no conversation {conversation_id!r}")
        return Conversation(conversation_id, head[0], head[1], [message(*row) for row in rows])

    def recent(self, limit: int = 50, offset: int = 0) -> tuple[int, list[Summary]]:
        """How many conversations there are, and a page of them, last updated first."""
        with self._using() as db:
            (total,) = db.execute("SELECT count(*) FROM conversations").fetchone()
            rows = db.execute(
                "SELECT c.id, c.created_at, c.updated_at, (SELECT content FROM messages m "
                "WHERE m.conversation_id = c.id AND m.role = 'user' ORDER BY m.id LIMIT 1), "
                "(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) "
                "FROM conversations c ORDER BY c.updated_at DESC, c.id LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return int(total), [
            Summary(cid, created, updated, first or "", int(n))
            for cid, created, updated, first, n in rows
        ]

    def recent_turns(self, conversation_id: str, limit: int) -> list[Turn]:
        """The last `limit` messages, oldest first, for rewriting a follow-up."""
        with self._using() as db:
            known = db.execute(
                "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            rows = db.execute(
                "SELECT role, content, standalone FROM messages WHERE conversation_id = ? "
                "ORDER BY id DESC LIMIT ?",
                (conversation_id, limit),
            ).fetchall()
        if known is None:
            raise UnknownConversationError(f"no conversation {conversation_id!r}")
        return [Turn(role, content, standalone) for role, content, standalone in reversed(rows)]

    def add_exchange(
        self, conversation_id: str, question: str, standalone: str | None, answer: Answer
    ) -> None:
        """Record one question and its answer, creating the conversation on its first one."""
        now = time.time()
        with self._using() as db:
            db.execute("BEGIN IMMEDIATE")  # both messages or neither (rolled back on failure)
            db.execute(
                "INSERT INTO conversations (id, created_at, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at",
                (conversation_id, now, now),
            )
            db.executemany(
                "INSERT INTO messages (conversation_id, role, content, standalone, answer_json,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (conversation_id, "user", question, standalone, None, now),
                    (
                        conversation_id,
                        "assistant",
                        answer.answer,
                        None,
                        answer.model_dump_json(),
                        now,
                    ),
                ],
            )
            db.execute("COMMIT")

    def delete(self, conversation_id: str) -> None:
        with self._using() as db:
            deleted = db.execute(
                "DELETE FROM conversations WHERE id = ?", (conversation_id,)
            ).rowcount
        if not deleted:
            raise UnknownConversationError(f"no conversation {conversation_id!r}")


@contextmanager
def open_conversations(settings: Settings) -> Iterator[Conversations]:
    """The conversations, open for the `with` block: in the PostgreSQL database of
    `settings.catalog_url` when it is set (StoreError now if it cannot be opened), else in
    the SQLite file of `settings.data_dir`."""
    store: Conversations
    if settings.catalog_url:
        from rag.chat.conversations_pg import PostgresConversations  # psycopg only when asked

        store = PostgresConversations(settings.catalog_url)
    else:
        store = SqliteConversations(settings.data_dir / FILENAME)
    try:
        yield store
    finally:
        store.close()
