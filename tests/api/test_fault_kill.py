"""`kill -9` of a real `rag serve` while clients add documents and chat, then a restart over
the same data dir: every write that was acknowledged (2xx) is whole (its chunks, sentence
vectors, lexical entries and Chroma vectors; `rag check` finds nothing broken) and every
acknowledged chat turn is in its conversation. Two set-ups:
- `separate`: RAG_CHROMA_URL names a Chroma server of its own, which the kill leaves up;
- `shared`: `rag serve` runs Chroma over the data dir as its child (rag/store/chroma_server.py); the
  kill must not leave that child behind (it gets SIGTERM when its parent dies).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.servers import ChromaServer, RagServer, clean_env

pytestmark = pytest.mark.integration

CHATS = ("Was the minerals deal signed?", "and what about sanctions?", "who objected?")
ENOUGH_DOCS, ENOUGH_TURNS = 6, 4  # acknowledged before the kill (it lands among writes)


def article(i: int) -> dict[str, str]:
    """A made-up article, its own words per `i`, so each is found by its own question."""
    town = f"Quarnby{i}"
    return {
        "source_id": f"quarnby-{i}",
        "title": f"{town} opens a tide mill",
        "outlet": "Fen Courier",
        "text": f"{town} opens a tide mill\n"
        f"The tide mill in {town} grinds {100 + i} tonnes of grain a week.\n"
        f"Miller Oda Venn said the {town} mill first ran on the spring tide on Tuesday.\n",
    }


@dataclass
class Acked:
    """What the server acknowledged, and what it was sent but never answered."""

    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    turns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # cid: (msg, answer)
    unanswered: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # a non-2xx reply: none is expected

    def enough(self) -> bool:
        return (
            len(self.documents) >= ENOUGH_DOCS
            and sum(map(len, self.turns.values())) >= ENOUGH_TURNS
        )


def add_documents(base: str, acked: Acked) -> None:
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as http:
        for i in range(10_000):
            doc = article(i)
            try:
                reply = http.post("/v1/documents", json=doc)
            except httpx.TransportError:
                acked.unanswered.append(f"POST /v1/documents {doc['source_id']}")
                return  # the server is gone
            if reply.status_code == 201:
                acked.documents[doc["source_id"]] = reply.json()
            else:
                acked.refused.append(f"{doc['source_id']}: {reply.status_code} {reply.text}")


def chat(base: str, acked: Acked) -> None:
    cid: str | None = None
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as http:
        for n in range(10_000):
            message = CHATS[n % len(CHATS)]
            body = {"message": message, **({"conversation_id": cid} if cid else {})}
            try:
                reply = http.post("/v1/chat", json=body)
            except httpx.TransportError:
                acked.unanswered.append(f"POST /v1/chat {cid}: {message}")
                return
            if reply.status_code != 200:
                acked.refused.append(f"chat: {reply.status_code} {reply.text}")
                continue
            cid = reply.json()["conversation_id"]
            acked.turns.setdefault(cid, []).append((message, reply.json()["answer"]))
            if n % len(CHATS) == len(CHATS) - 1:
                cid = None  # a new conversation every few turns


@dataclass
class Setup:
    data: Path
    server: RagServer
    chroma_url: str | None  # None: `rag serve` shares the data dir's Chroma as its child


def set_up(kind: str, seeded_dir: Path, tmp: Path, stack: ExitStack) -> Setup:
    data = shutil.copytree(seeded_dir, tmp / "data")
    if kind == "shared":
        return Setup(data, RagServer(data, tmp), None)
    path = tmp / "chroma"
    shutil.move(data / "chroma", path)
    chroma = stack.enter_context(ChromaServer(path))
    return Setup(data, RagServer(data, tmp, RAG_CHROMA_URL=chroma.url), chroma.url)


def rag_check(setup: Setup, cwd: Path) -> subprocess.CompletedProcess[str]:
    extra = {"RAG_CHROMA_URL": setup.chroma_url} if setup.chroma_url else {}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", "check"],
        env=clean_env(RAG_DATA_DIR=str(setup.data), **extra),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@dataclass
class Killed:
    acked: Acked
    children: list[psutil.Process]  # the server's, at the kill
    names: list[str]  # theirs
    mid_write: bool  # the kill landed inside a document write


def mid_write(catalog: Path, timeout: float) -> bool:
    """Wait until a document write is under way (its record of pending vectors committed,
    not yet cleared); False if none was caught within `timeout`."""
    deadline = time.monotonic() + timeout
    with closing(sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=5)) as db:
        while time.monotonic() < deadline:
            if db.execute("SELECT count(*) FROM pending").fetchone()[0]:
                return True
    return False


def load_then_kill(server: RagServer, catalog: Path) -> Killed:
    """Clients write until enough is acknowledged; then `kill -9` of the server process,
    in the middle of a document write if one is caught."""
    assert server.proc is not None
    acked = Acked()
    threads = [
        threading.Thread(target=f, args=(server.url, acked), daemon=True)
        for f in (add_documents, chat)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while not acked.enough():
        assert time.monotonic() < deadline and all(t.is_alive() for t in threads), acked
        time.sleep(0.05)
    children = psutil.Process(server.proc.pid).children(recursive=True)
    names = [c.name() for c in children]
    caught = mid_write(catalog, timeout=5)
    server.kill()
    for t in threads:
        t.join(timeout=40)
        assert not t.is_alive(), "a client still waits on a killed server"
    assert not acked.refused, acked.refused
    return Killed(acked, children, names, caught)


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


@pytest.mark.parametrize("kind", ["separate", "shared"])
def test_kill_9_during_writes_loses_nothing_acknowledged(
    kind: str, seeded_dir: Path, tmp_path: Path, stack: ExitStack
) -> None:
    setup = set_up(kind, seeded_dir, tmp_path, stack)
    server = setup.server.start()
    stack.callback(server.stop)
    killed = load_then_kill(server, setup.data / "catalog.sqlite3")
    acked, at = killed.acked, time.monotonic()
    server.start()  # at once, as a supervisor would
    restarted = time.monotonic() - at
    if kind == "separate":
        assert killed.children == []  # one worker runs in the server process itself
    else:  # the old shared Chroma child goes with its parent, and the new serve does not use it
        assert killed.names == ["chroma"]
        _, alive = psutil.wait_procs(killed.children, timeout=10)
        for orphan in alive:
            orphan.kill()
        assert not alive, f"rag serve's Chroma child outlived it: {alive}"
    turns = sum(map(len, acked.turns.values()))
    print(
        f"[{kind}] kill -9 after {len(acked.documents)} documents and {turns} chat turns "
        f"acknowledged, killed mid-write: {killed.mid_write}; serving again {restarted:.1f} s "
        "after the kill"
    )
    with httpx.Client(base_url=server.url, timeout=60, trust_env=False) as http:
        all_there(http, acked)
        for request in acked.unanswered:  # either whole (`rag check`) or absent
            sid = request.removeprefix("POST /v1/documents ")
            fate = f"{http.get(f'/v1/sources/{sid}').status_code}" if sid != request else "-"
            print(f"[{kind}] unanswered at the kill: {request} (GET /v1/sources: {fate})")
        check = rag_check(setup, tmp_path)  # every document whole, nothing left over
        assert check.returncode == 0, check.stdout + check.stderr
        sources = http.get("/v1/sources", params={"limit": 1000}).json()["total"]
        assert f"ok: {sources} sources" in check.stdout
        assert sources >= 5 + len(acked.documents)


def all_there(http: httpx.Client, acked: Acked) -> None:
    """Every acknowledged document (found by its own question) and chat turn is there."""
    for sid, out in acked.documents.items():
        source = http.get(f"/v1/sources/{sid}")
        assert source.status_code == 200, f"{sid} acknowledged, then lost: {source.text}"
        assert source.json()["chunks"] == out["chunks_written"]
    last = max(acked.documents, key=lambda s: int(s.split("-")[1]))
    town = f"Quarnby{last.split('-')[1]}"
    question = f"How many tonnes of grain does the tide mill in {town} grind a week?"
    answer = http.post("/v1/ask", json={"question": question}).json()
    assert any(c["source_id"] == last for c in answer["citations"]), answer
    for cid, turns in acked.turns.items():
        conv = http.get(f"/v1/conversations/{cid}")
        assert conv.status_code == 200, f"conversation {cid} acknowledged, then lost"
        messages = conv.json()["messages"]
        said = [
            (u["content"], a["content"]) for u, a in zip(messages[::2], messages[1::2], strict=True)
        ]
        assert said[: len(turns)] == turns  # a turn unanswered at the kill may follow


def test_a_killed_serve_whose_chroma_hangs_is_replaced_not_joined(
    seeded_dir: Path, tmp_path: Path
) -> None:
    """The worst case of `shared`: its Chroma child is frozen (SIGSTOP), so the SIGTERM its
    parent's death sends does nothing. The next `rag serve` must neither use it nor run a
    second Chroma beside it over the same files: it waits a little, then kills it."""
    data = shutil.copytree(seeded_dir, tmp_path / "data")
    with RagServer(data, tmp_path) as server:
        assert server.proc is not None
        (old,) = psutil.Process(server.proc.pid).children()
        old_url = httpx.get(f"{server.url}/readyz", timeout=10).json()["vectors"]
        old.suspend()
        try:
            server.kill()
            killed = time.monotonic()
            server.start()
            print(f"serving again {time.monotonic() - killed:.1f} s after the kill")
            assert not old.is_running() or old.status() == psutil.STATUS_ZOMBIE
        finally:
            if old.is_running():
                old.kill()
        ready = httpx.get(f"{server.url}/readyz", timeout=10).json()
        assert ready["vectors"] != old_url
        reply = httpx.post(
            f"{server.url}/v1/ask", json={"question": CHATS[0]}, timeout=60, trust_env=False
        )
        assert reply.status_code == 200 and reply.json()["citations"]
