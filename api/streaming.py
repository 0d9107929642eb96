"""Server-Sent Events from the chain's blocking event iterator, without blocking the loop.

The first event is pulled before the response starts, so a bad request (empty question,
unknown source) still gets its 4xx status; any failure later, expected or not, becomes an
`error` event (`detail`, `status`, `request_id`) before the stream closes, so a client
never mistakes a failure for the end.

A client that goes away stops the answer: the chain's `stop` is set, so the event pulled
now ends at the LLM's next piece, and the chain's generator is closed after it (its LLM
request with it), so a one-slot llama.cpp server is free for the next user at once.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from anyio import to_thread
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from api.errors import status_for, unexpected_detail
from api.schemas import PassageOut
from rag.answering.chain import Event
from rag.errors import RagError
from rag.retrieval.retriever import Passage

log = logging.getLogger("api")
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # nginx: don't buffer

FinishFn = Callable[[Any], Awaitable[BaseModel]]


def sse(data: Any, event: str | None = None) -> bytes:
    """One SSE message with `data` as one line of JSON; an unnamed str goes raw (`[DONE]`)."""
    payload = (
        data
        if isinstance(data, str) and event is None
        else json.dumps(jsonable_encoder(data), ensure_ascii=False, separators=(",", ":"))
    )
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


def payload(event: Event) -> Any:
    """The JSON shape of one chain event on the wire."""
    match event.event:
        case "sources":
            return [PassageOut.of(p) if isinstance(p, Passage) else p for p in event.data]
        case "delta":
            return event.data if isinstance(event.data, dict) else {"text": event.data}
        case _:
            return event.data


async def start(
    events: Iterator[Event], stop: threading.Event | None = None
) -> tuple[Event | None, AsyncIterator[Event]]:
    """Run the iterator up to its first event in a worker thread (raising errors now); the
    rest follow as they are read. Left unread (the client gone), `stop` (the one `events`
    was made with) is set and `events` closed."""
    pull = _Pull(events, stop or threading.Event())
    first = await run_in_threadpool(pull.next)
    return first, pull.rest()


class _Pull:
    """The chain's blocking iterator, read from the event loop: one `next()` at a time in
    a worker thread, and `close()` only once no `next()` runs (a generator can't be closed
    while it runs in another thread)."""

    def __init__(self, events: Iterator[Event], stop: threading.Event) -> None:
        self._events, self._stop, self._lock = events, stop, threading.Lock()

    def next(self) -> Event | None:
        with self._lock:
            return next(self._events, None)

    async def _next(self) -> Event | None:
        # abandon_on_cancel: a client's disconnect cancels the wait at once, not after the
        # chain's next event (an LLM can write for long without releasing one).
        return await to_thread.run_sync(self.next, abandon_on_cancel=True)

    def close(self) -> None:
        with self._lock:  # after the `next()` in flight, which `stop` ends at the next piece
            close = getattr(self._events, "close", None)
            if close is not None:
                close()

    async def rest(self) -> AsyncIterator[Event]:
        ended = False
        try:
            while (event := await self._next()) is not None:
                yield event
            ended = True
        finally:
            if not ended:  # left unread (or failed): a cancelled task can't await closing
                self._stop.set()
                threading.Thread(target=self.close, name="close-stream", daemon=True).start()


def stream_failure(exc: Exception, rid: str) -> tuple[str, int]:
    """The detail and status a stream reports for `exc` (logged here, with its traceback
    when it was not a domain error)."""
    if isinstance(exc, RagError):
        log.warning("stream failed [request %s]: %s: %s", rid, type(exc).__name__, exc)
        return str(exc), status_for(exc)
    log.error("stream failed [request %s]: unexpected %s", rid, type(exc).__name__, exc_info=exc)
    return unexpected_detail(rid), 500


def event_stream(
    first: Event | None,
    rest: AsyncIterator[Event],
    rid: str,
    finish: FinishFn | None = None,
) -> StreamingResponse:
    """`sources`, `delta`…, `citation`…, `done` as SSE; `finish` may rewrite the final Answer."""

    async def body() -> AsyncIterator[bytes]:
        try:
            if first is not None:
                yield sse(payload(first), first.event)
            async for event in rest:
                data = payload(event)
                if event.event == "done" and finish is not None:
                    data = await finish(event.data)
                yield sse(data, event.event)
        except Exception as exc:  # the status line is sent: the error must go in the stream
            detail, status = stream_failure(exc, rid)
            yield sse({"detail": detail, "status": status, "request_id": rid}, "error")

    return StreamingResponse(body(), media_type="text/event-stream", headers=SSE_HEADERS)
