"""What a conversation's history is, and the interface of the stores that keep it: SQLite in
the data dir (rag/chat/conversations.py, the default) or PostgreSQL with `RAG_CATALOG_URL`
(rag/chat/conversations_pg.py), both opened by `open_conversations(settings)`.

    with open_conversations(settings) as conversations:   # a Conversations
        conversations.add_exchange(cid, "and the fares?", "What about the fares ...?", answer)
        conversations.recent_turns(cid, 6)

A conversation is created by its first exchange, so a failed first question leaves nothing
behind; an exchange (the question and its answer) is written in one transaction, never half.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, Protocol, cast

from rag.chat.condense import Turn
from rag.schema import Answer

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str
    created_at: float
    standalone: str | None = None  # user turns: the question as rewritten for retrieval
    answer: Answer | None = None  # assistant turns: the full Answer, citations included


@dataclass(frozen=True)
class Conversation:
    id: str
    created_at: float
    updated_at: float
    messages: list[Message]


@dataclass(frozen=True)
class Summary:
    """A conversation as a list shows it: its first question and its size."""

    id: str
    created_at: float
    updated_at: float
    title: str  # the first question asked
    messages: int


def new_conversation_id() -> str:
    return uuid.uuid4().hex


class Conversations(Protocol):
    """The conversations of one store. Every call may raise StoreError (the store cannot be
    used now; the next call tries again); unknown ids raise UnknownConversationError."""

    def close(self) -> None: ...

    def get(self, conversation_id: str) -> Conversation:
        """One conversation with every message, oldest first."""
        ...

    def recent(self, limit: int = 50, offset: int = 0) -> tuple[int, list[Summary]]:
        """How many conversations there are, and a page of them, last updated first."""
        ...

    def recent_turns(self, conversation_id: str, limit: int) -> list[Turn]:
        """The last `limit` messages, oldest first, for rewriting a follow-up."""
        ...

    def add_exchange(
        self, conversation_id: str, question: str, standalone: str | None, answer: Answer
    ) -> None:
        """Record one question and its answer, creating the conversation on its first one."""
        ...

    def delete(self, conversation_id: str) -> None: ...


def message(
    role: str, content: str, created_at: float, standalone: str | None, answer_json: str | None
) -> Message:
    """A message from its stored columns (the Answer is kept as its JSON; the tables
    allow no other role)."""
    return Message(
        role=cast(Role, role),
        content=content,
        created_at=created_at,
        standalone=standalone,
        answer=Answer.model_validate_json(answer_json) if answer_json else None,
    )
