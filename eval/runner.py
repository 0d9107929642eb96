"""`rag eval`: run the gold questions, print metrics against the baseline, gate on regressions.

    rag eval                                  # seeds/ + eval/gold/news.jsonl vs eval/baseline.json
    rag eval --corpus DIR --gold FILE --baseline B.json --update-baseline
    rag eval --report report.html             # self-contained HTML report

Exit codes: 0 no gated metric regressed, 1 at least one did, 2 no baseline (or bad input).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from eval.gate import (
    Row,
    baseline_document,
    compare,
    foreign_gold,
    gate_summary,
    load_baseline,
    mismatches,
)
from eval.gold import GoldItem, load_gold, splits
from eval.harness import Judge, QuestionResult, run_questions, temporary_pipeline
from eval.judge import JudgeSettings, make_judge
from eval.results import results_document, write_json
from eval.runinfo import file_sha256
from rag.config import Settings
from rag.ingest import IngestReport
from rag.pipeline import Pipeline

STYLE = {
    "REGRESSED": "bold red",
    "missing": "bold red",
    "worse": "yellow",
    "better": "green",
    "same": "dim",
    "new": "cyan",
    "info": "dim",
}


def fmt(metric: str, value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    if metric.endswith("_ms"):
        return f"{value:+.0f}" if signed else f"{value:.0f}"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def metric_table(rows: list[Row], counts: dict[str, dict[str, int]]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True)  # fits 80 columns
    table.add_column("group", no_wrap=True)
    table.add_column("metric", no_wrap=True)
    for name in ("n", "value", "baseline", "delta"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    group = None
    for row in rows:
        if group is not None and row.group != group:
            table.add_section()
        group = row.group
        n = counts.get(row.group, {}).get(row.metric)
        table.add_row(
            row.group,
            row.metric,
            "" if n is None else str(n),
            fmt(row.metric, row.value),
            fmt(row.metric, row.baseline),
            fmt(row.metric, row.delta, signed=True),
            f"[{STYLE[row.status]}]{row.status}[/]",
        )
    return table


ProgressFactory = Callable[[], Progress]


def answer_all(
    settings: Settings,
    items: list[GoldItem],
    corpus: Path,
    judge: Judge | None,
    progress: ProgressFactory,
) -> tuple[list[QuestionResult], Settings, IngestReport]:
    """Index `corpus` in a temporary folder and answer every question, with a progress bar."""
    with progress() as bar:
        task = bar.add_task("indexing", total=None)
        show = lambda p: bar.update(task, completed=p.files_done, total=p.files_total)  # noqa: E731
        with temporary_pipeline(settings, corpus, on_progress=show) as (
            pipe,
            ingest,
        ):
            bar.update(task, description="answering", total=len(items), completed=0)
            results = run_questions(
                pipe,
                items,
                judge,
                on_done=lambda r: bar.update(task, advance=1, description=r.item.id),
            )
            return results, pipe.settings, ingest


def run_eval(
    settings: Settings,
    *,
    gold: Path,
    corpus: Path,
    out: Path,
    baseline: Path,
    tolerance: float,
    update_baseline: bool = False,
    report: Path | None = None,
    console: Console | None = None,
    err: Console | None = None,
    progress: ProgressFactory | None = None,
    split: str = "heldout",
) -> int:
    """Run the eval end to end and return the exit code (`progress` makes the bar).

    `split` chooses the gold questions: "heldout" (what is reported and gated; no rule is
    fitted on it), "calibration" (what rules are fitted on) or "all"."""
    console = console or Console()
    err = err or Console(stderr=True)
    progress = progress or (lambda: Progress(console=err, transient=True))
    every = load_gold(gold)
    parts = splits(every)
    items = [i for i in every if split == "all" or parts[i.id] == split]
    old = load_baseline(baseline)  # fail fast on a broken baseline, before the long run
    foreign = foreign_gold(old, file_sha256(gold), split) if old else None
    if foreign:
        err.print(
            f"[yellow]no baseline for {escape(str(gold))}[/yellow] in "
            f"{escape(str(baseline))}: {escape(foreign)}. Nothing is gated; make one with "
            "`rag eval --update-baseline --baseline NEW.json`."
        )
        old = None
    judge_settings = JudgeSettings()
    judge = make_judge(settings, judge_settings) if judge_settings.enabled else None
    started, t0 = datetime.now(UTC), time.perf_counter()
    results, used, ingest = answer_all(settings, items, corpus, judge, progress)
    doc = results_document(
        results,
        used,
        split=split,
        gold=gold,
        corpus=corpus,
        ingest=ingest,
        started=started,
        duration_s=time.perf_counter() - t0,
        judge_model=judge_settings.model if judge else None,
    )
    for path, why in ingest.failed.items():
        err.print(f"[yellow]skipped[/yellow] {escape(path)}: {escape(why)}")
    rows = compare(doc["metrics"], old["metrics"] if old else None, tolerance)
    doc["gate"] = gate_summary(rows, old, baseline, tolerance, doc["questions"])
    doc["gate"]["warnings"] = mismatches(old, doc) if old else []
    write_json(out, doc)
    console.print(metric_table(rows, doc["applicable"]))
    explain(console, doc, old, rows)
    if report is not None:
        from eval.report import write_report

        write_report(report, doc, rows)
        console.print(f"report: {report}")
    console.print(f"results: {out} ({doc['run']['duration_s']:.1f} s)")
    if update_baseline:
        write_json(baseline, baseline_document(doc))
        accepted = " (it accepts the drops above)" if doc["gate"]["failed"] else ""
        console.print(f"[green]baseline written:[/green] {baseline}{accepted}")
        return 0
    if old is None:
        if not foreign:
            err.print(
                f"[red]no baseline at {escape(str(baseline))}[/red]: make one with "
                "`rag eval --update-baseline`"
            )
        return 2
    return 1 if doc["gate"]["failed"] else 0


def explain(
    console: Console, doc: dict[str, Any], old: dict[str, Any] | None, rows: list[Row]
) -> None:
    """Warnings about the baseline, questions that changed, and the verdict."""
    if old is None:
        return
    for note in doc["gate"]["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {note}")
    gate = doc["gate"]
    if gate["newly_failing"]:
        console.print(f"[red]newly failing:[/red] {', '.join(gate['newly_failing'])}")
    if gate["now_passing"]:
        console.print(f"[green]now passing:[/green] {', '.join(gate['now_passing'])}")
    regressed = [r for r in rows if r.failed]
    if regressed:
        names = ", ".join(f"{r.group}/{r.metric}" for r in regressed)
        console.print(
            f"[bold red]FAIL[/bold red]: {len(regressed)} metric(s) below the baseline "
            f"by more than {doc['gate']['tolerance']}: {names}"
        )
    else:
        console.print(
            f"[bold green]PASS[/bold green]: no gated metric fell by more than "
            f"{doc['gate']['tolerance']}"
        )


ARCHIVE_ARTICLES = Path("../shared/corpora/realtimeqa-dev/articles")
ARCHIVE_TARGETS = {  # issue targets, on held-out questions
    "in_text": 0.75,
    "in_short": 0.55,
    "answered": 0.95,
}


def run_archive_eval(
    settings: Settings,
    *,
    index: Path | None,
    split: str,
    out: Path,
    console: Console,
    err: Console,
    progress: ProgressFactory,
) -> int:
    """The archive eval (eval/archive.py): skipped with a message where the archive is absent."""
    from eval.archive import QUESTIONS, ask_all, load_archive_questions, summarize
    from rag.pipeline import open_pipeline

    if not QUESTIONS.is_file() or not ARCHIVE_ARTICLES.is_dir():
        err.print(
            "[yellow]archive eval skipped:[/yellow] ../shared/corpora/realtimeqa-dev is not "
            "on this machine"
        )
        return 0
    items = [q for q in load_archive_questions() if split == "all" or q.split == split]
    with progress() as bar:
        task = bar.add_task("indexing", total=None)
        if index is not None:  # a data dir that already holds the archive
            scoped = settings.updated(data_dir=index, chroma_url=None)
            context = open_pipeline(scoped)
        else:
            show = lambda p: bar.update(task, completed=p.files_done, total=p.files_total)  # noqa: E731
            context = _pipeline_only(temporary_pipeline(settings, ARCHIVE_ARTICLES, show))
        with context as pipe:
            bar.update(task, description="answering", total=len(items), completed=0)
            results = ask_all(pipe, items, on_done=lambda r: bar.advance(task))
    groups = {s: [r for r in results if r.item.split == s] for s in ("calibration", "heldout")}
    table = Table("metric", *[s for s, rs in groups.items() if rs], "target", box=box.SIMPLE_HEAD)
    sums = {s: summarize(rs) for s, rs in groups.items() if rs}
    for metric in next(iter(sums.values())):
        target = ARCHIVE_TARGETS.get(metric)
        cells = [_cell(sums[s][metric]) for s in sums]
        table.add_row(metric, *cells, "" if target is None else f"≥ {target:.2f}")
    console.print(table)
    write_json(out, {"summary": sums, "questions": [r.record() for r in results]})
    console.print(f"results: {out}")
    return 0


def _cell(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) and value < 10 else f"{value:,.0f}"


@contextmanager
def _pipeline_only(
    context: AbstractContextManager[tuple[Pipeline, IngestReport]],
) -> Iterator[Pipeline]:
    with context as (pipe, _):
        yield pipe
