"""`rag bench ingest | scale | load`: ingest against the embedder's limit; latency and memory
by size; speed and correctness under concurrent reads and writes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rag.cli.output import domain_errors, out
from rag.config import get_settings

ARCHIVE = Path("../shared/corpora/realtimeqa-dev/articles")
bench_app = typer.Typer(
    help="Benchmarks: numbers printed, nothing asserted, your index untouched.",
    no_args_is_help=True,
    add_completion=False,
)


@bench_app.command()
def ingest(
    archive: Annotated[Path, typer.Argument(help="A folder of articles")] = ARCHIVE,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N articles")] = None,
    keep: Annotated[
        Path | None, typer.Option(help="Keep the index built here (a new folder)")
    ] = None,
) -> None:
    """Ingest wall time against the embedder alone on the same text: the ratio, chunks/s,
    peak RSS."""
    from eval.bench.ingest import run_ingest_bench

    with domain_errors():
        run_ingest_bench(get_settings(), archive, limit, keep, console=out)


@bench_app.command()
def reader() -> None:
    """The reader's load time, pairs/s, and the latency it adds to an answer (seeds)."""
    from eval.bench.reader import run_reader_bench

    with domain_errors():
        run_reader_bench(get_settings(), console=out)


@bench_app.command()
def scale(
    sizes: Annotated[
        str, typer.Option(help="Index sizes in chunks, comma-separated")
    ] = "2000,27000,100000",
    archive: Annotated[Path, typer.Option(help="Real articles to grow from")] = ARCHIVE,
    questions: Annotated[int, typer.Option(min=5, help="Distinct questions per size")] = 100,
    seed_index: Annotated[
        Path | None, typer.Option(help="A data dir already holding articles (a copy: it is read)")
    ] = None,
) -> None:
    """Answer and compare latency, start-up, first question after a write, and worker RSS,
    as the index grows (with RAG_CATALOG_URL, the catalog on that empty database)."""
    from eval.bench.scale import run_scale_bench

    try:
        wanted = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise typer.BadParameter("sizes must be whole numbers, e.g. 2000,27000") from None
    with domain_errors():
        run_scale_bench(get_settings(), wanted, archive, questions, out, seed_index)


@bench_app.command()
def load(
    clients: Annotated[int, typer.Option(min=1, help="Concurrent reading clients")] = 32,
    seconds: Annotated[float, typer.Option(min=1, help="How long the readers run")] = 60.0,
    adds: Annotated[int, typer.Option(min=0, help="Documents added during the run")] = 200,
    deletes: Annotated[int, typer.Option(min=0, help="Of those, how many are deleted")] = 50,
    workers: Annotated[int, typer.Option(min=1, help="`rag serve` worker processes")] = 2,
    hosts: Annotated[
        int, typer.Option(min=1, help="`rag serve`s with their own data dirs (RAG_CATALOG_URL)")
    ] = 1,
    log: Annotated[Path | None, typer.Option(help="Keep the server log in this file")] = None,
) -> None:
    """Ask, chat, compare, stream and OpenAI requests while documents are added and deleted:
    requests/s and p50/p95/p99 per kind; exit 1 if a write, turn or stream was lost. With
    RAG_CATALOG_URL, the catalog is that (empty) PostgreSQL database; --hosts 2 serves it
    from two data dirs through one Chroma server, as two machines would."""
    from eval.bench.load import LoadPlan
    from eval.bench.load_bench import run_load_bench

    try:
        plan = LoadPlan(clients, seconds, adds, deletes, workers, hosts=hosts)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    with domain_errors():
        settings = get_settings()
        result = run_load_bench(
            settings.seeds_dir, plan, console=out, log=log, catalog_url=settings.catalog_url
        )
    if result.failures():
        raise typer.Exit(1)
