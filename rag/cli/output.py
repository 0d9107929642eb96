"""What the command line shows: consoles, one-line domain errors, progress bars, answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from rag.config import Settings, get_settings
from rag.errors import RagError
from rag.llm.model import OnBytes
from rag.schema import Answer

out = Console()
err = Console(stderr=True)


@contextmanager
def domain_errors() -> Iterator[None]:
    """Print a domain error as one clear line and exit 2, instead of a traceback."""
    try:
        yield
    except RagError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from exc


# Options `rag ask` and `rag eval` share: the setting of that name, for this run only.
GeneratorOption = Annotated[str | None, typer.Option("--generator", help="extractive|openai|local")]
ReaderOption = Annotated[
    str | None, typer.Option("--reader", help="local|none|a CrossEncoder path or id")
]


def settings_with(**overrides: Any) -> Settings:
    """The configured settings with the options given on the command line (validated)."""
    changes = {k: v for k, v in overrides.items() if v is not None}
    with domain_errors():
        base = get_settings()
        return base.updated(**changes) if changes else base


def progress_bar(console: Console = err) -> Progress:
    """A transient bar (gone when done): description, bar, n/total, elapsed time."""
    return Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def ingest_bar(console: Console = err) -> Progress:
    """Ingest's bar: articles done of all, chunks written and their rate, time left."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("articles · {task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


@contextmanager
def byte_progress(console: Console = err) -> Iterator[OnBytes]:
    """An `OnBytes` callback drawing a byte progress bar (model assembly and checks)."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def on_bytes(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(f"{stage} model", total=total)
        bar.update(tasks[stage], completed=done)

    with bar:
        yield on_bytes


def print_compare(answer: Answer) -> None:
    by_outlet = answer.group_by == "outlet"
    table = Table(
        "outlet" if by_outlet else "source",
        "discusses it?",
        "what it says",
        show_lines=True,
        expand=True,
    )
    for entry in answer.per_source or []:
        if entry.group == "outlet":
            name = escape(entry.outlet or "Articles without an outlet")
            if entry.articles_in_scope is not None:
                name += f"\n[dim]{entry.articles_in_scope} articles[/dim]"
            says = escape(entry.summary) + "".join(
                f"\n[dim]{', '.join(f'[{n}]' for n in a.citations)} "
                f"{escape(a.title or a.source_id)}{' · ' + a.date if a.date else ''}[/dim]"
                for a in entry.articles
            )
        else:
            sid = entry.source_id or ""
            name = escape(entry.outlet or entry.title or sid)
            if name != sid:
                name += f"\n[dim]{escape(sid)}[/dim]"
            if entry.date or entry.published:
                name += f"\n[dim]{escape(entry.date or entry.published or '')}[/dim]"
            says = escape(entry.summary)
        table.add_row(
            name, "[green]yes[/green]" if entry.addresses_topic else "[dim]no[/dim]", says
        )
    out.print(table)
    out.print(escape(answer.synthesis or ""), highlight=False)


def print_short_answer(answer: Answer) -> None:
    """The reader's short answer, first and in bold, with its citation."""
    short = answer.short_answer
    if short is not None:
        out.print(f"[bold]{escape(short.text)}[/bold] [cyan][{short.n}][/cyan]\n", highlight=False)


def print_answer(answer: Answer, with_text: bool = True) -> None:
    """The answer (unless it was already streamed), its numbered quotes, and who answered."""
    if answer.mode == "compare" and with_text:
        print_compare(answer)
    elif with_text:
        print_short_answer(answer)
        out.print(escape(answer.answer), highlight=False)
    else:
        print_short_answer(answer)
    if answer.citations:
        out.print("\n[bold]Sources[/bold]")
        for c in answer.citations:
            label = " — ".join(x for x in (c.title, c.outlet, c.date) if x) or c.source_id
            out.print(
                f"[cyan][{c.n}][/cyan] {escape(label)} [dim]({c.source_id}, "
                f"chars {c.start}-{c.end})[/dim]"
            )
            out.print(f"    “{escape(c.quote)}”", highlight=False)
    if answer.dropped_citations:
        out.print(f"[yellow]dropped invalid markers:[/yellow] {answer.dropped_citations}")
    note = " (fallback: the LLM gave no valid citation)" if answer.fallback else ""
    window = answer.time_window
    when = f" · {window.phrase}: {window.since} to {window.until}" if window else ""
    out.print(
        f"\n[dim]{answer.mode} · generator {answer.generator}{note}{escape(when)} · "
        f"{answer.timings_ms.total:.0f} ms[/dim]"
    )
