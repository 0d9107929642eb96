"""Two `rag serve` on one data dir: the second borrows the Chroma server the first runs
(rag/store/chroma_server.py). When the first goes, stopped (SIGTERM) or killed (`kill -9`),
its server goes with it; the second takes over, starting and registering its own server,
and answers on without a restart; a CLI command run afterwards uses the new server. Real
processes on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.servers import RagServer, clean_env

pytestmark = pytest.mark.integration

QUESTION = "How much money has the US sent to Ukraine in total?"
TRIES = 3  # the request that finds the server gone is itself answered: one try is enough


def answered(server: RagServer) -> list[int]:
    """Ask until answered (200), a second apart: the statuses seen on the way."""
    seen: list[int] = []
    for _ in range(TRIES):
        reply = httpx.post(f"{server.url}/v1/ask", json={"question": QUESTION}, timeout=90)
        seen.append(reply.status_code)
        if reply.status_code == 200:
            assert any("$119 billion" in c["quote"] for c in reply.json()["citations"])
            return seen
        time.sleep(1)
    pytest.fail(f"no answer after the borrowed server went: {seen}, last {reply.text}")


def vectors_at(server: RagServer) -> str:
    return str(httpx.get(f"{server.url}/readyz", timeout=30).json()["vectors"])


def registered(data: Path) -> dict[str, object]:
    return dict(json.loads((data / "chroma-server.json").read_text()))


def chroma_of(server: RagServer) -> list[psutil.Process]:
    assert server.proc is not None
    return [p for p in psutil.Process(server.proc.pid).children() if p.name() == "chroma"]


def borrowed_goes(owner: RagServer, how: signal.Signals) -> None:
    """End `owner` with `how` and wait until its Chroma server is gone too."""
    assert owner.proc is not None
    children = chroma_of(owner)
    assert len(children) == 1
    owner.proc.send_signal(how)
    owner.proc.wait(timeout=60)
    _, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, "the Chroma server outlived its rag serve"


def test_a_serve_takes_over_the_chroma_server_of_one_that_went(
    seeded_dir: Path, tmp_path: Path
) -> None:
    data = shutil.copytree(seeded_dir, tmp_path / "data")
    first, second = RagServer(data, tmp_path), RagServer(data, tmp_path)
    with first, second:
        assert first.proc is not None and second.proc is not None
        shared = vectors_at(first)
        assert vectors_at(second) == shared != "embedded" and not chroma_of(second)

        borrowed_goes(first, signal.SIGTERM)
        stopped = answered(second)
        assert registered(data)["owner"] == second.proc.pid and len(chroma_of(second)) == 1
        assert vectors_at(second) == registered(data)["url"] != shared

        first.start()  # back, and borrowing from the second now; then the second is killed
        assert vectors_at(first) == vectors_at(second) and not chroma_of(first)
        borrowed_goes(second, signal.SIGKILL)
        killed = answered(first)
        assert registered(data)["owner"] == first.proc.pid and len(chroma_of(first)) == 1

        checked = subprocess.run(  # a third process, while the successor serves
            [sys.executable, "-m", "rag.cli", "check"],
            env=clean_env(RAG_DATA_DIR=str(data)),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert checked.returncode == 0 and "ok: 5 sources" in checked.stdout, checked.stderr
        assert vectors_at(first) == registered(data)["url"]
    print(f"statuses after SIGTERM: {stopped}, after kill -9: {killed}")
