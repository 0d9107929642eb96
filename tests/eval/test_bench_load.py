"""The load run with writes (eval/bench/load.py): its stream and turn checks on canned
replies, then a small run against a real `rag serve --workers 2` over a copy of the seeded
index (correctness only, no timing asserted)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from eval.bench.load import MIX, LoadPlan, run_load
from eval.bench.load_traffic import Reply, Tallies, made_up_documents, send
from eval.bench.load_verify import missing
from tests.servers import rag_serve

PLAN = LoadPlan(clients=8, seconds=12, adds=20, deletes=5, workers=2, max_requests=5000)
DONE = {"answer": "Signed [1].", "citations": [{"source_id": "s1"}], "conversation_id": "c1"}
STOP = {"choices": [{"delta": {}, "finish_reason": "stop"}], "citations": [{"source_id": "s1"}]}
DELTA = {"choices": [{"delta": {"content": "Signed"}, "finish_reason": None}]}


def sse(*events: tuple[str | None, object]) -> str:
    return "".join(
        (f"event: {name}\n" if name else "")
        + f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n"
        for name, data in events
    )


async def cut_off() -> AsyncIterator[bytes]:
    yield sse(("sources", [])).encode()
    raise httpx.ReadError("connection reset")


def replay(kind: str, body: str | AsyncIterator[bytes], status: int = 200) -> tuple[Reply, Tallies]:
    """`send` one `kind` request to a transport that answers `body`."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": "text/event-stream"})

    async def go() -> tuple[Reply, Tallies]:
        tallies = Tallies()
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            reply = await send(http, tallies, kind, {"question": "q"}, "rid-1")
        return reply, tallies

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("kind", "body", "broken"),
    [
        ("ask-stream", sse(("sources", []), ("delta", {"text": "Signed"}), ("done", DONE)), None),
        ("chat-stream", sse(("sources", []), ("delta", {"text": "Signed"})), "without `done`"),
        ("ask-stream", sse(("sources", []), ("error", {"detail": "x"})), "error event"),
        ("ask-stream", sse(("done", DONE), ("error", {"detail": "x"})), "error event"),
        ("ask-stream", cut_off(), "cut off"),
        ("openai-stream", sse((None, DELTA), (None, STOP), (None, "[DONE]")), None),
        ("openai-stream", sse((None, DELTA), (None, STOP)), "without `data: [DONE]`"),
        ("openai-stream", sse((None, DELTA), (None, "[DONE]")), "finish_reason `stop`"),
        ("openai-stream", sse((None, {"error": {"code": 503}}), (None, "[DONE]")), "error chunk"),
    ],
)
def test_a_stream_counts_as_broken_unless_it_ends_with_its_terminal_event(
    kind: str, body: str | AsyncIterator[bytes], broken: str | None
) -> None:
    reply, tallies = replay(kind, body)
    assert reply.status == 200
    if broken is None:
        assert reply.broken is None and reply.cited == ["s1"]
        assert tallies.kinds[kind].broken == 0 and tallies.incidents == []
    else:
        assert reply.broken is not None and broken in reply.broken
        assert tallies.kinds[kind].broken == 1 and "rid-1" in tallies.incidents[0]


def test_an_error_status_is_tallied_but_not_as_a_broken_stream() -> None:
    reply, tallies = replay("ask-stream", '{"detail": "boom"}', status=503)
    assert reply.status == 503 and tallies.kinds["ask-stream"].statuses[503] == 1
    assert tallies.kinds["ask-stream"].broken == 0 and "503" in tallies.incidents[0]


@pytest.mark.parametrize(
    ("acknowledged", "kept", "lost"),
    [
        (["a", "b"], ["a", "b"], []),
        (["a", "b"], ["a", "x", "b", "y"], []),  # unacknowledged turns in between are fine
        (["a", "b", "c"], ["a", "c"], [1]),
        (["a", "a"], ["a"], [1]),  # the same message twice must be stored twice
        (["b", "a"], ["a", "b"], [1]),  # out of order
        (["what  about\nit?"], ["what about it?"], []),
        (["a"], [], [0]),
    ],
)
def test_missing_turns(acknowledged: list[str], kept: list[str], lost: list[int]) -> None:
    assert missing(acknowledged, kept) == lost


def test_made_up_documents_each_have_their_own_place_and_question() -> None:
    docs = made_up_documents(300, seed=3)
    places = [re.findall(r"\b[A-Z][a-z]+ar\b", d.question) for d in docs]
    assert all(
        len(p) == 1 and p[0] in d.text and p[0] in d.title
        for p, d in zip(places, docs, strict=True)
    )
    assert len({p[0] for p in places}) == len({d.source_id for d in docs}) == 300
    assert made_up_documents(300, seed=3) == docs


@pytest.mark.integration
def test_reads_and_writes_at_once_lose_nothing_on_either_worker(
    seeded_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data)
    with rag_serve(data, tmp_path, workers=2) as base:
        result = asyncio.run(run_load(base, PLAN))
    log = "\n".join(result.incidents)
    assert result.server_errors == 0, log
    assert result.broken_streams == 0, log
    assert result.other_failures == 0, log
    assert result.write_failures == []
    assert (result.added, result.deleted) == (PLAN.adds, PLAN.deletes)
    assert len(result.workers) == 2  # the checks below ran on both workers
    assert result.unanswerable == []
    assert result.still_present == []
    assert result.stale_citations == []
    assert result.turns > 0 and result.lost_turns == []
    assert {k.kind for k in result.kinds} == {*MIX, "add", "delete"}
    assert result.failures() == []
