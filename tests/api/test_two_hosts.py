"""Two hosts for real: two `rag serve` processes, each over its own data dir, sharing one
PostgreSQL database (catalog and conversations), one `chroma run` and one redis-server
(rate-limit counts). A write through one is answered through the other at its next request,
a chat continues across them, one rate limit holds across both, and `kill -9` of one while
it writes loses nothing it acknowledged (the other serves it whole; `rag check` agrees).

Each check uses its own API key, so each starts with its own full allowance of the limit.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.postgres import PgServer
from tests.redis_server import RedisServer
from tests.servers import ChromaServer, RagServer, clean_env

pytestmark = pytest.mark.integration

LIMIT = "150/minute"  # above what any one check sends with its key, but for the rate check
KEYS = ("k-docs", "k-chat", "k-rate", "k-write", "k-read")
WRITES, ENOUGH = 30, 8  # documents the writer sends to host A; acknowledged before the kill


def article(source_id: str, title: str, *sentences: str) -> dict[str, str]:
    return {
        "source_id": source_id,
        "title": title,
        "outlet": "Marsh Gazette",
        "text": "\n".join([title, *sentences]) + "\n",
    }


SEEDED = [  # made up: the seeds' people and places appear nowhere here
    article(
        "brinmoor-bridge",
        "Brinmoor opens a rope bridge over the Tallow gorge",
        "The rope bridge in Brinmoor spans 212 metres and opened on Friday.",
        "Engineer Petra Lusk said the bridge carries 900 walkers a day.",
    ),
    article(
        "keltrin-quinces",
        "Keltrin growers pick a record quince harvest",
        "The Keltrin cooperative picked 48,000 crates of quinces this autumn.",
        "Grower Tomas Eyre said the frost held off until November.",
    ),
    article(
        "vantholm-telescopes",
        "Vantholm library lends telescopes",
        "The public library in Vantholm now lends 35 telescopes to its readers.",
        "Librarian Ines Corr said the waiting list reached 300 names in a week.",
    ),
]
GLIDER = article(
    "duskwater-glider",
    "Duskwater glider pilot sets a club record",
    "A glider from the Duskwater club stayed aloft for 11 hours on Sunday.",
    "Pilot Mara Quell said the thermals over the salt flats never weakened.",
)
GLIDER_QUESTION = "How many hours did the glider from the Duskwater club stay aloft?"
CHAT = ("How long is the rope bridge in Brinmoor?", "and how many walkers does it carry?")
SYLLABLES = ("bra", "cul", "dem", "fos", "gri", "hal", "jun", "kev")


def town(i: int) -> str:
    """A made-up town name of its own per `i` (< 64), so each mill is found by its name."""
    return (SYLLABLES[i % 8] + SYLLABLES[i // 8 % 8]).title() + "stead"


def mill(i: int) -> dict[str, str]:
    name = town(i)
    return article(
        f"mill-{i}",
        f"{name} opens a tide mill",
        f"The tide mill in {name} grinds {100 + i} tonnes of grain a week.",
        f"Miller Oda Venn said the {name} mill first ran on the spring tide.",
    )


def mill_question(source_id: str) -> str:
    name = town(int(source_id.removeprefix("mill-")))
    return f"How many tonnes of grain does the tide mill in {name} grind a week?"


@dataclass
class Hosts:
    a: RagServer
    b: RagServer
    shared: dict[str, str]  # the RAG_* settings both hosts have
    where: Path


def client(server: RagServer, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
        trust_env=False,
    )


@pytest.fixture(scope="module")
def hosts(postgres: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    """Hosts A and B started side by side; three articles added through A."""
    where = tmp_path_factory.mktemp("two-hosts")
    with ExitStack() as stack:
        chroma = stack.enter_context(ChromaServer(where / "chroma"))
        redis = stack.enter_context(RedisServer(where / "redis"))
        shared = {
            "RAG_CATALOG_URL": postgres.new_database(),
            "RAG_CHROMA_URL": chroma.url,
            "RAG_API_KEYS": ",".join(KEYS),
            "RAG_RATE_LIMIT": LIMIT,
            "RAG_RATE_LIMIT_STORAGE": redis.url,
            "RAG_GENERATOR": "extractive",
            "RAG_READER": "none",
            "RAG_VERIFIER": "none",
        }
        a, b = (RagServer(where / host, where, 1, **shared) for host in ("a", "b"))
        for server in (a, b):
            stack.callback(server.stop)
        with ThreadPoolExecutor(2) as pool:  # as two machines would: at the same time
            list(pool.map(RagServer.start, (a, b)))
        with client(a, "k-docs") as http:
            for doc in SEEDED:
                added = http.post("/v1/documents", json=doc)
                assert added.status_code == 201, added.text
        yield Hosts(a, b, shared, where)


def cited(http: httpx.Client, question: str) -> set[str]:
    reply = http.post("/v1/ask", json={"question": question})
    assert reply.status_code == 200, reply.text
    return {c["source_id"] for c in reply.json()["citations"]}


def test_a_document_added_through_a_is_answered_through_b_and_deleted_through_b(
    hosts: Hosts,
) -> None:
    with client(hosts.a, "k-docs") as a, client(hosts.b, "k-docs") as b:
        added = a.post("/v1/documents", json=GLIDER)
        assert added.status_code == 201, added.text
        assert "duskwater-glider" in cited(b, GLIDER_QUESTION)  # B's very next request
        gone = b.delete("/v1/documents/duskwater-glider")
        assert gone.status_code == 200, gone.text
        assert gone.json()["deleted_chunks"] == added.json()["chunks_written"]
        assert a.get("/v1/sources/duskwater-glider").status_code == 404
        assert "duskwater-glider" not in cited(a, GLIDER_QUESTION)


def test_a_chat_started_through_a_continues_through_b(hosts: Hosts) -> None:
    with client(hosts.a, "k-chat") as a, client(hosts.b, "k-chat") as b:
        first = a.post("/v1/chat", json={"message": CHAT[0]})
        assert first.status_code == 200, first.text
        cid = first.json()["conversation_id"]
        follow = b.post("/v1/chat", json={"conversation_id": cid, "message": CHAT[1]})
        assert follow.status_code == 200, follow.text
        assert follow.json()["conversation_id"] == cid
        conv = b.get(f"/v1/conversations/{cid}")
        assert conv.status_code == 200, conv.text
        messages = conv.json()["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant"] * 2
        assert tuple(m["content"] for m in messages[::2]) == CHAT
        assert conv.json() == a.get(f"/v1/conversations/{cid}").json()


def test_one_rate_limit_holds_across_both_hosts(hosts: Hosts) -> None:
    allowed = int(LIMIT.split("/")[0])
    with client(hosts.a, "k-rate") as a, client(hosts.b, "k-rate") as b:
        codes = [(a, b)[n % 2].get("/v1/models").status_code for n in range(allowed)]
        assert codes == [200] * allowed  # half through each host
        for http in (a, b):  # the next one through either host is over
            over = http.get("/v1/models")
            assert over.status_code == 429, over.text
            assert 1 <= int(over.headers["retry-after"]) <= 60
            assert over.json()["error"]["type"] == "rate_limit_error"
            assert LIMIT in over.json()["detail"]


@dataclass
class Writes:
    """What host A acknowledged (source id: chunks written), and what got no reply."""

    acked: dict[str, int] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # a non-2xx reply: none is expected


def post_mills(server: RagServer, writes: Writes) -> None:
    with client(server, "k-write") as http:
        for i in range(WRITES):
            doc = mill(i)
            try:
                reply = http.post("/v1/documents", json=doc)
            except httpx.TransportError:
                writes.unanswered.append(doc["source_id"])
                return  # the host is gone
            if reply.is_success:
                writes.acked[doc["source_id"]] = reply.json()["chunks_written"]
            else:
                writes.refused.append(f"{doc['source_id']}: {reply.status_code} {reply.text}")


def mid_write(catalog_url: str, timeout: float) -> bool:
    """Wait until a document write is under way (its pending vector ids committed, not yet
    cleared); False if none was caught within `timeout`."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(catalog_url, autocommit=True) as db:
        while time.monotonic() < deadline:
            row = db.execute("SELECT count(*) FROM pending").fetchone()
            if row and row[0]:
                return True
    return False


def write_then_kill(hosts: Hosts) -> tuple[Writes, bool]:
    """A thread posts mills to host A; once ENOUGH are acknowledged, `kill -9` of A, in the
    middle of a document write if one is caught. Whether one was, too."""
    writes = Writes()
    writer = threading.Thread(target=post_mills, args=(hosts.a, writes), daemon=True)
    writer.start()
    deadline = time.monotonic() + 60
    while len(writes.acked) < ENOUGH:
        assert time.monotonic() < deadline and writer.is_alive(), writes
        time.sleep(0.02)
    caught = mid_write(hosts.shared["RAG_CATALOG_URL"], timeout=3)
    hosts.a.kill()
    writer.join(timeout=40)
    assert not writer.is_alive(), "the writer still waits on a killed host"
    assert not writes.refused, writes.refused
    assert len(writes.acked) < WRITES, "the kill came after the last write"
    return writes, caught


def rag_check(hosts: Hosts) -> subprocess.CompletedProcess[str]:
    """`rag check` with the shared settings, from a fresh data dir of its own."""
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", "check"],
        env=clean_env(RAG_DATA_DIR=str(hosts.where / "check"), **hosts.shared),
        cwd=hosts.where,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_kill_9_of_a_host_during_writes_loses_nothing_it_acknowledged(hosts: Hosts) -> None:
    writes, caught = write_then_kill(hosts)
    print(
        f"kill -9 of host A after {len(writes.acked)} of {WRITES} documents acknowledged, "
        f"mid-write: {caught}; no reply for: {writes.unanswered}"
    )
    with client(hosts.b, "k-read") as b:
        for sid, chunks in writes.acked.items():
            source = b.get(f"/v1/sources/{sid}")
            assert source.status_code == 200, f"{sid} acknowledged, then lost: {source.text}"
            assert source.json()["chunks"] == chunks
            assert sid in cited(b, mill_question(sid)), f"{sid} listed, not answerable"
        present = []
        for sid in writes.unanswered:  # whole or absent, never half-written
            listed = b.get(f"/v1/sources/{sid}").status_code
            assert listed in (200, 404), listed
            assert (sid in cited(b, mill_question(sid))) == (listed == 200), (sid, listed)
            present += [sid] if listed == 200 else []
        print(f"no reply, yet whole through host B: {present or 'none'}")
        sources = b.get("/v1/sources", params={"limit": 1000}).json()["sources"]
        mills = {s["source_id"] for s in sources if s["source_id"].startswith("mill-")}
        assert mills == set(writes.acked) | set(present)
    check = rag_check(hosts)  # after the reads: it finishes (recovers) a killed write first
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"ok: {len(sources)} sources" in check.stdout, check.stdout
