"""Command line: `rag ingest`, `rag ask`, `rag sources`, `rag delete`, `rag bench`, `rag eval`,
`rag serve`, and `rag llm ...` (rag/cli/llm.py).

Run `rag --help` (or `python -m rag.cli --help`). Commands import the library inside their
bodies, so `rag --help` starts without loading Chroma, LangChain or the embedder.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.markup import escape
from rich.table import Table

from rag.cli.bench import bench_app
from rag.cli.eval import eval_command
from rag.cli.llm import llm_app
from rag.cli.output import (
    GeneratorOption,
    ReaderOption,
    domain_errors,
    err,
    ingest_bar,
    out,
    print_answer,
    settings_with,
)
from rag.config import get_settings
from rag.errors import RagError
from rag.schema import Answer, GroupBy, RequestMode

if TYPE_CHECKING:
    from rag.answering.chain import Event

app = typer.Typer(
    help="Question answering over news articles, with checkable citations.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(llm_app, name="llm")
app.add_typer(bench_app, name="bench")
app.command("eval")(eval_command)


@app.callback()
def check_settings() -> None:
    """Question answering over news articles, with checkable citations."""
    with domain_errors():  # a bad RAG_* value is one clear line before any command runs
        get_settings()


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: seeds/)")
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Drop the whole index first")] = False,
) -> None:
    """Index articles (.txt, .md, .html). Unchanged files are skipped; an interrupted run,
    run again, finishes the rest."""
    from rag.answering.pipeline import open_pipeline
    from rag.documents.loading import discover
    from rag.ingest import IngestProgress, ingest_paths

    settings = get_settings()
    targets = paths or [settings.seeds_dir]
    with domain_errors(), open_pipeline(settings, reset=reset, reader=None) as pipe:
        files = discover(targets)
        with ingest_bar() as bar:
            task = bar.add_task("indexing", total=len(files), rate="")

            def show(p: IngestProgress) -> None:
                rate = f"{p.chunks:,} chunks · {p.chunks_per_second:.1f}/s"
                bar.update(task, completed=p.files_done, rate=rate)

            report = ingest_paths(pipe.store, files, settings, on_progress=show)
    out.print(
        f"added {len(report.added)}, updated {len(report.updated)}, "
        f"unchanged {len(report.unchanged)}, failed {len(report.failed)}; "
        f"{report.chunks} chunks written"
    )
    for path, why in report.failed.items():
        err.print(f"[yellow]skipped[/yellow] {escape(path)}: {escape(why)}")
    if report.failed and not (report.added or report.updated or report.unchanged):
        raise typer.Exit(1)


def _streamed(events: Iterable[Event]) -> Answer:
    """Write an answer's text as it streams; the final Answer."""
    answer: Answer | None = None
    for event in events:
        if event.event == "delta" and isinstance(event.data, str):
            sys.stdout.write(event.data)
            sys.stdout.flush()
        elif event.event == "delta":  # the LLM's text was replaced by a fallback
            sys.stdout.write("\n\n[replaced by the extractive answer]\n")
            sys.stdout.write(event.data["replace"])
        elif event.event == "done" and isinstance(event.data, Answer):
            answer = event.data
    sys.stdout.write("\n")
    assert answer is not None
    return answer


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the Answer JSON")] = False,
    k: Annotated[int | None, typer.Option("-k", min=1, max=50, help="Passages to retrieve")] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only these source ids")
    ] = None,
    generator: GeneratorOption = None,
    reader: ReaderOption = None,
    stream: Annotated[
        bool, typer.Option("--stream", help="Print the answer as it is generated")
    ] = False,
    compare: Annotated[
        bool, typer.Option("--compare", help="Answer per source (compare mode)")
    ] = False,
    outlet: Annotated[
        list[str] | None, typer.Option("--outlet", help="Only articles from these outlets")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or after")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or before")
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Ask as on this day (default today)"),
    ] = None,
    group_by: Annotated[str, typer.Option(help="Compare mode: auto, outlet or article")] = "auto",
) -> None:
    """Answer a question with numbered citations."""
    from rag.answering.pipeline import open_pipeline
    from rag.store.filters import Filters

    settings = settings_with(generator=generator, reader=reader)
    mode: RequestMode = "compare" if compare else "auto"
    if group_by not in ("auto", "outlet", "article"):
        raise typer.BadParameter("--group-by is auto, outlet or article")
    days = [d.date() if d else None for d in (since, until)]
    filters = Filters.of(sources=source, outlets=outlet, since=days[0], until=days[1])
    day = as_of.date() if as_of else None
    grouping = cast(GroupBy, group_by)  # checked above
    with domain_errors(), open_pipeline(settings) as pipe:
        if pipe.store.count() == 0:
            raise RagError("the index is empty: run `rag ingest` first")
        if stream and not json_out:
            events = pipe.chain.events(
                question, k=k, filters=filters, mode=mode, as_of=day, group_by=grouping
            )
            print_answer(_streamed(events), with_text=False)
            return
        answer = pipe.chain.ask(
            question, k=k, filters=filters, mode=mode, as_of=day, group_by=grouping
        )
    if json_out:
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
    else:
        print_answer(answer)


@app.command()
def sources() -> None:
    """List indexed sources with their metadata and chunk counts."""
    from rag.answering.pipeline import embedder_for
    from rag.store.chunks import open_store

    settings = get_settings()
    with domain_errors(), open_store(settings, embedder_for(settings)) as store:
        rows = store.sources()
    table = Table()
    # ids are what --source takes: never cut them short
    width = max((len(s.source_id) for s in rows), default=9)
    table.add_column("source_id", no_wrap=True, min_width=width)
    for header in ("title", "outlet", "published", "chunks"):
        table.add_column(header)
    for s in rows:
        table.add_row(s.source_id, s.title or "", s.outlet or "", s.published or "", str(s.chunks))
    out.print(table)
    if not rows:
        err.print("the index is empty: run `rag ingest`")


@app.command()
def check() -> None:
    """Check the index: every document's chunks, sentence vectors, lexical entries and
    Chroma vectors all there (after a crash, say). Exit 1 when something is not."""
    from rag.answering.pipeline import embedder_for
    from rag.store.chunks import open_store

    settings = get_settings()
    with domain_errors(), open_store(settings, embedder_for(settings)) as store:
        problems = store.verify()
        chunks, sources = store.count(), store.source_count()
    for problem in problems:
        err.print(f"[red]problem:[/red] {escape(problem)}")
    if problems:
        raise typer.Exit(1)
    out.print(f"ok: {sources} sources, {chunks} chunks, each whole")


@app.command()
def delete(source_id: Annotated[str, typer.Argument(help="The source id to remove")]) -> None:
    """Remove one document (all its chunks) from the index."""
    from rag.answering.pipeline import embedder_for
    from rag.documents.loading import validate_source_id
    from rag.store.chunks import open_store

    settings = get_settings()
    with domain_errors(), open_store(settings, embedder_for(settings)) as store:
        removed = store.delete_source(validate_source_id(source_id))
    out.print(f"deleted {source_id} ({removed} chunks)")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Run the HTTP API (native and OpenAI-compatible) under uvicorn."""
    from api.serve import run

    with domain_errors():
        run(host=host, port=port, workers=workers)
