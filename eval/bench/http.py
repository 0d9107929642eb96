"""Benchmark the HTTP API: `python -m eval.bench.http [--requests 40] [--levels 1,8,32]`.

Indexes the seeds into a temporary data dir (or copies `--data-dir`), starts
`rag serve` (extractive generator) on a free loopback port, warms it up, then sends
POST /v1/ask at each concurrency level and reports requests/s, p50/p95 latency and
the server's peak RSS (VmHWM of the server process and any workers).
The questions repeat, so this measures the warm path: embeddings come from the cache.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from eval.bench.common import free_port, peak_rss_mb, percentile, stop, wait_ready

WIDTHS = (5, 5, 6, 7, 8, 8, 12)
QUESTIONS = [
    "Was the minerals deal signed?",
    "What did Zelenskyy say about the minerals deal?",
    "What security guarantees does Ukraine want?",
    "What does Putin want from the negotiations?",
    "Why did the White House meeting break down?",
    "What is in the US-Ukraine minerals agreement?",
    "How does the deal affect Russia?",
    "What did Trump say about Zelenskyy?",
    "Is NATO membership for Ukraine on the table?",
    "What are the three strands of negotiations?",
    "Who is Mike Waltz?",
    "What happened to US military aid to Ukraine?",
]


@dataclass
class Level:
    concurrency: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    peak_rss_mb: float


def prepare_data(data_dir: Path | None, into: Path) -> Path:
    target = into / "data"
    if data_dir is not None:
        shutil.copytree(data_dir, target)
        return target
    from rag.answering.pipeline import open_pipeline
    from rag.config import Settings
    from rag.ingest import ingest_paths

    seeds = Path("seeds")
    settings = Settings(data_dir=target, seeds_dir=seeds, generator="extractive", _env_file=None)
    with open_pipeline(settings) as pipe:
        ingest_paths(pipe.store, [settings.seeds_dir], settings)
    return target


def start_server(data: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_DATA_DIR=str(data), RAG_GENERATOR="extractive", HF_HUB_OFFLINE="1")
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def run_level(base: str, concurrency: int, total: int, pid: int) -> Level:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal errors
        for i in counter:
            started = time.perf_counter()
            reply = await http.post("/v1/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
            latencies.append(time.perf_counter() - started)
            errors += reply.status_code != 200

    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=120, trust_env=False
    ) as http:
        started = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    ms = sorted(x * 1000 for x in latencies)
    return Level(
        concurrency=concurrency,
        requests=len(ms),
        errors=errors,
        seconds=round(seconds, 2),
        rps=round(len(ms) / seconds, 1),
        p50_ms=round(percentile(ms, 50) or 0.0, 1),
        p95_ms=round(percentile(ms, 95) or 0.0, 1),
        peak_rss_mb=peak_rss_mb(pid) or 0.0,
    )


async def bench(base: str, levels: list[int], per_worker: int, pid: int) -> list[Level]:
    async with httpx.AsyncClient(base_url=base, timeout=120, trust_env=False) as http:
        for q in QUESTIONS:  # warm-up: every question once, so embeddings are cached
            (await http.post("/v1/ask", json={"question": q})).raise_for_status()
    # Bounded: per_worker requests per concurrent client, at least 40 and at most 640.
    return [await run_level(base, c, min(640, max(40, c * per_worker)), pid) for c in levels]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,8,32", help="comma-separated concurrency levels")
    parser.add_argument("--requests", type=int, default=10, help="requests per concurrent client")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--data-dir", type=Path, default=None, help="copy this index instead")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]

    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        data = prepare_data(args.data_dir, Path(tmp))
        port = free_port()
        server = start_server(data, port, args.workers)
        try:
            wait_ready(f"http://127.0.0.1:{port}")
            results = asyncio.run(
                bench(f"http://127.0.0.1:{port}", levels, args.requests, server.pid)
            )
        finally:
            stop(server, timeout=15)

    print(f"POST /v1/ask, extractive, {args.workers} worker(s), {os.cpu_count()} CPUs, warm cache")
    head = ("conc", "reqs", "errors", "req/s", "p50 ms", "p95 ms", "peak RSS MB")
    print(" ".join(f"{h:>{w}}" for h, w in zip(head, WIDTHS, strict=True)))
    for r in results:
        row = (r.concurrency, r.requests, r.errors, r.rps, r.p50_ms, r.p95_ms, r.peak_rss_mb)
        print(" ".join(f"{v:>{w}}" for v, w in zip(row, WIDTHS, strict=True)))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
