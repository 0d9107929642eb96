"""Query latency and memory as the index grows: 2k, 27k and 100k chunks by default.

Run: `rag bench scale [--archive DIR] [--sizes 2000,27000,100000] [--questions N]`.
Prints numbers; asserts nothing; works in a temporary data dir.

The index grows in one data dir: real articles first (the shared archive, or synthetic
articles made from the seeds where it is absent), then, past what they give, copies of
indexed articles written with their stored vectors (slightly perturbed, so no two are the
same point), which costs no embedding. At each size a fresh `rag serve` (one worker; the
data dir served through `chroma run`, as `rag serve` does) is measured over HTTP:
- start: seconds from launch to /readyz, then the first question's latency;
- answer and compare-mode p50/p95 over distinct questions, once warm;
- the first question after adding one document;
- the worker's resident memory, now and at its peak (the Chroma server not counted).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
from rich.console import Console
from rich.table import Table

from eval.bench.common import (
    current_rss_mb,
    free_port,
    p50_p95,
    peak_rss_mb,
    stop,
    synthetic_articles,
    wait_ready,
)
from rag.answering.pipeline import open_pipeline
from rag.config import Settings
from rag.documents.chunking import Chunk
from rag.documents.loading import Document, discover
from rag.embedding.embedders import unit_rows
from rag.ingest import ingest_paths
from rag.store.chunks import ChunkStore, Prepared

SEEDS = Path("seeds")
QUESTIONS = Path("../shared/corpora/realtimeqa-dev/questions.jsonl")
TOPICS = ("inflation", "layoffs", "the debt ceiling", "climate change", "the Supreme Court")
ADDED = (
    "Port Ellis opens its new ferry terminal\n"
    "The new ferry terminal in Port Ellis cost 40 million dollars and opened on Monday.\n"
    "Mayor Ana Ruiz said the terminal doubles the daily crossings to the islands.\n"
)


@dataclass(frozen=True)
class SizeFigures:
    chunks: int
    sources: int
    ready_s: float
    first_ms: float
    answer_ms: list[float]
    compare_ms: list[float]
    after_add_ms: float
    rss_mb: float | None
    peak_rss_mb: float | None


def questions_for(limit: int) -> list[str]:
    """Distinct questions: the shared archive's quiz, or the seeds' gold questions."""
    if QUESTIONS.is_file():
        rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    else:
        gold = Path(__file__).resolve().parent.parent / "gold" / "news.jsonl"
        rows = [json.loads(line) for line in gold.read_text().splitlines() if line.strip()]
    return list(dict.fromkeys(str(r["question"]) for r in rows))[: limit + 1]


def copy_documents(store: ChunkStore, needed: int, seed: int = 0) -> None:
    """Add copies of indexed documents (new ids, their stored vectors perturbed) until
    `needed` more chunks are indexed."""
    rng = np.random.default_rng(seed)
    sources = [s.source_id for s in store.sources()]
    round_ = 0
    while needed > 0:
        round_ += 1

        def noisy(vectors: np.ndarray) -> np.ndarray:
            return unit_rows(vectors + rng.normal(0.0, 0.01, vectors.shape))

        copies = (_prepared(store, sid, f"{sid}-copy{round_}", noisy) for sid in sources)
        needed = _write_until(store, copies, needed)


def import_index(store: ChunkStore, source: ChunkStore, needed: int) -> None:
    """Add `source`'s documents as they are (ids, text, stored vectors: no embedding) until
    `needed` more chunks are indexed or it has no more."""
    have = {s.source_id for s in store.sources()}
    todo = (s.source_id for s in source.sources() if s.source_id not in have)
    _write_until(store, (_prepared(source, sid, sid, lambda v: v) for sid in todo), needed)


def _prepared(
    source: ChunkStore, sid: str, new_id: str, vectors_of: Callable[[np.ndarray], np.ndarray]
) -> Prepared | None:
    """`sid` of `source` as a write under `new_id`, its chunk vectors through `vectors_of`."""
    chunks = source.source_chunks(sid, vectors=True)
    if not chunks:
        return None
    info = source.source(sid)
    doc = Document(
        source_id=new_id,
        text=source.document_text(sid),
        title=info.title,
        outlet=info.outlet,
        published=info.published,
    )
    copies = [
        Chunk(
            chunk_id=f"{new_id}:{c.index:04d}",
            source_id=new_id,
            index=c.index,
            text=c.text,
            start=c.start,
            end=c.end,
            sentences=c.sentences,
            tokens=0,
        )
        for c in chunks
    ]
    vectors = vectors_of(source.chunk_vectors([c.chunk_id for c in chunks]))
    sentence_vectors = [c.vectors for c in chunks if c.vectors is not None]
    return Prepared(doc, copies, vectors, sentence_vectors)


def _write_until(store: ChunkStore, writes: Iterable[Prepared | None], needed: int) -> int:
    """Write `writes` in groups of about 2,000 chunks until `needed` chunks are written; the
    chunks still needed (0 or less when done)."""
    group: list[Prepared] = []
    for write in writes:
        if write is None:
            continue
        group.append(write)
        needed -= len(write.chunks)
        if sum(len(p.chunks) for p in group) >= 2000 or needed <= 0:
            store.write(group)
            group = []
        if needed <= 0:
            return needed
    if group:
        store.write(group)
    return needed


def grow(
    settings: Settings,
    articles: list[Path],
    size: int,
    console: Console,
    seed_index: ChunkStore | None = None,
) -> None:
    """Index real articles (or take `seed_index`'s, already embedded) until the index holds
    `size` chunks, then copies if needed."""
    with open_pipeline(settings) as pipe:
        store = pipe.store
        if seed_index is not None:
            import_index(store, seed_index, size - store.count())
            articles = []
        have = {s.source_id for s in store.sources()}
        todo = [p for p in articles if p.stem not in have]
        while store.count() < size and todo:
            batch, todo = todo[:50], todo[50:]
            ingest_paths(store, batch, settings)
            console.print(f"  {store.count():,} chunks", end="\r")
        if store.count() < size:
            copy_documents(store, size - store.count())
        console.print(f"  {store.count():,} chunks in {store.source_count():,} sources")


def ask_ms(http: httpx.Client, question: str, mode: str = "answer") -> float:
    started = time.perf_counter()
    reply = http.post("/v1/ask", json={"question": question, "mode": mode})
    reply.raise_for_status()
    return (time.perf_counter() - started) * 1000


def measure(settings: Settings, questions: list[str], log: Path) -> SizeFigures:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_DATA_DIR=str(settings.data_dir), HF_HUB_OFFLINE="1")
    if settings.catalog_url:  # the catalog on PostgreSQL, as the bench's own writes were
        env.update(RAG_CATALOG_URL=settings.catalog_url)
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with log.open("a") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_ready(base, timeout=300)
        ready = time.perf_counter() - started
        with httpx.Client(base_url=base, timeout=300, trust_env=False) as http:
            first = ask_ms(http, questions[0])
            answers = [ask_ms(http, q) for q in questions[1:]]
            compares = [ask_ms(http, t, "compare") for t in TOPICS * 2]
            body = {"source_id": "bench-added", "outlet": "Ellis Post", "text": ADDED}
            http.post("/v1/documents", json=body).raise_for_status()
            after = ask_ms(http, "How much did the ferry terminal in Port Ellis cost?")
            ready_info = http.get("/readyz").json()
            chunks = int(ready_info["chunks"])
            sources = int(http.get("/v1/sources?limit=1").json()["total"])
            http.delete("/v1/documents/bench-added").raise_for_status()
        rss, peak = current_rss_mb(proc.pid), peak_rss_mb(proc.pid, children=False)
    finally:
        stop(proc, timeout=30)
    return SizeFigures(chunks, sources, ready, first, answers, compares, after, rss, peak)


def run_scale_bench(
    settings: Settings,
    sizes: list[int],
    archive: Path,
    questions: int,
    console: Console,
    seed_index: Path | None = None,
) -> list[SizeFigures]:
    """Grow and measure at each size. With RAG_CATALOG_URL (an empty PostgreSQL database)
    the catalog is there; `seed_index`, a data dir that already holds articles, is read
    instead of embedding them (opening it may migrate its catalog: give a copy)."""
    rows: list[SizeFigures] = []
    asked = questions_for(questions)
    with tempfile.TemporaryDirectory(prefix="rag-bench-scale-") as tmp, ExitStack() as stack:
        local = settings.updated(data_dir=Path(tmp) / "data", chroma_url=None)
        seed = None
        if seed_index is not None:
            seeded = settings.updated(data_dir=seed_index, chroma_url=None, catalog_url=None)
            seed = stack.enter_context(open_pipeline(seeded, reader=None, verifier=None)).store
        if archive.is_dir():
            articles = discover([archive])
        else:
            console.print(f"[yellow]no archive at {archive}: synthetic articles instead[/]")
            articles = synthetic_articles(SEEDS, Path(tmp) / "synthetic", max(sizes) // 6 + 1)
        for size in sorted(sizes):
            console.print(f"growing to {size:,} chunks …")
            grow(local, articles, size, console, seed)
            rows.append(measure(local, asked, Path(tmp) / "serve.log"))
            report(console, rows, len(asked) - 1)
    return rows


def report(console: Console, rows: list[SizeFigures], questions: int) -> None:
    table = Table(title=f"Query latency and memory by index size ({os.cpu_count()} CPUs)")
    table.add_column("figure")
    for r in rows:
        table.add_column(f"{r.chunks:,} chunks", justify="right")
    figures: list[tuple[str, Callable[[SizeFigures], str]]] = [
        ("sources", lambda r: f"{r.sources:,}"),
        ("start to ready, s", lambda r: f"{r.ready_s:.1f}"),
        ("first question, ms", lambda r: f"{r.first_ms:.0f}"),
        ("answer p50 / p95, ms", lambda r: p50_p95(r.answer_ms)),
        ("compare p50 / p95, ms", lambda r: p50_p95(r.compare_ms)),
        ("first after a write, ms", lambda r: f"{r.after_add_ms:.0f}"),
        ("worker RSS (peak), MB", lambda r: f"{r.rss_mb or 0:,.0f} ({r.peak_rss_mb or 0:,.0f})"),
    ]
    for name, cell in figures:
        table.add_row(name, *(cell(r) for r in rows))
    console.print(table)
    console.print(
        f"answer: {questions} distinct questions, extractive, over HTTP to one `rag serve` "
        "worker (vectors in its `chroma run`); compare: 5 topics twice; first q: the first "
        "question after /readyz"
    )
