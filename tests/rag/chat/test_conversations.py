"""The SQLite conversation store (rag/conversations.py): persistence, deletion, threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rag.chat.conversations import ConversationStore, UnknownConversationError, new_conversation_id
from rag.schema import Answer


def answer(text: str) -> Answer:
    return Answer(question="q", answer=text, mode="answer", generator="extractive")


def test_exchanges_persist_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    store = ConversationStore(path)
    cid = new_conversation_id()
    store.add_exchange(
        cid, "What did he say?", "What did Zelenskyy say?", answer("He said no. [1]")
    )
    store.close()

    reopened = ConversationStore(path)
    conv = reopened.get(cid)
    assert [m.role for m in conv.messages] == ["user", "assistant"]
    assert conv.messages[0].standalone == "What did Zelenskyy say?"
    assert (
        conv.messages[1].answer is not None and conv.messages[1].answer.answer == "He said no. [1]"
    )
    assert [(m.role, m.content, m.standalone) for m in conv.messages] == [
        ("user", "What did he say?", "What did Zelenskyy say?"),
        ("assistant", "He said no. [1]", None),
    ]
    reopened.close()


def test_recent_turns_are_the_last_ones_oldest_first(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3")
    for i in range(5):
        store.add_exchange("c1", f"q{i}", f"q{i}", answer(f"a{i}"))
    assert [t.content for t in store.recent_turns("c1", 4)] == ["q3", "a3", "q4", "a4"]


def test_unknown_and_deleted_conversations(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3")
    with pytest.raises(UnknownConversationError):
        store.get("nope")
    with pytest.raises(UnknownConversationError):
        store.recent_turns("nope", 4)
    store.add_exchange("c1", "q", "q", answer("a"))
    assert store.get("c1").id == "c1"
    store.delete("c1")
    with pytest.raises(UnknownConversationError):
        store.get("c1")
    with pytest.raises(UnknownConversationError):
        store.delete("c1")


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3")

    def chat(i: int) -> None:
        cid = f"c{i % 4}"
        store.add_exchange(cid, f"q{i}", f"q{i}", answer(f"a{i}"))
        store.recent_turns(cid, 6)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(chat, range(80)))
    assert sum(len(store.get(f"c{k}").messages) for k in range(4)) == 160


def test_recent_lists_last_updated_first_with_the_first_question(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    old, new = new_conversation_id(), new_conversation_id()
    store.add_exchange(old, "Who runs the port?", None, answer("A board. [1]"))
    store.add_exchange(new, "When do ferries sail?", None, answer("Hourly. [1]"))
    store.add_exchange(old, "and the fares?", "What are the port's fares?", answer("Low. [1]"))
    total, page = store.recent()
    assert total == 2 and [c.id for c in page] == [old, new]  # old was updated last
    assert (page[0].title, page[0].messages) == ("Who runs the port?", 4)
    total, second = store.recent(limit=1, offset=1)
    assert total == 2 and [c.id for c in second] == [new]
    store.delete(new)
    total, after = store.recent()
    assert total == 1 and [c.id for c in after] == [old]
