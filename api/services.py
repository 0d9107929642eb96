"""What the routes share: the pipeline, conversations and condenser, opened once per app.

Every method here blocks (embedding, Chroma, SQLite or PostgreSQL, LLM calls); routes call
them through `run_in_threadpool` so the event loop keeps serving other requests.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from api.schemas import ChatAnswer, DocumentOut, Scoped
from rag.answering.chain import AnswerChain
from rag.answering.pipeline import Pipeline
from rag.chat.condense import HISTORY_TURNS, Condenser, Turn
from rag.chat.history import Conversations
from rag.config import Settings
from rag.documents.loading import Document, validate_source_id
from rag.ingest import IngestReport, ingest_document
from rag.schema import Answer
from rag.store.chunks import ChunkStore
from rag.store.filters import Filters


@dataclass
class Services:
    settings: Settings
    pipeline: Pipeline
    conversations: Conversations
    condenser: Condenser
    started: float = field(default_factory=time.time)

    @property
    def chain(self) -> AnswerChain:
        return self.pipeline.chain

    @property
    def store(self) -> ChunkStore:
        """The index the routes read and write (documents, health)."""
        return self.pipeline.store

    def filters(self, body: Scoped) -> Filters:
        """What a request limits its question to (source ids checked for path tricks)."""
        return Filters.of(
            sources=[validate_source_id(s) for s in body.sources or ()],
            outlets=body.outlets,
            since=body.since,
            until=body.until,
        )

    def options(self, body: Scoped) -> dict[str, Any]:
        """The chain's keyword arguments for a request: filters, the day, mode, grouping."""
        return {
            "k": body.k,
            "filters": self.filters(body),
            "mode": body.mode,
            "as_of": body.as_of,
            "group_by": body.group_by,
        }

    def history(self, conversation_id: str) -> list[Turn]:
        return self.conversations.recent_turns(conversation_id, HISTORY_TURNS)

    def standalone(self, message: str, history: Sequence[Turn]) -> str:
        return self.condenser.condense(message, history) if history else " ".join(message.split())

    def record(
        self, conversation_id: str, message: str, standalone: str, answer: Answer
    ) -> ChatAnswer:
        """Store the exchange and return the answer as the chat endpoint shows it."""
        answer = with_rewrite(answer, message, standalone)
        self.conversations.add_exchange(conversation_id, message, standalone, answer)
        return ChatAnswer.model_validate(
            {**answer.model_dump(), "conversation_id": conversation_id}
        )

    def add_document(self, doc: Document, replace: bool = False) -> DocumentOut:
        """Index `doc`; a different text under its id only with `replace` (else a 409)."""
        report = IngestReport()
        ingest_document(self.store, doc, self.settings, report, replace=replace)
        status = "added" if report.added else "updated" if report.updated else "unchanged"
        return DocumentOut(
            source_id=doc.source_id,
            status=status,
            chunks_written=report.chunks,
            content_hash=doc.content_hash,
            title=doc.title,
            outlet=doc.outlet,
            published=doc.published,
        )


def with_rewrite(answer: Answer, message: str, standalone: str) -> Answer:
    """The answer to `message`, noting the standalone question it was retrieved with."""
    original = " ".join(message.split())
    rewritten = standalone if standalone != original else None
    return answer.model_copy(update={"question": original, "rewritten_question": rewritten})
