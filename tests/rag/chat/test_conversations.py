"""The conversation stores (rag/chat/conversations.py, conversations_pg.py), each test on
both: SQLite in the data dir, and PostgreSQL at RAG_CATALOG_URL (`backend_settings`).
Persistence, order, deletion, paging, threads, and exchanges that are never half-written."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from rag.chat.conversations import open_conversations
from rag.chat.history import Conversations, new_conversation_id
from rag.config import Settings
from rag.errors import UnknownConversationError
from rag.schema import Answer, Citation
from tests.conftest import backend_settings

settings = backend_settings  # every test here runs on SQLite, then on PostgreSQL


@pytest.fixture
def store(settings: Settings) -> Iterator[Conversations]:
    with open_conversations(settings) as conversations:
        yield conversations


def answer(text: str) -> Answer:
    return Answer(question="q", answer=text, mode="answer", generator="extractive")


class Unwritable(Answer):
    """An answer that fails as it is written, after its conversation's row."""

    def model_dump_json(self, **kwargs: object) -> str:
        raise RuntimeError("the answer cannot be written")


def test_the_backend_is_the_one_configured(store: Conversations, settings: Settings) -> None:
    kind = type(store).__name__
    assert kind == ("PostgresConversations" if settings.catalog_url else "SqliteConversations")


def test_exchanges_persist_across_reopen(settings: Settings) -> None:
    cid = new_conversation_id()
    with open_conversations(settings) as store:
        store.add_exchange(
            cid, "What did he say?", "What did Zelenskyy say?", answer("He said no. [1]")
        )

    with open_conversations(settings) as reopened:
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
    assert conv.created_at == conv.updated_at == conv.messages[0].created_at


def test_the_answer_comes_back_exactly_as_it_was_stored(store: Conversations) -> None:
    full = Answer(
        question="Who said “no” — and où?",
        answer="Zelenskyy said no [1], twice [2]. 🇺🇦",
        mode="answer",
        generator="extractive",
        citations=[
            Citation(
                n=1,
                source_id="kyiv-1",
                title="Kyiv “talks”",
                outlet=None,
                chunk_id="kyiv-1:0",
                quote="“No,” he said.",
                start=0,
                end=14,
            ),
            Citation(
                n=2,
                source_id="kyiv-2",
                title=None,
                outlet="BBC",
                chunk_id="kyiv-2:3",
                quote="Again:\tno.\n",
                start=1_000_000,
                end=1_000_011,
                text_sha256="ab12",
            ),
        ],
        support_threshold=0.1 + 0.2,  # 0.30000000000000004: floats come back bit for bit
        rewritten_question="Who said no (Zelenskyy)?",
    )
    store.add_exchange("c1", "and où?", "Who said no (Zelenskyy)?", full)
    stored = store.get("c1").messages[1].answer
    assert stored == full and stored.model_dump_json() == full.model_dump_json()


def test_recent_turns_are_the_last_ones_oldest_first(store: Conversations) -> None:
    for i in range(5):
        store.add_exchange("c1", f"q{i}", f"q{i}", answer(f"a{i}"))
    assert [t.content for t in store.recent_turns("c1", 4)] == ["q3", "a3", "q4", "a4"]
    assert [m.content for m in store.get("c1").messages] == [
        x for i in range(5) for x in (f"q{i}", f"a{i}")
    ]


def test_unknown_and_deleted_conversations(store: Conversations) -> None:
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


def test_an_exchange_that_fails_half_way_writes_nothing(store: Conversations) -> None:
    broken = Unwritable(question="q", answer="a", mode="answer", generator="x")
    with pytest.raises(RuntimeError, match="cannot be written"):
        store.add_exchange("new", "first?", None, broken)
    with pytest.raises(UnknownConversationError):  # not even the conversation
        store.get("new")
    store.add_exchange("c1", "q", None, answer("a"))
    with pytest.raises(RuntimeError):
        store.add_exchange("c1", "lost?", None, broken)
    assert [m.content for m in store.get("c1").messages] == ["q", "a"]
    store.add_exchange("c1", "q2", None, answer("a2"))  # and the store goes on
    assert [m.content for m in store.get("c1").messages] == ["q", "a", "q2", "a2"]


def test_concurrent_writers_lose_nothing(store: Conversations) -> None:
    def chat(i: int) -> None:
        cid = f"c{i % 4}"
        store.add_exchange(cid, f"q{i}", f"q{i}", answer(f"a{i}"))
        store.recent_turns(cid, 6)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(chat, range(80)))
    for k in range(4):
        contents = [m.content for m in store.get(f"c{k}").messages]
        assert len(contents) == 40
        # every question is followed by its own answer: exchanges never interleave
        assert all(a == "a" + q[1:] for q, a in zip(contents[::2], contents[1::2], strict=True))


def test_recent_lists_last_updated_first_with_the_first_question(store: Conversations) -> None:
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


def test_a_message_with_a_nul_character_is_stored(store: Conversations, settings: Settings) -> None:
    """PostgreSQL's text holds no NUL: there the message's text loses it, never the Answer."""
    full = Answer(question="Who\x00 won?", answer="The\x00 Tide.", mode="answer", generator="x")
    store.add_exchange("c1", "Who\x00 won?", "Who\x00 won (the final)?", full)
    user, assistant = store.get("c1").messages
    keep = (lambda text: text.replace("\x00", "")) if settings.catalog_url else (lambda text: text)
    assert (user.content, user.standalone) == (
        keep("Who\x00 won?"),
        keep("Who\x00 won (the final)?"),
    )
    assert assistant.content == keep("The\x00 Tide.") and assistant.answer == full
    assert [t.content for t in store.recent_turns("c1", 2)] == [user.content, assistant.content]
