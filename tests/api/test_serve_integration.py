"""`rag serve` as a real uvicorn subprocess on a free loopback port, over a copy of the seeded
index, driven by the official `openai` client and by raw SSE through httpx."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.api.support import sse_events, streamed_text
from tests.servers import rag_serve

pytestmark = pytest.mark.integration

KEY = "integration-key"
SIGNED = "Was the minerals deal signed?"


def copy_index(seeded_dir: Path, to: Path) -> Path:
    shutil.copytree(seeded_dir, to)
    return to


@pytest.fixture(scope="module")
def server(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    where = tmp_path_factory.mktemp("serve")
    with rag_serve(copy_index(seeded_dir, where / "data"), where, RAG_API_KEYS=KEY) as base:
        yield base


@pytest.fixture
def client(server: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server}/v1", api_key=KEY, max_retries=0, timeout=60)


def test_openai_client_non_streaming(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()][:2] == ["rag", "rag-compare"]
    reply = client.chat.completions.create(
        model="rag", messages=[{"role": "user", "content": SIGNED}]
    )
    content = reply.choices[0].message.content or ""
    body, footer = content.split("\n\nSources:\n")
    citations: list[dict[str, Any]] = reply.model_extra["citations"]  # type: ignore[index]
    assert citations and "[1]" in body
    for c in citations:
        assert f"[{c['n']}]" in body and c["quote"] in footer


def test_openai_client_streaming(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="rag", messages=[{"role": "user", "content": SIGNED}], stream=True
        )
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    plain = client.chat.completions.create(
        model="rag", messages=[{"role": "user", "content": SIGNED}]
    )
    assert content == plain.choices[0].message.content
    assert chunks[-1].model_extra["citations"] == plain.model_extra["citations"]  # type: ignore[index]
    assert "[1]" in content and "\n\nSources:\n- [1] " in content


def test_openai_client_with_a_wrong_key_is_refused(server: str) -> None:
    wrong = openai.OpenAI(base_url=f"{server}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.chat.completions.create(model="rag", messages=[{"role": "user", "content": SIGNED}])
    with pytest.raises(openai.NotFoundError):
        openai.OpenAI(base_url=f"{server}/v1", api_key=KEY, max_retries=0).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": SIGNED}]
        )


def test_raw_sse_on_ask(server: str) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=server, headers=headers, timeout=60, trust_env=False) as http:
        with http.stream("POST", "/v1/ask", json={"question": SIGNED, "stream": True}) as reply:
            assert reply.status_code == 200
            assert reply.headers["content-type"].startswith("text/event-stream")
            raw = "".join(reply.iter_text())
        plain = http.post("/v1/ask", json={"question": SIGNED}).json()
    events = sse_events(raw)
    names = [n for n, _ in events]
    assert names[0] == "sources" and names[-1] == "done" and "delta" in names
    assert names.index("citation") > max(i for i, n in enumerate(names) if n == "delta")
    done = events[-1][1]
    assert streamed_text(events) == done["answer"] == plain["answer"]
    assert [d for n, d in events if n == "citation"] == done["citations"] == plain["citations"]


def test_a_conversation_survives_a_restart(seeded_dir: Path, tmp_path: Path) -> None:
    data = copy_index(seeded_dir, tmp_path / "data")
    headers = {"Authorization": f"Bearer {KEY}"}
    with rag_serve(data, tmp_path, RAG_API_KEYS=KEY) as base:
        first = httpx.post(
            f"{base}/v1/chat",
            json={"message": "What did Zelenskyy say about the minerals deal?"},
            headers=headers,
            timeout=60,
        ).json()
    cid = first["conversation_id"]
    with rag_serve(data, tmp_path, RAG_API_KEYS=KEY) as base:
        conv = httpx.get(f"{base}/v1/conversations/{cid}", headers=headers, timeout=60)
        assert conv.status_code == 200
        assert conv.json()["messages"][1]["answer"]["citations"] == first["citations"]
        follow = httpx.post(
            f"{base}/v1/chat",
            json={"conversation_id": cid, "message": "and what about sanctions?"},
            headers=headers,
            timeout=60,
        ).json()
        assert follow["rewritten_question"] == "What about sanctions (Zelenskyy, minerals deal)?"
