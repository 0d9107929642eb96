"""POST /v1/chat (answers with memory), GET /v1/conversations, GET/DELETE /v1/conversations/{id}."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from api.deps import ApiKey, Offset, RequestIdDep, ServicesDep
from api.schemas import (
    CONVERSATION_ID,
    SSE_RESPONSE,
    ChatAnswer,
    ChatRequest,
    ConversationOut,
    ConversationsOut,
    ConversationSummary,
    MessageOut,
)
from api.streaming import event_stream, start
from rag.chat.history import new_conversation_id
from rag.schema import Answer

router = APIRouter(prefix="/v1", tags=["chat"], dependencies=[ApiKey])
ConversationPath = Annotated[str, Path(pattern=CONVERSATION_ID)]


@router.post("/chat", response_model=ChatAnswer, responses=SSE_RESPONSE)
async def chat(
    body: ChatRequest, services: ServicesDep, rid: RequestIdDep
) -> ChatAnswer | StreamingResponse:
    """Answer a message in a conversation; follow-ups are rewritten with its history."""
    options = services.options(body)
    cid = body.conversation_id or new_conversation_id()
    history = await run_in_threadpool(services.history, cid) if body.conversation_id else []
    standalone = await run_in_threadpool(services.standalone, body.message, history)
    if body.stream:

        async def finish(answer: Any) -> ChatAnswer:
            assert isinstance(answer, Answer)
            return await run_in_threadpool(services.record, cid, body.message, standalone, answer)

        stop = threading.Event()  # set when the client goes: the LLM stops with it
        events = services.chain.events(standalone, stop=stop, **options)
        return event_stream(*await start(events, stop), rid, finish=finish)
    answer = await run_in_threadpool(services.chain.ask, standalone, **options)
    return await run_in_threadpool(services.record, cid, body.message, standalone, answer)


@router.get("/conversations", response_model=ConversationsOut)
async def list_conversations(
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> ConversationsOut:
    """Conversations, last updated first, each with its first question."""
    total, found = await run_in_threadpool(services.conversations.recent, limit, offset)
    return ConversationsOut(
        total=total,
        conversations=[
            ConversationSummary(
                conversation_id=c.id,
                created_at=c.created_at,
                updated_at=c.updated_at,
                title=c.title,
                messages=c.messages,
            )
            for c in found
        ],
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
async def get_conversation(
    conversation_id: ConversationPath, services: ServicesDep
) -> ConversationOut:
    """One conversation with every message and answer."""
    conv = await run_in_threadpool(services.conversations.get, conversation_id)
    return ConversationOut(
        conversation_id=conv.id,
        created_at=conv.created_at,
        updated_at=conv.updated_at,
        messages=[
            MessageOut(
                role=m.role,
                content=m.content,
                created_at=m.created_at,
                rewritten_question=m.standalone
                if m.standalone != " ".join(m.content.split())
                else None,
                answer=m.answer,
            )
            for m in conv.messages
        ],
    )


@router.delete("/conversations/{conversation_id}", status_code=204)
async def delete_conversation(conversation_id: ConversationPath, services: ServicesDep) -> Response:
    """Delete a conversation and its messages."""
    await run_in_threadpool(services.conversations.delete, conversation_id)
    return Response(status_code=204)
