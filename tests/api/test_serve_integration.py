"""`rag serve` as a real uvicorn subprocess on a free loopback port, over a copy of the seeded
index, driven by the official `openai` client and by raw SSE through httpx."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.api.support import sse_events, streamed_text, wait_ready
from tests.conftest import SEEDS, free_port

pytestmark = pytest.mark.integration

KEY = "integration-key"
SIGNED = "Was the minerals deal signed?"


@contextmanager
def rag_serve(data_dir: Path, cwd: Path) -> Iterator[str]:
    """`rag serve --port N` in a subprocess; yields the base URL, stops it on exit."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAG_"))}
    env.update(
        RAG_DATA_DIR=str(data_dir),
        RAG_SEEDS_DIR=str(SEEDS),
        RAG_API_KEYS=KEY,
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
    )
    log = cwd / f"serve-{port}.log"  # a file, not a pipe: a full pipe would stall the server
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=cwd,  # no stray .env: the settings come from the variables above
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_ready(base)
        except AssertionError as exc:
            proc.kill()
            raise AssertionError(f"rag serve did not start:\n{log.read_text()[-3000:]}") from exc
        yield base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def copy_index(seeded_dir: Path, to: Path) -> Path:
    shutil.copytree(seeded_dir, to)
    return to


@pytest.fixture(scope="module")
def server(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    where = tmp_path_factory.mktemp("serve")
    with rag_serve(copy_index(seeded_dir, where / "data"), where) as base:
        yield base


@pytest.fixture
def client(server: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server}/v1", api_key=KEY, max_retries=0, timeout=60)


def test_openai_client_non_streaming(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["rag", "rag-compare"]
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
    with rag_serve(data, tmp_path) as base:
        first = httpx.post(
            f"{base}/v1/chat",
            json={"message": "What did Zelenskyy say about the minerals deal?"},
            headers=headers,
            timeout=60,
        ).json()
    cid = first["conversation_id"]
    with rag_serve(data, tmp_path) as base:
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
