"""After the load run (eval/bench/load.py): check the writes through every worker.

`uvicorn --workers N` shares one port, and the kernel hands each new connection to one
worker, which then serves every request sent over that connection. So a check is run
per worker over one pinned keep-alive connection: opened anew until GET /readyz on it
names a worker not yet pinned, and every reply on it is checked to have come over that
same connection (its httpcore network stream is the same object), so each answer is known
to come from that worker's process. A connection the server closes is replaced, and
pinned again, before its reply counts.

    checks = await verify(base, workers=2, live=docs, gone=deleted, chats={cid: turns})
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from eval.bench.load_traffic import MadeUp

PIN_TRIES = 64  # new connections tried to reach each worker; they land about evenly


class UnpinnedError(RuntimeError):
    """No connection to a worker could be pinned within PIN_TRIES."""


class WorkerLink:
    """One keep-alive connection to `base`, and the worker process serving it."""

    def __init__(self, base: str, timeout: float) -> None:
        self.base, self.timeout = base, timeout
        self.http = self._client()
        self.pid, self.stream = 0, None

    def _client(self) -> httpx.AsyncClient:
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        return httpx.AsyncClient(
            base_url=self.base, limits=one, timeout=self.timeout, trust_env=False
        )

    async def connect(self) -> int:
        """Open a connection and learn its worker's pid (from GET /readyz on it)."""
        await self.http.aclose()
        self.http = self._client()
        probe = await self.http.get("/readyz")
        probe.raise_for_status()
        self.pid, self.stream = int(probe.json()["worker"]), probe.extensions["network_stream"]
        return self.pid

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A request over the pinned connection: repinned to the same worker if replaced."""
        for _ in range(PIN_TRIES):
            reply = await self.http.request(method, url, **kwargs)
            if reply.extensions.get("network_stream") is self.stream:
                return reply
            await self._repin()
        raise UnpinnedError(f"worker {self.pid}: connection kept being replaced")

    async def _repin(self) -> None:
        wanted = self.pid
        for _ in range(PIN_TRIES):
            if await self.connect() == wanted:
                return
        raise UnpinnedError(f"worker {wanted}: no new connection reached it again")

    async def aclose(self) -> None:
        await self.http.aclose()


async def pin_workers(base: str, workers: int, timeout: float = 120.0) -> list[WorkerLink]:
    """One pinned link per worker (fewer if some worker never took a connection)."""
    found: dict[int, WorkerLink] = {}
    for _ in range(PIN_TRIES):
        link = WorkerLink(base, timeout)
        if await link.connect() in found:
            await link.aclose()
        else:
            found[link.pid] = link
        if len(found) >= workers:
            break
    return list(found.values())


@dataclass
class Checks:
    """What the writes look like from each worker (each entry names the worker's pid)."""

    workers: list[int] = field(default_factory=list)
    unanswerable: list[str] = field(default_factory=list)  # added, kept, not cited
    still_present: list[str] = field(default_factory=list)  # deleted, still listed or cited
    turns: int = 0  # conversation turns acknowledged during the run
    lost_turns: list[str] = field(default_factory=list)  # acknowledged, missing afterwards


async def verify(
    base: str,
    workers: int,
    live: Sequence[MadeUp],
    gone: Sequence[MadeUp],
    chats: Mapping[str, Sequence[str]],
) -> Checks:
    """Ask each kept document's question and each deleted one's on every worker, look each
    deleted id up, and read every conversation back."""
    links = await pin_workers(base, workers)
    checks = Checks(workers=sorted(link.pid for link in links))
    checks.turns = sum(len(turns) for turns in chats.values())
    try:
        await asyncio.gather(*(_check(link, live, gone, chats, checks) for link in links))
    finally:
        for link in links:
            await link.aclose()
    return checks


async def _check(
    link: WorkerLink,
    live: Sequence[MadeUp],
    gone: Sequence[MadeUp],
    chats: Mapping[str, Sequence[str]],
    checks: Checks,
) -> None:
    where = f"worker {link.pid}"
    for doc in live:
        reply = await link.request("POST", "/v1/ask", json={"question": doc.question})
        if doc.source_id not in _cited(reply):
            checks.unanswerable.append(f"{doc.source_id} on {where} ({reply.status_code})")
    for doc in gone:
        listed = await link.request("GET", f"/v1/sources/{doc.source_id}")
        if listed.status_code != 404:
            checks.still_present.append(f"{doc.source_id} listed on {where}")
        reply = await link.request("POST", "/v1/ask", json={"question": doc.question})
        if doc.source_id in _cited(reply):
            checks.still_present.append(f"{doc.source_id} cited on {where}")
    for cid, turns in chats.items():
        reply = await link.request("GET", f"/v1/conversations/{cid}")
        kept = (
            [m["content"] for m in reply.json()["messages"] if m["role"] == "user"]
            if reply.status_code == 200
            else []
        )
        for n in missing(turns, kept):
            checks.lost_turns.append(f"{cid} turn {n + 1} ({turns[n]!r}) on {where}")


def merged(checks: Sequence[Checks]) -> Checks:
    """The checks of several hosts as one: every worker's findings, the turns once."""
    return Checks(
        workers=[pid for c in checks for pid in c.workers],
        unanswerable=[x for c in checks for x in c.unanswerable],
        still_present=[x for c in checks for x in c.still_present],
        turns=checks[0].turns if checks else 0,
        lost_turns=[x for c in checks for x in c.lost_turns],
    )


def missing(acknowledged: Sequence[str], kept: Sequence[str]) -> list[int]:
    """Indexes of `acknowledged` messages not found, in order, among `kept` (spaces folded)."""
    folded = [" ".join(k.split()) for k in kept]
    at, lost = 0, []
    for n, message in enumerate(acknowledged):
        try:
            at = folded.index(" ".join(message.split()), at) + 1
        except ValueError:
            lost.append(n)
    return lost


def _cited(reply: httpx.Response) -> list[str]:
    if reply.status_code != 200:
        return []
    return [str(c.get("source_id")) for c in reply.json().get("citations", [])]
