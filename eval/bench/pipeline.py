"""Benchmarks: ingest throughput, retrieval and end-to-end latency, compare-mode scaling.

Run: `rag bench [--chunks 2000] [--queries 50]`. Prints numbers; asserts nothing.
Every run works in temporary data directories, never in the user's index.
"""

from __future__ import annotations

import json
import random
import resource
import tempfile
import time
from importlib.resources import files
from pathlib import Path

from rich.console import Console
from rich.table import Table

from eval.bench.common import p50_p95, timed_ms
from rag.config import Settings
from rag.documents import load_documents
from rag.ingest import ingest_paths
from rag.pipeline import Pipeline, open_pipeline
from rag.text import sentences

GOLD = files("eval") / "gold" / "news.jsonl"
FILLER = [
    "Lisbon",
    "Oslo",
    "Nairobi",
    "Quito",
    "Hanoi",
    "Tbilisi",
    "Accra",
    "Lima",
    "Riga",
    "Dakar",
    "copper",
    "cobalt",
    "wheat",
    "tariffs",
    "pipelines",
    "elections",
    "drones",
]


def synthetic_corpus(seeds: Path, folder: Path, articles: int, seed: int = 0) -> None:
    """`articles` made-up news files built from shuffled seed sentences with swapped names."""
    rng = random.Random(seed)
    pool = [d.text[s.start : s.end] for d in load_documents([seeds]) for s in sentences(d.text)]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(articles):
        picked = rng.sample(pool, k=min(len(pool), 36))
        lines = []
        for j in range(0, len(picked), 4):
            para = " ".join(picked[j : j + 4])
            for _ in range(3):
                para = para.replace(
                    rng.choice(["Ukraine", "Russia", "Trump", "Europe"]), rng.choice(FILLER), 1
                )
            lines.append(para)
        (folder / f"synthetic_{i:04d}.txt").write_text(f"Synthetic Report {i}\n" + "\n".join(lines))


def questions(limit: int) -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text().splitlines() if line.strip()]
    plain = [r["question"] for r in rows if r["type"] != "compare"]
    return (plain * (limit // max(1, len(plain)) + 1))[:limit]


def _measure(pipe: Pipeline, qs: list[str]) -> tuple[list[float], list[float]]:
    pipe.chain.ask(qs[0])  # warm: the embedder's first run, the page cache
    retrieve = [timed_ms(lambda q=q: pipe.retriever.retrieve(q)) for q in qs]  # type: ignore[misc]
    pipe.store.embedder.clear_cache()
    end_to_end = [timed_ms(lambda q=q: pipe.chain.ask(q, mode="answer")) for q in qs]  # type: ignore[misc]
    return retrieve, end_to_end


def run_benchmarks(settings: Settings, large_chunks: int, queries: int, console: Console) -> None:
    seeds = settings.seeds_dir
    qs = questions(queries)
    table = Table(
        "corpus",
        "docs",
        "chunks",
        "ingest s",
        "chunks/s",
        "retrieve p50/p95 ms",
        "end-to-end p50/p95 ms",
        title="Ingest and query (extractive)",
    )
    compare = Table("sources", "chunks", "compare p50/p95 ms", title="Compare mode scaling")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        synthetic_corpus(seeds, root / "large", articles=max(1, large_chunks // 6))
        for name, paths in (("seeds", [seeds]), ("synthetic", [root / "large", seeds])):
            cfg = settings.model_copy(
                update={"data_dir": root / f"data-{name}", "chroma_url": None}
            )
            with open_pipeline(cfg) as pipe:
                start = time.perf_counter()
                report = ingest_paths(pipe.store, paths, cfg)
                seconds = time.perf_counter() - start
                n_chunks = pipe.store.count()
                if name == "synthetic" and n_chunks < large_chunks:
                    console.print(f"[yellow]only {n_chunks} chunks were generated[/yellow]")
                retrieve, e2e = _measure(pipe, qs)
                table.add_row(
                    name,
                    str(len(report.added)),
                    str(n_chunks),
                    f"{seconds:.1f}",
                    f"{report.chunks / seconds:.0f}",
                    p50_p95(retrieve),
                    p50_p95(e2e),
                )
        # Compare mode: 5 sources (the seeds) against 50 (seeds + 45 synthetic).
        synthetic_corpus(seeds, root / "compare", articles=45, seed=1)
        topics = [
            "NATO",
            "sanctions",
            "European peacekeepers",
            "the minerals fund",
            "security guarantees",
        ]
        for name, paths in (("5", [seeds]), ("50", [seeds, root / "compare"])):
            cfg = settings.model_copy(update={"data_dir": root / f"cmp-{name}", "chroma_url": None})
            with open_pipeline(cfg) as pipe:
                ingest_paths(pipe.store, paths, cfg)
                pipe.chain.ask(topics[0], mode="compare")  # warm the page cache
                pipe.store.embedder.clear_cache()
                ms = [
                    timed_ms(lambda t=t: pipe.chain.ask(t, mode="compare"))  # type: ignore[misc]
                    for t in topics * 2
                ]
                compare.add_row(name, str(pipe.store.count()), p50_p95(ms))
    console.print(table)
    console.print(compare)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"{len(qs)} queries per measurement · peak RSS {rss:.0f} MiB")
    console.print(
        "first query of each timing loop runs with a cold sentence-embedding cache; "
        "repeats of a question hit it"
    )
