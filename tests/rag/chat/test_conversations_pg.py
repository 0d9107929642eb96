"""Conversations on PostgreSQL (RAG_CATALOG_URL) across hosts: a conversation started
through one store (host A) continues through another opened on its own (host B, its own
pool), a delete through one is gone through the other; its faults (a refused login or a
database down at start, one stopped while serving, an unknown schema), and its tables
beside the catalog's. The behaviour both backends share: test_conversations.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from rag.chat.conversations_pg import PostgresConversations
from rag.chat.history import new_conversation_id
from rag.config import Settings
from rag.errors import StoreError, UnknownConversationError
from rag.ingest import ingest_paths
from rag.schema import Answer
from rag.store.chunks import open_store
from tests.conftest import SEEDS, FakeEmbeddings
from tests.postgres import PgServer

pytestmark = pytest.mark.integration  # a real PostgreSQL server


def answer(text: str) -> Answer:
    return Answer(question="q", answer=text, mode="answer", generator="extractive")


@pytest.fixture
def url(postgres: PgServer) -> str:
    return postgres.new_database()


@pytest.fixture
def hosts(url: str) -> Iterator[tuple[PostgresConversations, PostgresConversations]]:
    """Two stores over one database, as two API hosts open them."""
    a = PostgresConversations(url)
    b = PostgresConversations(url)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def test_a_conversation_started_on_one_host_continues_on_another(
    hosts: tuple[PostgresConversations, PostgresConversations],
) -> None:
    a, b = hosts
    cid = new_conversation_id()
    a.add_exchange(cid, "Who runs the port?", None, answer("A board. [1]"))
    turns = b.recent_turns(cid, 6)  # what host B rewrites the follow-up with
    assert [(t.role, t.content) for t in turns] == [
        ("user", "Who runs the port?"),
        ("assistant", "A board. [1]"),
    ]
    b.add_exchange(cid, "and the fares?", "What are the port's fares?", answer("Low. [1]"))
    conv = a.get(cid)
    assert [m.content for m in conv.messages] == [
        "Who runs the port?",
        "A board. [1]",
        "and the fares?",
        "Low. [1]",
    ]
    assert conv.messages[2].standalone == "What are the port's fares?"
    assert conv == b.get(cid)
    assert a.recent() == b.recent()


def test_a_delete_through_one_host_is_seen_by_the_other(
    hosts: tuple[PostgresConversations, PostgresConversations],
) -> None:
    a, b = hosts
    a.add_exchange("c1", "q", None, answer("a"))
    assert b.get("c1").id == "c1"
    b.delete("c1")
    with pytest.raises(UnknownConversationError):
        a.get("c1")
    with pytest.raises(UnknownConversationError):
        a.recent_turns("c1", 4)
    with pytest.raises(UnknownConversationError):
        a.delete("c1")
    assert a.recent() == (0, [])


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request waits 1 s for a connection, not 5 (each call below waits it out)."""
    monkeypatch.setattr("rag.chat.conversations_pg.WAIT_S", 1.0)


@pytest.mark.usefixtures("quick")
def test_a_database_stopped_mid_use_is_a_store_error_then_comes_back(
    hosts: tuple[PostgresConversations, PostgresConversations], postgres: PgServer
) -> None:
    a, b = hosts
    a.add_exchange("c1", "Who won?", None, answer("The Tide. [1]"))
    postgres.stop()
    try:
        for call in (
            lambda: a.add_exchange("c1", "and then?", None, answer("x")),
            lambda: a.get("c1"),
            lambda: b.recent_turns("c1", 4),
            lambda: b.recent(),
            lambda: b.delete("c1"),
        ):
            with pytest.raises(StoreError, match=r"conversation history .* is unreachable") as err:
                call()
            assert "\n" not in str(err.value) and "password" not in str(err.value)
    finally:
        postgres.start()
    b.add_exchange("c1", "and then?", None, answer("A parade. [2]"))  # no restart
    assert [m.content for m in a.get("c1").messages] == [
        "Who won?",
        "The Tide. [1]",
        "and then?",
        "A parade. [2]",
    ]


def test_a_wrong_password_or_a_database_down_is_one_line_at_start(postgres: PgServer) -> None:
    wrong = postgres.url(password="wrong-secret")
    with pytest.raises(StoreError, match="password authentication failed") as refused:
        PostgresConversations(wrong)
    message = str(refused.value)
    assert message.startswith("cannot open the conversation history postgresql://rag@127.0.0.1")
    assert "\n" not in message and "wrong-secret" not in message
    down = wrong.replace(f":{postgres.port}/", ":1/")
    with pytest.raises(StoreError, match="cannot open the conversation history"):
        PostgresConversations(down)


def test_an_unknown_schema_is_refused(url: str) -> None:
    PostgresConversations(url).close()
    PostgresConversations(url).close()  # opening again is idempotent
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("UPDATE chat_meta SET value = 'chat-0' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=r"conversation schema chat-0, this version reads chat-1"):
        PostgresConversations(url)


def test_its_tables_live_beside_the_catalog_and_outlive_a_reset(url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", catalog_url=url, _env_file=None)  # type: ignore[call-arg]
    conversations = PostgresConversations(url)  # first: the catalog then sets up beside it
    conversations.add_exchange("c1", "q", None, answer("a"))
    with open_store(settings, FakeEmbeddings()) as store:
        ingest_paths(store, [SEEDS], settings)
        store.reset()  # `rag ingest --reset` empties the index, not the conversations
        assert store.count() == 0 and store.verify() == []
    assert [m.content for m in conversations.get("c1").messages] == ["q", "a"]
    with psycopg.connect(url) as db:
        tables = {name for (name,) in db.execute("SELECT tablename FROM pg_tables")}
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert {"chat_meta", "chat_conversations", "chat_messages", "meta", "documents"} <= tables
    assert version == ("pg-1",)  # the catalog's own schema version, untouched
    assert not (tmp_path / "data" / "conversations.sqlite3").exists()
    conversations.close()
