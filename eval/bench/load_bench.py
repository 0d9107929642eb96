"""`rag bench load`: the load run with writes (eval/bench/load.py) against a fresh server.

Indexes the seeds into a temporary data dir (the default MiniLM embedder), starts
`rag serve --workers N` over it (extractive generator; the index shared through the
`chroma run` that `rag serve` starts) on a free loopback port, runs the load, stops the
server, and prints requests/s and p50/p95/p99 per request kind and overall, then the
correctness figures. The data dir and the server log are deleted afterwards unless
`log` names a file to keep the log in.

With `plan.hosts` above one (and a PostgreSQL `catalog_url`), it stands in for several
machines: one `chroma run`, and that many `rag serve`s, each with its own data dir, over
the one catalog and the one Chroma server.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import httpx
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eval.bench.common import free_port, stop, wait_ready
from eval.bench.load import run_load
from eval.bench.load_result import KindFigures, LoadPlan, LoadResult
from rag.answering.pipeline import open_pipeline
from rag.config import Settings
from rag.errors import ConfigError
from rag.ingest import ingest_paths
from rag.supervisor import ChildServer

LOG_LINES_SHOWN = 40  # of the server log's error lines, when a check fails


def run_load_bench(
    seeds: Path,
    plan: LoadPlan,
    console: Console,
    log: Path | None = None,
    catalog_url: str | None = None,
) -> LoadResult:
    """Index `seeds`, serve them with `plan.workers` workers on each of `plan.hosts` hosts,
    run `plan`, print the figures."""
    if plan.hosts > 1 and not catalog_url:
        raise ConfigError("several hosts share a PostgreSQL catalog: set RAG_CATALOG_URL")
    with tempfile.TemporaryDirectory(prefix="rag-bench-load-") as tmp, ExitStack() as stack:
        shared = _shared(Path(tmp), plan, catalog_url, stack)
        settings = Settings(
            data_dir=Path(tmp) / "data-0",
            seeds_dir=seeds,
            generator="extractive",
            _env_file=None,
            **shared,  # type: ignore[arg-type]
        )
        console.print(f"indexing {seeds} …")
        with open_pipeline(settings) as pipe:
            if catalog_url and pipe.store.count():  # its writes and deletes would mix in
                raise ConfigError("the load run needs an empty database at RAG_CATALOG_URL")
            ingest_paths(pipe.store, [seeds], settings)
        server_log = log or Path(tmp) / "serve.log"
        bases = [f"http://127.0.0.1:{free_port()}" for _ in range(plan.hosts)]
        console.print(f"starting {plan.hosts} × rag serve --workers {plan.workers} …")
        env = {f"RAG_{k.upper()}": v for k, v in shared.items()}
        for n, base in enumerate(bases):
            data = Path(tmp) / f"data-{n}"
            proc = _serve(data, base, plan.workers, Path(tmp), server_log, env)
            stack.callback(stop, proc, 30)
        for base in bases:
            wait_ready(base, timeout=180)
        console.print(
            f"{plan.clients} clients for {plan.seconds:g} s, "
            f"{plan.adds} adds and {plan.deletes} deletes …"
        )
        result = asyncio.run(run_load(bases, plan))
        stack.close()
        report(console, result)
        if result.failures():
            _show_errors(console, server_log)
    return result


def _shared(tmp: Path, plan: LoadPlan, catalog_url: str | None, stack: ExitStack) -> dict[str, str]:
    """The settings every host shares: the catalog and, for several hosts, one Chroma server
    (one host serves its data dir's own, as `rag serve` does)."""
    if not catalog_url:
        return {}
    if plan.hosts == 1:
        return {"catalog_url": catalog_url}
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    cmd = [str(chroma), "run", "--path", str(tmp / "chroma"), "--host", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}"
    server = ChildServer(
        [*cmd, "--port", str(port)], f"{url}/api/v2/heartbeat", tmp / "chroma.log", "chroma run"
    )
    stack.enter_context(server)
    return {"catalog_url": catalog_url, "chroma_url": url}


def _serve(
    data: Path, base: str, workers: int, cwd: Path, log: Path, shared: dict[str, str]
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    port = str(httpx.URL(base).port)
    env.update(
        shared,
        RAG_DATA_DIR=str(data),
        RAG_GENERATOR="extractive",
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
    )
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--host", "127.0.0.1", "--port", port]
    with log.open("a") as err:  # a file, not a pipe: a full pipe would stall the server
        return subprocess.Popen(
            [*cmd, "--workers", str(workers)],
            cwd=cwd,  # no stray .env: the settings are the variables above
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def report(console: Console, r: LoadResult) -> None:
    """The speed table, then the correctness figures and any failed check."""
    p = r.plan
    table = Table(
        title=f"{p.clients} clients, {r.seconds:g} s, {p.workers} workers, "
        f"{os.cpu_count()} CPUs, extractive; latency in ms"
    )
    for name in ("kind", "reqs", "req/s", "p50", "p95", "p99", "5xx", "broken", "other"):
        table.add_column(name, justify="left" if name == "kind" else "right")
    statuses: Counter[int] = Counter()
    for k in r.kinds:
        statuses.update(k.statuses)
    every = KindFigures(
        "all", r.requests, r.p50_ms, r.p95_ms, r.p99_ms, dict(statuses), r.server_errors, 0
    )
    for k in [*r.kinds, every]:
        broken = sum(x.broken for x in r.kinds) if k is every else k.broken
        other = sum(n for s, n in k.statuses.items() if not 200 <= s < 300 and s < 500)
        table.add_row(
            k.kind,
            str(k.requests),
            f"{k.requests / r.seconds:.1f}",
            *(f"{ms:.0f}" for ms in (k.p50_ms, k.p95_ms, k.p99_ms)),
            str(k.server_errors),
            str(broken),
            str(other),
            style="bold" if k is every else None,
        )
    console.print(table)
    console.print(
        f"5xx: {r.server_errors}   broken streams: {r.broken_streams}   "
        f"other failed requests: {r.other_failures}\n"
        f"documents: {r.added}/{p.adds} added, {r.deleted}/{p.deletes} deleted; "
        f"checked on workers {', '.join(map(str, r.workers)) or 'none'}\n"
        f"added, not answerable: {len(r.unanswerable)}   "
        f"deleted, still present: {len(r.still_present)}\n"
        f"answers citing a document deleted before they were sent: {len(r.stale_citations)}\n"
        f"conversation turns acknowledged: {r.turns}, lost: {len(r.lost_turns)}"
    )
    details = [
        *r.write_failures,
        *r.unanswerable,
        *r.still_present,
        *r.stale_citations,
        *r.lost_turns,
        *r.incidents,
    ]
    for line in details[:LOG_LINES_SHOWN]:
        console.print(f"  {escape(line)}", soft_wrap=True)
    failed = r.failures()
    verdict = (
        "[green]all checks passed[/]" if not failed else "[red]FAILED:[/] " + "; ".join(failed)
    )
    console.print(verdict)


def _show_errors(console: Console, log: Path) -> None:
    lines = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if "Error" in line or "Traceback" in line or "ERROR" in line
    ]
    if lines:
        console.print(f"server log ({log}), error lines:")
        for line in lines[:LOG_LINES_SHOWN]:
            console.print(f"  {escape(line)}", soft_wrap=True)
