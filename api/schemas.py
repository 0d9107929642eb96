"""Request and response bodies of the native API (the OpenAI-compatible ones: openai_format)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from rag.language.dates import parse_date
from rag.retrieval.retriever import Passage
from rag.schema import Answer, GroupBy, RequestMode
from rag.store.rows import SourceInfo

MAX_QUESTION_CHARS = 2000  # a question, not a document: longer input is almost always a paste
MAX_SOURCES = 50
CONVERSATION_ID = r"^[A-Za-z0-9_-]{1,64}$"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


Question = Annotated[
    str, Field(min_length=1, max_length=MAX_QUESTION_CHARS), AfterValidator(_not_blank)
]
SourceIds = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=128)]] | None,
    Field(max_length=MAX_SOURCES, description="Only search these source ids."),
]
K = Annotated[int | None, Field(ge=1, le=50, description="Passages to retrieve.")]
Outlets = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]] | None,
    Field(max_length=MAX_SOURCES, description="Only search articles from these outlets."),
]
Day = Annotated[date | None, Field(description="A day, ISO 8601 (YYYY-MM-DD).")]


class Scoped(BaseModel):
    """What every question may be limited to, and the day it is asked on."""

    model_config = ConfigDict(extra="forbid")

    k: K = None
    sources: SourceIds = None
    outlets: Outlets = None
    since: Day = Field(None, description="Only articles published on or after this day.")
    until: Day = Field(None, description="Only articles published on or before this day.")
    as_of: Day = Field(
        None,
        description="The day the question is asked on (default: today): 'this week' means "
        "the week up to it, and nothing published after it is used.",
    )
    mode: RequestMode = "auto"
    group_by: GroupBy = Field(
        "auto",
        description="Compare mode: one entry per outlet or per article (auto: outlet "
        "when the articles carry one).",
    )
    stream: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Scoped:
        if self.since and self.until and self.since > self.until:
            raise ValueError("since is after until")
        return self


ConversationId = Annotated[str, Field(pattern=CONVERSATION_ID)]

# The OpenAPI description of an endpoint that answers JSON, or SSE with `stream: true`.
SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The Answer JSON, or with `stream: true` Server-Sent Events: "
        "`sources`, `delta`…, `citation`…, `done` (and `error` if it fails mid-stream).",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


class AskRequest(Scoped):
    question: Question


class ChatRequest(Scoped):
    conversation_id: ConversationId | None = Field(
        None, description="Continue this conversation; omit to start a new one."
    )
    message: Question


class ChatAnswer(Answer):
    conversation_id: str


class PassageOut(BaseModel):
    """A retrieved passage, as the `sources` stream event lists it."""

    source_id: str
    title: str | None
    outlet: str | None
    chunk_id: str
    text: str
    score: float

    @classmethod
    def of(cls, passage: Passage) -> PassageOut:
        c = passage.chunk
        return cls(
            source_id=c.source_id,
            title=c.title,
            outlet=c.outlet,
            chunk_id=c.chunk_id,
            text=c.text,
            score=round(passage.score, 4),
        )


class MessageOut(BaseModel):
    role: Literal["user", "assistant"]
    content: str
    created_at: float
    rewritten_question: str | None = None
    answer: Answer | None = None


class ConversationOut(BaseModel):
    conversation_id: str
    created_at: float
    updated_at: float
    messages: list[MessageOut]


class ConversationSummary(BaseModel):
    conversation_id: str
    created_at: float
    updated_at: float
    title: str = Field(description="The first question asked in it.")
    messages: int


class ConversationsOut(BaseModel):
    total: int
    conversations: list[ConversationSummary]


class SourceOut(BaseModel):
    source_id: str
    title: str | None
    outlet: str | None
    published: str | None = Field(description="The article's date as its source gave it.")
    date: str | None = Field(None, description="The article's date, ISO 8601 (YYYY-MM-DD).")
    notes: str | None
    chunks: int
    content_hash: str
    text_sha256: str = Field(
        description="Short sha256 of the cleaned text: what a citation's `text_sha256` "
        "matches while its offsets still index this text."
    )

    @classmethod
    def of(cls, info: SourceInfo) -> SourceOut:
        day = parse_date(info.published)
        return cls(**vars(info), date=day.isoformat() if day else None)


class SourcesOut(BaseModel):
    total: int = Field(description="Sources matching the query, over all pages.")
    sources: list[SourceOut]


class SourceText(SourceOut):
    text: str = Field(description="The cleaned text that every citation's offsets refer to.")


class OutletOut(BaseModel):
    outlet: str | None = Field(description="None: the articles that carry no outlet.")
    articles: int
    first: str | None = Field(description="Date of its oldest dated article, ISO 8601.")
    last: str | None = Field(description="Date of its newest dated article, ISO 8601.")


class OutletsOut(BaseModel):
    outlets: list[OutletOut]


class DocumentIn(BaseModel):
    """A document as JSON: exactly one of `text` (plain text/markdown) or `html`."""

    model_config = ConfigDict(extra="forbid")

    source_id: str | None = Field(
        None, max_length=128, description="Omit to derive one: a slug plus a short content hash."
    )
    title: str | None = Field(None, max_length=500)
    outlet: str | None = Field(None, max_length=200)
    published: str | None = Field(None, max_length=64)
    text: str | None = None
    html: str | None = None

    @model_validator(mode="after")
    def _one_body(self) -> DocumentIn:
        if (self.text is None) == (self.html is None):
            raise ValueError("give exactly one of 'text' or 'html'")
        return self


class DocumentOut(BaseModel):
    source_id: str
    status: Literal["added", "updated", "unchanged"]
    chunks_written: int
    content_hash: str
    title: str | None
    outlet: str | None
    published: str | None


class DeletedOut(BaseModel):
    source_id: str
    deleted_chunks: int


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    chunks: int
    embedder: str
    generator: str
    vectors: str = Field(description="Where the vectors are: 'embedded' or a Chroma URL.")
    worker: int = Field(description="This worker's process id (several may serve one port).")
