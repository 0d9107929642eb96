"""The OpenAI chat-completions wire format, with our citations kept in it.

Responses are the `openai` package's own models (`ChatCompletion`, `ChatCompletionChunk`,
`Model`), so the wire format is what the official client parses. The reply text carries
the [n] markers and ends with a "Sources" list, so any chat client shows the citations;
the structured list is the top-level `citations` field (on the completion object, and on
the final chunk of a stream).
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from fastapi import HTTPException
from openai.types import Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openai.types.chat.chat_completion import Choice
from openai.types.chat.chat_completion_chunk import Choice as ChunkChoice
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from pydantic import BaseModel, ConfigDict, Field

from api.schemas import MAX_QUESTION_CHARS
from rag.chat.condense import Turn
from rag.schema import Answer, Citation, GroupBy, RequestMode, ShortAnswer

MODELS: dict[str, tuple[RequestMode, GroupBy]] = {  # name -> (mode, compare's grouping)
    "rag": ("auto", "auto"),
    "rag-compare": ("compare", "auto"),
    "rag-compare-outlets": ("compare", "outlet"),
    "rag-compare-articles": ("compare", "article"),
}
OWNER = "newsrag"
SOURCES_HEADING = "Sources:"
REPLACED_NOTE = (
    "\n\n---\n_The model's reply above cited no evidence; "
    "here is what the sources themselves say:_\n\n"
)


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class CompletionRequest(BaseModel):
    """OpenAI's request body; sampling options (temperature, top_p, …) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(
        description="`rag`, or `rag-compare` to compare what each source says (by outlet "
        "when the articles carry one; `rag-compare-outlets`/`-articles` to choose).",
        json_schema_extra={"enum": list(MODELS)},
    )
    messages: list[ChatMessage] = Field(min_length=1, max_length=500)
    stream: bool = False
    group_by: GroupBy | None = Field(
        None, description="Compare mode's rows: outlets or articles (default: the model's)."
    )


class Completion(ChatCompletion):
    """OpenAI's chat completion plus the resolved citations of its [n] markers."""

    citations: list[Citation] = Field(description="The [n] markers of the reply, resolved.")
    short_answer: ShortAnswer | None = Field(
        None, description="The reader's short answer, when it is confident (cited as [n])."
    )


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


def model_list(created: int) -> ModelList:
    models = [Model(id=name, created=created, object="model", owned_by=OWNER) for name in MODELS]
    return ModelList(object="list", data=models)


def mode_for(model: str, group_by: GroupBy | None = None) -> tuple[RequestMode, GroupBy]:
    """The request's mode and compare grouping: the model's, unless `group_by` is given."""
    if model not in MODELS:
        raise HTTPException(404, f"unknown model {model!r}: use one of {', '.join(MODELS)}")
    mode, grouping = MODELS[model]
    return mode, group_by or grouping


def strip_sources(text: str) -> str:
    """An earlier reply of ours without its Sources footer (history for condensing)."""
    head, sep, _ = text.rpartition(f"\n\n{SOURCES_HEADING}\n")
    return head if sep else text


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """(the question, the earlier user/assistant turns). System prompts are not obeyed."""
    last = messages[-1]
    if last.role != "user":
        raise HTTPException(422, "the last message must be the user's question")
    question = last.text()
    if not question.strip():
        raise HTTPException(422, "the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise HTTPException(422, f"the question is over {MAX_QUESTION_CHARS} characters")
    history = [
        Turn(m.role, m.text() if m.role == "user" else strip_sources(m.text()))
        for m in messages[:-1]
        if m.role in ("user", "assistant") and m.text().strip()
    ]
    return question, history


def sources_footer(citations: list[Citation]) -> str:
    if not citations:
        return ""
    lines = []
    for c in citations:
        label = " — ".join(x for x in (c.title, c.outlet) if x) or c.source_id
        lines.append(f"- [{c.n}] {label}: “{c.quote}”")  # a list in Markdown, plain lines elsewhere
    return f"\n\n{SOURCES_HEADING}\n" + "\n".join(lines)


def reply_content(answer: Answer) -> str:
    return answer.answer + sources_footer(answer.citations)


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def completion(answer: Answer, model: str) -> Completion:
    message = ChatCompletionMessage(role="assistant", content=reply_content(answer))
    return Completion(
        id=completion_id(),
        object="chat.completion",
        created=int(time.time()),
        model=model,
        choices=[Choice(index=0, message=message, finish_reason="stop", logprobs=None)],
        system_fingerprint=None,
        citations=answer.citations,
        short_answer=answer.short_answer,
    )


def chunk(
    cid: str,
    created: int,
    model: str,
    delta: ChoiceDelta,
    finish: Literal["stop"] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One `chat.completion.chunk` as JSON, with only the fields we set (plus `extra`)."""
    choice = ChunkChoice(index=0, delta=delta, logprobs=None, finish_reason=finish)
    body = ChatCompletionChunk(
        id=cid,
        object="chat.completion.chunk",
        created=created,
        model=model,
        system_fingerprint=None,
        choices=[choice],
        **extra,
    )
    return body.model_dump(mode="json", exclude_unset=True)


class Trimmer:
    """Streams text as the final answer will read: no leading or trailing whitespace.

    Trailing whitespace is held back until more text follows, so the streamed reply
    equals the non-streamed one (`Answer.answer` is stripped).
    """

    def __init__(self) -> None:
        self._started = False
        self._pending = ""

    def feed(self, piece: str) -> str:
        if not self._started:
            piece = piece.lstrip()
            if not piece:
                return ""
            self._started = True
        text = self._pending + piece
        core = text.rstrip()
        self._pending = text[len(core) :]
        return core

    def restart(self) -> None:
        self._started, self._pending = False, ""
