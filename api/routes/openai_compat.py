"""OpenAI-compatible endpoints: POST /v1/chat/completions and GET /v1/models.

Point any OpenAI client at `http://host:port/v1` with model `rag` (or `rag-compare`,
`rag-compare-outlets`, `rag-compare-articles`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from api.deps import ApiKey, RequestIdDep, ServicesDep
from api.openai_format import (
    REPLACED_NOTE,
    Completion,
    CompletionRequest,
    ModelList,
    Trimmer,
    chunk,
    completion,
    completion_id,
    mode_for,
    model_list,
    sources_footer,
    split_messages,
)
from api.services import with_rewrite
from api.streaming import SSE_HEADERS, sse, start, stream_failure
from rag.answering.chain import Event
from rag.schema import Answer

router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[ApiKey])
STREAM_DOC: dict[int | str, dict[str, object]] = {
    200: {
        "description": "A chat.completion, or with `stream: true` chat.completion.chunk events "
        "ending in `data: [DONE]`; the last chunk carries `citations` and `short_answer`.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get("/models", response_model=ModelList, response_model_exclude_unset=True)
async def list_models(services: ServicesDep) -> ModelList:
    """The model names this server answers to."""
    return model_list(int(services.started))


@router.post(
    "/chat/completions",
    response_model=Completion,
    response_model_exclude_unset=True,
    responses=STREAM_DOC,
)
async def chat_completions(
    body: CompletionRequest, services: ServicesDep, rid: RequestIdDep
) -> Completion | StreamingResponse:
    """Chat completion: the last user message is the question, earlier ones its history."""
    mode, group_by = mode_for(body.model, body.group_by)
    question, history = split_messages(body.messages)
    standalone = await run_in_threadpool(services.standalone, question, history)
    if body.stream:
        stop = threading.Event()  # set when the client goes: the LLM stops with it
        events = services.chain.events(standalone, mode=mode, group_by=group_by, stop=stop)
        first, rest = await start(events, stop)
        return StreamingResponse(
            _chunks(first, rest, body.model, rid),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )
    answer = await run_in_threadpool(services.chain.ask, standalone, mode=mode, group_by=group_by)
    return completion(with_rewrite(answer, question, standalone), body.model)


async def _chunks(
    first: Event | None, rest: AsyncIterator[Event], model: str, rid: str
) -> AsyncIterator[bytes]:
    """Chunks as OpenAI streams them; a failure midway is an OpenAI error chunk, then [DONE]."""
    cid, created = completion_id(), int(time.time())
    yield sse(chunk(cid, created, model, ChoiceDelta(role="assistant", content="")))
    trim = Trimmer()

    def content(text: str) -> bytes:
        return sse(chunk(cid, created, model, ChoiceDelta(content=text)))

    try:
        async for event in _chain(first, rest):
            if event.event == "delta" and isinstance(event.data, dict):
                trim.restart()  # OpenAI deltas only append: say the text is replaced, then give it
                yield content(REPLACED_NOTE + trim.feed(str(event.data.get("replace", ""))))
            elif event.event == "delta":
                if text := trim.feed(str(event.data)):
                    yield content(text)
            elif event.event == "done" and isinstance(event.data, Answer):
                if footer := sources_footer(event.data.citations):
                    yield content(footer)
                citations = jsonable_encoder(event.data.citations)
                short = jsonable_encoder(event.data.short_answer)
                stop = ChoiceDelta()
                yield sse(
                    chunk(
                        cid, created, model, stop, "stop", citations=citations, short_answer=short
                    )
                )
    except Exception as exc:  # the status line is sent: the error must go in the stream
        detail, status = stream_failure(exc, rid)
        kind = "server_error" if status >= 500 else "invalid_request_error"
        error = {"message": detail, "type": kind, "param": None, "code": status}
        yield sse({"error": error, "request_id": rid})
    yield sse("[DONE]")


async def _chain(first: Event | None, rest: AsyncIterator[Event]) -> AsyncIterator[Event]:
    if first is not None:
        yield first
    async for event in rest:
        yield event
