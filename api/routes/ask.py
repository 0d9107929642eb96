"""POST /v1/ask: one question, answered with citations (JSON, or SSE with `stream: true`)."""

from __future__ import annotations

import threading

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from api.deps import ApiKey, RequestIdDep, ServicesDep
from api.schemas import SSE_RESPONSE, AskRequest
from api.streaming import event_stream, start
from rag.schema import Answer

router = APIRouter(prefix="/v1", tags=["ask"], dependencies=[ApiKey])


@router.post("/ask", response_model=Answer, responses=SSE_RESPONSE)
async def ask(
    body: AskRequest, services: ServicesDep, rid: RequestIdDep
) -> Answer | StreamingResponse:
    """Answer a question from the indexed articles, with validated citations."""
    options = services.options(body)
    if body.stream:
        stop = threading.Event()  # set when the client goes: the LLM stops with it
        events = services.chain.events(body.question, stop=stop, **options)
        return event_stream(*await start(events, stop), rid)
    answer: Answer = await run_in_threadpool(services.chain.ask, body.question, **options)
    return answer
