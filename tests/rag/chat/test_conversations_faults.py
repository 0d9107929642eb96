"""A conversation file that is corrupt or cannot be opened fails each call with a StoreError
that says what to do, writes nothing, and is opened again by the next call. (SQLite's own
faults; PostgreSQL's, a refused login and a database down, are in test_conversations_pg.py.)"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rag.chat.conversations import SqliteConversations
from rag.chat.history import new_conversation_id
from rag.errors import StoreError
from rag.schema import Answer

GARBAGE = bytes(range(256)) * 32


def answer(text: str) -> Answer:
    return Answer(question="q", answer=text, mode="answer", generator="extractive")


def filled(path: Path) -> str:
    store = SqliteConversations(path)
    cid = new_conversation_id()
    store.add_exchange(cid, "Who won?", "Who won?", answer("The Tide won. [1]"))
    store.close()
    return cid


def test_a_file_of_garbage_is_a_store_error_on_each_call_and_is_left_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "conversations.sqlite3"
    path.write_bytes(GARBAGE)
    store = SqliteConversations(path)  # opening does not fail: questions need no history
    cid = new_conversation_id()
    for call in (
        lambda: store.add_exchange(cid, "Who won?", None, answer("x")),
        lambda: store.recent(),
        lambda: store.get(cid),
    ):
        with pytest.raises(StoreError, match=r"is corrupt .*file is not a database.*move it away"):
            call()
    assert path.read_bytes() == GARBAGE
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]

    path.rename(tmp_path / "corrupt.sqlite3")  # what the message says to do: no restart
    store.add_exchange(cid, "Who won?", None, answer("The Tide won. [1]"))
    assert [m.role for m in store.get(cid).messages] == ["user", "assistant"]
    store.close()


def test_garbage_over_the_pages_is_a_store_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    cid = filled(path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    head = path.read_bytes()[:100]  # a valid header over garbage pages
    path.write_bytes(head + GARBAGE[: 4096 * 2 - 100])
    store = SqliteConversations(path)
    with pytest.raises(StoreError, match=r"conversation history .*(corrupt|malformed)"):
        store.get(cid)
    store.close()


def test_an_unopenable_file_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    path.mkdir()  # a directory where the file should be
    store = SqliteConversations(path)
    with pytest.raises(StoreError, match="conversation history"):
        store.recent()
    store.close()
