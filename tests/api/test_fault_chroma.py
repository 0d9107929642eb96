"""Chroma killed under a real `rag serve` (RAG_CHROMA_URL), then started again on the same port
and path: requests fail at once with 503 and a JSON `detail`, /readyz says so, nothing is
half-written (a delete, done in the catalog first, stands), and everything works again once
Chroma is back, without restarting the API."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.servers import ChromaServer, RagServer, clean_env

pytestmark = pytest.mark.integration

QUESTION = "Was the minerals deal signed?"
LIGHTHOUSE = {
    "source_id": "lighthouse",
    "title": "Varrow Point lighthouse relit",
    "outlet": "Varrow Gazette",
    "text": "Varrow Point lighthouse relit\n"
    "The Varrow Point lighthouse was relit on Sunday after a restoration costing 3 million.\n"
    "Keeper Ilse Brandt said the new lamp can be seen 40 kilometres out at sea.\n",
}
SEED = "004_d5af3be89cd3b10e"
LIGHTHOUSE_QUESTION = "How far out at sea can the Varrow Point lighthouse be seen?"


def split_index(seeded_dir: Path, tmp: Path) -> tuple[Path, Path]:
    """A copy of the seeded index: the data dir, and its Chroma files for `chroma run`."""
    data = shutil.copytree(seeded_dir, tmp / "data")
    chroma = tmp / "chroma"
    shutil.move(data / "chroma", chroma)
    return data, chroma


def until(check: Callable[[], bool], timeout: float) -> float:
    """Seconds until `check()` holds, polling; fails after `timeout`."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, f"not within {timeout} s"
        time.sleep(0.05)
    return time.monotonic() - start


def status(call: Callable[[], httpx.Response]) -> int:
    try:
        return call().status_code
    except httpx.TransportError:
        return 0


def rag_check(data: Path, cwd: Path, chroma_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", "check"],
        env=clean_env(RAG_DATA_DIR=str(data), RAG_CHROMA_URL=chroma_url),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_chroma_killed_then_restarted_under_a_running_api(seeded_dir: Path, tmp_path: Path) -> None:
    data, path = split_index(seeded_dir, tmp_path)
    with (
        ChromaServer(path) as chroma,
        RagServer(data, tmp_path, RAG_CHROMA_URL=chroma.url) as server,
        httpx.Client(base_url=server.url, timeout=30, trust_env=False) as http,
    ):
        assert http.post("/v1/ask", json={"question": QUESTION}).status_code == 200

        chroma.kill()
        # A delete commits in the catalog first; the vectors it leaves wait for the next writer.
        gone = http.delete(f"/v1/documents/{SEED}")
        print(f"DELETE /v1/documents/{{id}}: {gone.status_code} {gone.json()}")
        assert gone.status_code == 200 and http.get(f"/v1/sources/{SEED}").status_code == 404
        t0 = time.monotonic()
        seen = {
            "POST /v1/ask": http.post("/v1/ask", json={"question": QUESTION}),
            "POST /v1/ask (stream)": http.post(
                "/v1/ask", json={"question": QUESTION, "stream": True}
            ),
            "POST /v1/chat": http.post("/v1/chat", json={"message": QUESTION}),
            "POST /v1/documents": http.post("/v1/documents", json=LIGHTHOUSE),
            "GET /readyz": http.get("/readyz"),
        }
        took = time.monotonic() - t0
        for name, reply in seen.items():
            assert reply.status_code == 503, f"{name}: {reply.status_code} {reply.text}"
            assert reply.headers["content-type"] == "application/json"
            assert "vector store" in reply.json()["detail"], reply.text
            print(f"{name}: {reply.status_code} {reply.json()['detail']!r}")
        print(f"5 requests answered in {took:.2f} s while Chroma was down")
        assert took < 10  # they fail at once, not after a timeout
        # The failed add left nothing a reader sees; its pending record is for the next writer.
        assert http.get("/v1/sources/lighthouse").status_code == 404
        assert http.get("/v1/conversations").json()["total"] == 0
        assert http.get("/healthz").status_code == 200  # the process itself is fine

        t0 = time.monotonic()
        chroma.start()  # same port, same --path
        up = time.monotonic() - t0
        ready = until(lambda: status(lambda: http.get("/readyz")) == 200, timeout=30)
        answered = until(
            lambda: status(lambda: http.post("/v1/ask", json={"question": QUESTION})) == 200,
            timeout=30,
        )
        print(
            f"Chroma restart took {up:.2f} s; after it answered: /readyz 200 in {ready:.3f} s, "
            f"first 200 answer in {ready + answered:.3f} s"
        )
        added = http.post("/v1/documents", json=LIGHTHOUSE)
        assert added.status_code == 201, added.text
        answer = http.post("/v1/ask", json={"question": LIGHTHOUSE_QUESTION}).json()
        assert any(c["source_id"] == "lighthouse" for c in answer["citations"])
        assert http.post("/v1/chat", json={"message": QUESTION}).status_code == 200

        check = rag_check(data, tmp_path, chroma.url)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "ok: 5 sources" in check.stdout  # the seeds, less the one deleted, plus one
