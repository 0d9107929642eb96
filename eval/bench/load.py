"""Load with writes: `rag bench load [--clients 32] [--seconds 60] [--adds 200] [--deletes 50]`.

`clients` readers send, each in turn, POST /v1/ask (JSON, SSE, and compare mode), POST
/v1/chat (JSON and SSE, each reader in its own conversation) and POST /v1/chat/completions
(JSON and SSE) for `seconds`, while one writer (WRITE_LANES requests in flight) adds `adds`
made-up documents through POST /v1/documents, spread over the run, and deletes `deletes`
of them, each soon after it went in. Should the writer fall behind, the readers go on
until it is done, so every write meets the load (bounded: at most twice `seconds`, and
`max_requests`). Readers ask about the seeds and about the added documents. Loopback only.

Afterwards (eval/bench/load_verify.py), on every worker: each added and kept document is
answerable (cited when its question is asked), each deleted one is gone (404 and never
cited), and every conversation turn a reader got a 2xx for is stored. During the run, an
answer to a request sent after a delete returned must not cite that document.

    result = await run_load("http://127.0.0.1:8000", LoadPlan(clients=8, seconds=12))
    result.failures()   # [] when every check holds

Given several hosts (`rag serve`s with their own data dirs over one PostgreSQL catalog and
one Chroma server), each reader sends its requests to each host in turn, so a chat's
turns alternate hosts; writer lanes add through one host and delete through the next; and
the checks run on every worker of every host.

The plan, the figures and the failure checks are in eval/bench/load_result.py.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx

from eval.bench.http import QUESTIONS
from eval.bench.load_result import KindFigures, LoadPlan, LoadResult, summarize
from eval.bench.load_traffic import MadeUp, Tallies, made_up_documents, send
from eval.bench.load_verify import merged, verify

__all__ = ["MIX", "KindFigures", "LoadPlan", "LoadResult", "run_load"]

MIX = ("ask", "ask-stream", "chat", "compare", "chat-stream", "openai", "openai-stream")
COMPARE = (
    "What does each source say about NATO?",
    "What does each source say about sanctions?",
    "How do the outlets differ on the minerals deal?",
    "What does each source say about security guarantees?",
)
FOLLOW_UPS = ("And what about sanctions?", "What did Trump say about it?", "Why does it matter?")
DELETE_LAG = 1  # a doomed document stays while its lane adds another, so readers may ask
# The writer's requests in flight. On 2 cores under 32 readers one at a time made ~3 writes/s
# and four ~3.7/s (the store takes one write at a time): 250 writes then take ~68 s.
WRITE_LANES = 4
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class _Run:
    """What readers and the writer share while the run lasts."""

    deadline: float
    hard_stop: float
    budget: int
    writing: bool = True
    sent: int = 0
    added: list[MadeUp] = field(default_factory=list)
    deleted: dict[str, float] = field(default_factory=dict)  # source id -> when DELETE returned
    chats: dict[str, list[str]] = field(default_factory=dict)  # conversation -> acked messages
    stale: list[str] = field(default_factory=list)
    write_failures: list[str] = field(default_factory=list)

    def more(self) -> bool:
        """Whether a reader sends another request: until the deadline and the writer are
        both done (so every write meets the load), within the budget and twice the time."""
        self.sent += 1
        now = time.monotonic()
        wanted = now < self.deadline or (self.writing and now < self.hard_stop)
        return wanted and self.sent <= self.budget

    def note_citations(self, cited: list[str], started: float, rid: str) -> None:
        """A reply must not cite a document whose delete returned before it was sent."""
        for sid in dict.fromkeys(cited):
            if self.deleted.get(sid, started) < started:
                self.stale.append(f"{rid} cites {sid}")


async def run_load(base: str | Sequence[str], plan: LoadPlan) -> LoadResult:
    """The load run against the servers at `base` (loopback URLs), then the checks."""
    bases = [base] if isinstance(base, str) else list(base)
    if any(httpx.URL(b).host not in LOOPBACK for b in bases):
        raise ValueError(f"{bases}: the load run only targets loopback addresses")
    docs = made_up_documents(plan.adds, plan.seed)
    tallies = Tallies()
    room = plan.clients + WRITE_LANES
    limits = httpx.Limits(max_connections=room, max_keepalive_connections=room)
    async with AsyncExitStack() as stack:
        hosts = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=b, limits=limits, timeout=plan.timeout, trust_env=False)
            )
            for b in bases
        ]
        started = time.monotonic()
        end, hard_stop = started + plan.seconds, started + 2 * plan.seconds
        run = _Run(deadline=end, hard_stop=hard_stop, budget=plan.max_requests)
        readers = [_reader(n, hosts, plan, run, tallies) for n in range(plan.clients)]
        await asyncio.gather(_writer(hosts, plan, docs, run, tallies), *readers)
        seconds = time.monotonic() - started
    live = [d for d in run.added if d.source_id not in run.deleted]
    gone = [d for d in docs if d.source_id in run.deleted]
    checks = [await verify(b, plan.workers, live, gone, run.chats) for b in bases]
    return summarize(
        plan,
        seconds,
        tallies,
        merged(checks),
        order=(*MIX, "add", "delete"),
        added=len(run.added),
        deleted=len(run.deleted),
        stale=run.stale,
        write_failures=run.write_failures,
    )


async def _reader(
    n: int, hosts: list[httpx.AsyncClient], plan: LoadPlan, run: _Run, tallies: Tallies
) -> None:
    rng = random.Random(plan.seed * 7919 + n)
    cid: str | None = None
    turns: list[str] = []
    i = n
    while run.more():
        kind, i = MIX[i % len(MIX)], i + 1
        question = (
            rng.choice(run.added).question
            if run.added and rng.random() < 0.5
            else rng.choice(QUESTIONS)
        )
        body: dict[str, Any] = {"question": question}
        if kind == "compare":
            body = {"question": rng.choice(COMPARE), "mode": "compare"}
        elif kind.startswith("chat"):
            follow_up = turns and rng.random() < 0.3
            body = {"message": rng.choice(FOLLOW_UPS) if follow_up else question}
            body |= {"conversation_id": cid} if cid else {}
        elif kind.startswith("openai"):
            body = {"model": "rag", "messages": _messages(rng, question)}
        rid, started = f"load-c{n:02d}-{i:05d}", time.monotonic()
        reply = await send(hosts[i % len(hosts)], tallies, kind, body, rid)
        run.note_citations(reply.cited, started, rid)
        if kind.startswith("chat") and reply.status == 200 and reply.broken is None:
            cid = str(reply.data["conversation_id"])
            turns.append(body["message"])
            run.chats[cid] = turns


def _messages(rng: random.Random, question: str) -> list[dict[str, str]]:
    """The OpenAI messages for `question`: alone, or now and then after an earlier turn."""
    last = {"role": "user", "content": question}
    if rng.random() >= 0.3:
        return [last]
    earlier = {"role": "user", "content": rng.choice(QUESTIONS)}
    return [earlier, {"role": "assistant", "content": "It is disputed [1]."}, last]


async def _writer(
    hosts: list[httpx.AsyncClient],
    plan: LoadPlan,
    docs: list[MadeUp],
    run: _Run,
    tallies: Tallies,
) -> None:
    """Add every document, paced over the first 80% of the run, in WRITE_LANES lanes; delete
    the doomed ones (drawn at random) DELETE_LAG additions after they went in. Lane k adds
    through host k and deletes through the next one."""
    doomed = {d.source_id for d in random.Random(plan.seed).sample(docs, plan.deletes)}
    lanes = [docs[n::WRITE_LANES] for n in range(WRITE_LANES)]
    try:
        n = len(hosts)
        await asyncio.gather(
            *(
                _lane((hosts[k % n], hosts[(k + 1) % n]), plan, lane, doomed, run, tallies)
                for k, lane in enumerate(lanes)
            )
        )
    finally:
        run.writing = False


async def _lane(
    hosts: tuple[httpx.AsyncClient, httpx.AsyncClient],
    plan: LoadPlan,
    docs: list[MadeUp],
    doomed: set[str],
    run: _Run,
    tallies: Tallies,
) -> None:
    step = plan.seconds * 0.8 / max(1, len(docs))
    waiting: list[MadeUp] = []
    started = time.monotonic()
    for i, doc in enumerate(docs):
        await asyncio.sleep(max(0.0, started + i * step - time.monotonic()))
        reply = await send(hosts[0], tallies, "add", doc.body(), f"load-add-{doc.source_id}")
        if reply.status in (200, 201):
            run.added.append(doc)
            waiting += [doc] if doc.source_id in doomed else []
        else:
            run.write_failures.append(f"add {doc.source_id}: {reply.status} {reply.broken}")
        while waiting and (len(waiting) > DELETE_LAG or i == len(docs) - 1):
            await _delete(hosts[1], waiting.pop(0), run, tallies)


async def _delete(http: httpx.AsyncClient, doc: MadeUp, run: _Run, tallies: Tallies) -> None:
    rid = f"load-del-{doc.source_id}"
    reply = await send(http, tallies, "delete", {"source_id": doc.source_id}, rid)
    if reply.status == 200:
        run.deleted[doc.source_id] = time.monotonic()
    else:
        run.write_failures.append(f"delete {doc.source_id}: {reply.status} {reply.broken}")
