"""Conversations on PostgreSQL (`RAG_CATALOG_URL`): the chat history in the catalog's database,
so a conversation started through one API host continues through any other.

    conversations = PostgresConversations("postgresql://rag:secret@db:5432/news")
    conversations.add_exchange(cid, "and the fares?", "What about the fares ...?", answer)

Its tables are its own (`chat_*`, with their schema version in `chat_meta`), beside the
catalog's, and its small connection pool too: the catalog's pool is the store's, sized for
retrieval and held by its writer, and the chat should neither wait on an ingest nor make the
store reach up into the chat. An exchange is one transaction that first upserts (and so
locks) its conversation's row: exchanges of one conversation take turns, so their messages
never interleave, and the serial ids keep them in the order they were written.

Failures are StoreError in one line: a refused login or a database down at start; a lost
connection while serving (the chat routes answer 503). The pool checks each connection
before lending it and reconnects by itself once the database is back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import PoolTimeout

from rag.chat.condense import Turn
from rag.chat.history import Conversation, Summary, message
from rag.errors import StoreError, UnknownConversationError
from rag.schema import Answer
from rag.store.postgres import CONNECT_S, WAIT_S, describe, first_line, new_pool

SCHEMA_VERSION = "chat-1"
# Steps from an older schema version to the next: {version: (SQL, next version)}.
MIGRATIONS: dict[str, tuple[str, str]] = {}
LOCK_KEY = 0x52414702  # the chat tables' advisory lock ("RAG" 2): one process sets them up
# How long an exchange waits behind another of its conversation (a row lock) before it fails
# with StoreError: as long as SQLite's busy timeout, so a stuck writer is loud, not a hang.
LOCK_WAIT_S = 10.0
# Connections at most per process: an exchange or a read holds one for a few milliseconds,
# and a request waits up to WAIT_S for one, so a burst queues instead of failing.
POOL_SIZE = 4

# Ids compare bytes (COLLATE "C") as in SQLite, so a page of conversations is in the same order.
# The Answer is kept as its JSON text (not jsonb, which would reorder its keys).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS chat_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chat_conversations (
    id TEXT COLLATE "C" PRIMARY KEY,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id TEXT COLLATE "C" NOT NULL
        REFERENCES chat_conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    standalone TEXT,
    answer_json TEXT,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_messages_by_conversation ON chat_messages(conversation_id, id);
CREATE INDEX IF NOT EXISTS chat_conversations_by_update ON chat_conversations(updated_at);
"""


def _configure(db: psycopg.Connection) -> None:
    """Each new connection's settings (the pool calls this once per connection)."""
    db.execute("SELECT set_config('lock_timeout', %s, false)", (f"{LOCK_WAIT_S * 1000:.0f}ms",))


def _text(value: str | None) -> str | None:
    """`value` without NUL characters, which PostgreSQL's text cannot hold (a message's
    stored text loses them; its Answer's JSON keeps them, escaped)."""
    return value.replace("\x00", "") if value else value


def _version(db: psycopg.Connection) -> str | None:
    """The chat tables' schema version (None: not set up yet)."""
    found = db.execute("SELECT to_regclass('chat_meta') IS NOT NULL").fetchone()
    if not found or not found[0]:
        return None
    row = db.execute("SELECT value FROM chat_meta WHERE key = 'schema_version'").fetchone()
    return str(row[0]) if row else None


class PostgresConversations:
    """The conversations of one PostgreSQL database (see the module docstring)."""

    def __init__(self, url: str) -> None:
        self.where = describe(url)
        self._pool = new_pool(
            url, "the conversation history", "rag-conversations", POOL_SIZE, _configure
        )
        try:
            with self._errors():
                self._pool.open(wait=True, timeout=WAIT_S + CONNECT_S)
            self._create()
        except BaseException:
            self._pool.close()
            raise

    def _create(self) -> None:
        """The tables, made or brought to SCHEMA_VERSION under a lock. Once they are, it
        runs no DDL: CREATE INDEX IF NOT EXISTS would lock tables that other hosts are
        writing, and a host starting up could deadlock with their exchanges."""
        with self._connection() as db, db.transaction():
            version = _version(db)
            if version == SCHEMA_VERSION:
                return
            db.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            db.execute(_SCHEMA)
            version = _version(db)
            if version is None:
                db.execute(
                    "INSERT INTO chat_meta (key, value) VALUES ('schema_version', %s)",
                    (SCHEMA_VERSION,),
                )
                return
            while version != SCHEMA_VERSION:
                if version not in MIGRATIONS:
                    raise StoreError(
                        f"{self.where} has conversation schema {version}, this version reads "
                        f"{SCHEMA_VERSION}: upgrade, or drop its chat_* tables (and history)"
                    )
                step, version = MIGRATIONS[version]
                db.execute(step)
                db.execute(
                    "UPDATE chat_meta SET value = %s WHERE key = 'schema_version'", (version,)
                )

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """psycopg's and the pool's failures as StoreError, in one line."""
        try:
            yield
        except psycopg.errors.LockNotAvailable as exc:
            raise StoreError(
                f"the conversation history {self.where} is busy ({first_line(exc)}): "
                "another exchange of this conversation holds it"
            ) from exc
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreError(
                f"the conversation history {self.where} is unreachable ({first_line(exc)}); "
                "try again once it is back"
            ) from exc
        except psycopg.Error as exc:
            raise StoreError(
                f"the conversation history {self.where} failed: {first_line(exc)}"
            ) from exc

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection for one call (a broken one is dropped on its return)."""
        with self._errors(), self._pool.connection() as db:
            yield db

    def close(self) -> None:
        self._pool.close()

    def get(self, conversation_id: str) -> Conversation:
        with self._connection() as db:
            head = db.execute(
                "SELECT created_at, updated_at FROM chat_conversations WHERE id = %s",
                (conversation_id,),
            ).fetchone()
            rows = db.execute(
                "SELECT role, content, created_at, standalone, answer_json FROM chat_messages "
                "WHERE conversation_id = %s ORDER BY id",
                (conversation_id,),
            ).fetchall()
        if head is None:
            raise UnknownConversationError(f"no conversation {conversation_id!r}")
        return Conversation(conversation_id, head[0], head[1], [message(*row) for row in rows])

    def recent(self, limit: int = 50, offset: int = 0) -> tuple[int, list[Summary]]:
        """How many conversations there are, and a page of them, last updated first."""
        with self._connection() as db:
            count = db.execute("SELECT count(*) FROM chat_conversations").fetchone()
            rows = db.execute(
                "SELECT c.id, c.created_at, c.updated_at, (SELECT content FROM chat_messages m "
                "WHERE m.conversation_id = c.id AND m.role = 'user' ORDER BY m.id LIMIT 1), "
                "(SELECT count(*) FROM chat_messages m WHERE m.conversation_id = c.id) "
                "FROM chat_conversations c ORDER BY c.updated_at DESC, c.id LIMIT %s OFFSET %s",
                (limit, offset),
            ).fetchall()
        return int(count[0]) if count else 0, [
            Summary(cid, created, updated, first or "", int(n))
            for cid, created, updated, first, n in rows
        ]

    def recent_turns(self, conversation_id: str, limit: int) -> list[Turn]:
        """The last `limit` messages, oldest first, for rewriting a follow-up."""
        with self._connection() as db:
            known = db.execute(
                "SELECT 1 FROM chat_conversations WHERE id = %s", (conversation_id,)
            ).fetchone()
            rows = db.execute(
                "SELECT role, content, standalone FROM chat_messages WHERE conversation_id = %s "
                "ORDER BY id DESC LIMIT %s",
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
        with self._connection() as db, db.transaction():  # both messages or neither
            # The upsert locks the conversation's row until the commit: the next exchange of
            # this conversation (from any host) waits, so its ids come after these.
            db.execute(
                "INSERT INTO chat_conversations (id, created_at, updated_at) "
                "VALUES (%s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
                (conversation_id, now, now),
            )
            db.cursor().executemany(
                "INSERT INTO chat_messages (conversation_id, role, content, standalone, "
                "answer_json, created_at) VALUES (%s, %s, %s, %s, %s, %s)",
                [
                    (conversation_id, "user", _text(question), _text(standalone), None, now),
                    (
                        conversation_id,
                        "assistant",
                        _text(answer.answer),
                        None,
                        answer.model_dump_json(),
                        now,
                    ),
                ],
            )

    def delete(self, conversation_id: str) -> None:
        with self._connection() as db:
            deleted = db.execute(
                "DELETE FROM chat_conversations WHERE id = %s", (conversation_id,)
            ).rowcount
        if not deleted:
            raise UnknownConversationError(f"no conversation {conversation_id!r}")
