"""One index, many processes: `rag serve` workers, a second `rag serve` and CLI commands on one
data dir, and workers on one Chroma server. A write through any of them is answered (or gone)
through every other within a second. Real processes on 127.0.0.1; faults caused for real."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SEEDS
from tests.servers import ChromaServer, clean_env, rag_serve

pytestmark = pytest.mark.integration

FERRY = {
    "source_id": "ferry",
    "title": "Port Ellis opens its new ferry terminal",
    "outlet": "Ellis Post",
    "text": "Port Ellis opens its new ferry terminal\n"
    "The new ferry terminal in Port Ellis cost 40 million dollars and opened on Monday.\n"
    "Mayor Ana Ruiz said the terminal doubles the daily crossings to the islands.\n",
}
QUESTION = "How much did the new ferry terminal in Port Ellis cost?"


def ask(base: str, question: str = QUESTION) -> dict[str, Any]:
    reply = httpx.post(f"{base}/v1/ask", json={"question": question}, timeout=60)  # new connection
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def cites_ferry(base: str) -> bool:
    return any(c["source_id"] == "ferry" for c in ask(base)["citations"])


def within_a_second(check: Callable[[], bool]) -> float:
    """Seconds until `check()` holds; fails if that takes a second or more."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < 1.0, "not visible within 1 s"
        time.sleep(0.02)
    return time.monotonic() - start


def workers(base: str, tries: int = 60) -> set[int]:
    return {httpx.get(f"{base}/readyz", timeout=10).json()["worker"] for _ in range(tries)}


def cli(data: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        env=clean_env(RAG_DATA_DIR=str(data)),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_two_serves_and_cli_commands_share_one_data_dir(seeded_dir: Path, tmp_path: Path) -> None:
    data = shutil.copytree(seeded_dir, tmp_path / "data")
    with rag_serve(data, tmp_path) as a, rag_serve(data, tmp_path) as b:
        at_a, at_b = (httpx.get(f"{x}/readyz", timeout=10).json() for x in (a, b))
        assert at_a["vectors"] == at_b["vectors"] != "embedded"  # one Chroma server, shared
        assert httpx.post(f"{a}/v1/documents", json=FERRY, timeout=60).status_code == 201
        within_a_second(lambda: cites_ferry(b))

        gone = cli(data, tmp_path, "delete", "ferry")  # a CLI command while both serve
        assert gone.returncode == 0, gone.stderr
        within_a_second(lambda: not cites_ferry(a) and not cites_ferry(b))

        folder = tmp_path / "more"
        folder.mkdir()
        (folder / "ferry.txt").write_text(FERRY["text"])
        added = cli(data, tmp_path, "ingest", str(folder))
        assert added.returncode == 0 and "added 1" in added.stdout, added.stderr
        within_a_second(lambda: cites_ferry(a) and cites_ferry(b))
    checked = cli(data, tmp_path, "check")  # both stopped: the CLI opens the index itself
    assert checked.returncode == 0 and "ok: 6 sources" in checked.stdout, checked.stderr


def test_workers_see_each_others_writes(seeded_dir: Path, tmp_path: Path) -> None:
    data = shutil.copytree(seeded_dir, tmp_path / "data")
    with rag_serve(data, tmp_path, workers=2) as base:
        assert len(workers(base)) == 2
        assert httpx.post(f"{base}/v1/documents", json=FERRY, timeout=60).status_code == 201
        within_a_second(lambda: cites_ferry(base))
        assert all(cites_ferry(base) for _ in range(20))  # whichever worker answers
        assert httpx.delete(f"{base}/v1/documents/ferry", timeout=60).status_code == 200
        within_a_second(lambda: not cites_ferry(base))
        assert not any(cites_ferry(base) for _ in range(20))


def test_chroma_server_mode_two_workers_and_an_outage(tmp_path: Path) -> None:
    with ChromaServer(tmp_path / "chroma") as chroma:
        data = tmp_path / "data"
        with rag_serve(data, tmp_path, workers=2, RAG_CHROMA_URL=chroma.url) as base:
            assert httpx.get(f"{base}/readyz", timeout=10).json()["vectors"] == chroma.url
            for path in sorted(SEEDS.glob("*.txt")):  # ingest through the API
                with path.open("rb") as f:
                    up = httpx.post(f"{base}/v1/documents", files={"file": f}, timeout=120)
                assert up.status_code == 201, up.text
            assert len(workers(base)) == 2
            for _ in range(20):
                answer = ask(base, "How much money has the US sent to Ukraine in total?")
                assert any("$119 billion" in c["quote"] for c in answer["citations"])

            chroma.stop()  # the vector store goes away under a running server
            down = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=60)
            assert down.status_code == 503 and "vector store" in down.json()["detail"]
            assert httpx.get(f"{base}/readyz", timeout=30).status_code == 503
            stream = httpx.post(
                f"{base}/v1/ask", json={"question": QUESTION, "stream": True}, timeout=60
            )
            assert stream.status_code == 503 and stream.json()["detail"]
