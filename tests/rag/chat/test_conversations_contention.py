"""Several processes appending chat turns to one store while another holds write
transactions: every turn a writer was told is stored is there afterwards, in exchanges that
never interleave, and none fails while the others only wait their turn. On SQLite (one file,
rag/chat/conversations.py) and on PostgreSQL (rag/chat/conversations_pg.py), whose writers
are as many hosts' `rag serve`."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from rag.chat.conversations import FILENAME, SqliteConversations
from rag.chat.conversations_pg import PostgresConversations
from rag.chat.history import Conversations
from rag.config import Settings
from rag.errors import StoreError
from rag.schema import Answer
from tests.conftest import backend_settings
from tests.postgres import PgServer

pytestmark = pytest.mark.integration  # starts processes

WRITERS = 4
TURNS = 50  # per writer
SHARED = "5" * 32  # every writer appends to this conversation, and to one of its own
HOLD_S = 0.3  # the hog's write transactions: each holds the file this long, then lets go
GAP_S = 0.05


settings = backend_settings  # every test here runs on SQLite, then on PostgreSQL


def own(writer: int) -> str:
    return f"{writer + 1:032x}"


def where(settings: Settings) -> str:
    """The store of `settings`, as a child process is told it: a URL or a file's path."""
    return settings.catalog_url or str(settings.data_dir / FILENAME)


def opened(target: str) -> Conversations:
    if target.startswith("postgresql://"):
        return PostgresConversations(target)
    return SqliteConversations(Path(target))


def write_turns(target: str, writer: int, acks: Path, holding: Any) -> None:
    """Append TURNS exchanges; log each one the store acknowledged (or the error it raised)."""
    store = opened(target)
    holding.wait(60)  # start while the hog holds the file
    with acks.open("w") as out:
        for n in range(TURNS):
            cid = SHARED if n % 2 else own(writer)
            question = f"writer {writer} turn {n}"
            reply = Answer(question=question, answer=f"to {question}", mode="answer", generator="x")
            try:
                store.add_exchange(cid, question, None, reply)
                out.write(json.dumps({"acked": question, "conversation": cid}) + "\n")
            except StoreError as exc:
                out.write(json.dumps({"failed": question, "error": str(exc)}) + "\n")
            out.flush()
    store.close()


def hog(target: str, stop: Any, holding: Any, held: Any) -> None:
    """Hold write transactions on the store, again and again, until told to stop."""
    if target.startswith("postgresql://"):
        return hog_postgres(target, stop, holding, held)
    db = sqlite3.connect(target, isolation_level=None, timeout=0)
    while not stop.is_set():
        try:
            db.execute("BEGIN IMMEDIATE")  # at once, not SQLite's polling: a greedy writer
        except sqlite3.OperationalError:
            time.sleep(0.001)
            continue
        db.execute("UPDATE conversations SET updated_at = updated_at WHERE id = ?", (SHARED,))
        holding.set()
        time.sleep(HOLD_S)
        db.execute("COMMIT")
        with held.get_lock():
            held.value += 1
        time.sleep(GAP_S)
    db.close()


def hog_postgres(url: str, stop: Any, holding: Any, held: Any) -> None:
    """The same on PostgreSQL: a table lock that every writer of any conversation waits on."""
    with psycopg.connect(url, autocommit=True) as db:
        while not stop.is_set():
            with db.transaction():
                db.execute("LOCK TABLE chat_conversations IN EXCLUSIVE MODE")
                holding.set()
                time.sleep(HOLD_S)
            with held.get_lock():
                held.value += 1
            time.sleep(GAP_S)


def test_every_acknowledged_turn_survives_write_contention(
    settings: Settings, tmp_path: Path
) -> None:
    target = where(settings)
    opened(target).close()  # the schema, before anyone contends for it
    ctx = multiprocessing.get_context("spawn")
    stop, holding, held = ctx.Event(), ctx.Event(), ctx.Value("i", 0)
    hogging = ctx.Process(target=hog, args=(target, stop, holding, held))
    hogging.start()
    acks = [tmp_path / f"acks-{w}.jsonl" for w in range(WRITERS)]
    writers = [
        ctx.Process(target=write_turns, args=(target, w, acks[w], holding)) for w in range(WRITERS)
    ]
    started = time.monotonic()
    for p in writers:
        p.start()
    for p in writers:
        p.join(timeout=240)
    stop.set()
    hogging.join(timeout=30)
    took = time.monotonic() - started
    assert [p.exitcode for p in writers] == [0] * WRITERS and hogging.exitcode == 0

    logged = [json.loads(line) for a in acks for line in a.read_text().splitlines()]
    failed = [entry for entry in logged if "failed" in entry]
    acked = [(entry["conversation"], entry["acked"]) for entry in logged if "acked" in entry]
    print(
        f"{len(acked)} turns acknowledged, {len(failed)} failed, in {took:.1f} s; "
        f"the hog committed {held.value} transactions of {HOLD_S} s meanwhile"
    )
    assert held.value >= 3  # the writers did contend with it

    store = opened(target)
    conversations = [store.get(cid) for cid in {SHARED, *(own(w) for w in range(WRITERS))}]
    store.close()
    stored = {(c.id, m.content) for c in conversations for m in c.messages if m.role == "user"}
    for c in conversations:  # each question is followed by its own answer
        pairs = zip(c.messages[::2], c.messages[1::2], strict=True)
        assert all(a.content == f"to {q.content}" for q, a in pairs), c.id
    assert [turn for turn in acked if turn not in stored] == []  # nothing acknowledged is lost
    assert failed == []  # and waiting behind short transactions is not a failure
    assert len(acked) == WRITERS * TURNS


@pytest.mark.integration
def test_a_turn_that_cannot_get_in_is_a_store_error_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the busy timeout (10 s; 0.2 s here) the write fails loudly, never silently."""
    connect = sqlite3.connect
    monkeypatch.setattr(
        "rag.chat.conversations.sqlite3.connect",
        lambda *args, **kwargs: connect(*args, **{**kwargs, "timeout": 0.2}),
    )
    path = tmp_path / "conversations.sqlite3"
    store = SqliteConversations(path)
    reply = Answer(question="q", answer="a", mode="answer", generator="x")
    store.add_exchange(SHARED, "first", None, reply)
    other = connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the file past the timeout
    with pytest.raises(StoreError, match="database is locked"):
        store.add_exchange(SHARED, "second", None, reply)
    other.execute("COMMIT")
    assert [m.content for m in store.get(SHARED).messages] == ["first", "a"]
    store.add_exchange(SHARED, "third", None, reply)  # the store recovers by itself
    assert [m.content for m in store.get(SHARED).messages] == ["first", "a", "third", "a"]
    store.close()
    other.close()


def test_on_postgres_a_turn_waits_only_behind_its_own_conversation(
    postgres: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exchange locks its conversation's row: another conversation is written meanwhile,
    and past the lock timeout (10 s; 0.2 s here) the waiting one fails loudly, writing
    nothing; the store goes on by itself."""
    monkeypatch.setattr("rag.chat.conversations_pg.LOCK_WAIT_S", 0.2)
    url = postgres.new_database()
    store = PostgresConversations(url)
    reply = Answer(question="q", answer="a", mode="answer", generator="x")
    store.add_exchange(SHARED, "first", None, reply)
    with psycopg.connect(url) as other:  # a transaction, open until the block ends
        other.execute("SELECT 1 FROM chat_conversations WHERE id = %s FOR UPDATE", (SHARED,))
        store.add_exchange(own(0), "elsewhere", None, reply)
        with pytest.raises(StoreError, match=r"is busy \(canceling statement due to lock timeout"):
            store.add_exchange(SHARED, "second", None, reply)
    assert [m.content for m in store.get(SHARED).messages] == ["first", "a"]
    store.add_exchange(SHARED, "third", None, reply)
    assert [m.content for m in store.get(SHARED).messages] == ["first", "a", "third", "a"]
    assert [m.content for m in store.get(own(0)).messages] == ["elsewhere", "a"]
    store.close()
