"""`rag eval`: run the gold questions, print metrics against the baseline, gate on regressions.

    rag eval                                  # seeds/ + eval/gold/news.jsonl vs eval/baseline.json
    rag eval --corpus DIR --gold FILE         # your own data, scored whole
    rag eval --gold FILE --update-baseline    # writes FILE's baseline beside it
    rag eval --report report.html             # self-contained HTML report
    rag eval --set reader=none --set reader=local   # two setups side by side

Which questions are scored, and which baseline gates them: eval/gold_set.py.
Exit codes: 0 no gated metric regressed (or nothing was gated: no baseline for this gold
file), 1 at least one did, 2 bad input, 130 interrupted (what was scored is written).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from eval.gate import (
    Row,
    baseline_document,
    compare,
    foreign_gold,
    gate_summary,
    load_baseline,
    mismatches,
)
from eval.gold_set import Selection, load_gold_set
from eval.harness import Case, Interrupted, run_cases, temporary_pipeline
from eval.judge import JudgeSettings, make_judge
from eval.progress import Live
from eval.results import results_document, write_json
from eval.runinfo import file_sha256
from eval.setups import INTERRUPTED, run_side_by_side, setups
from eval.tables import metric_table
from rag.config import Settings
from rag.errors import ConfigError


def score_gold(
    settings: Settings, gold: Path, chosen: Selection, corpus: Path, err: Console
) -> dict[str, Any]:
    """Index `corpus` in a temporary folder, ask the chosen questions, and return the results
    document (`run.interrupted` when Ctrl-C stopped it: the questions so far)."""
    judge_settings = JudgeSettings()
    judge = make_judge(settings, judge_settings) if judge_settings.enabled else None
    started, t0 = datetime.now(UTC), time.perf_counter()
    interrupted = False
    with Live(err) as live, temporary_pipeline(settings, corpus, live.indexing) as (pipe, ingest):
        live.answering(len(chosen.items))
        try:
            results = run_cases(pipe, [Case(i) for i in chosen.items], judge, live.done)
        except Interrupted as stop:
            results, interrupted = stop.results, True
        used = pipe.settings
    for path, why in ingest.failed.items():
        err.print(f"[yellow]skipped[/yellow] {escape(path)}: {escape(why)}")
    return results_document(
        results,
        used,
        split=chosen.split,
        gold=gold,
        corpus=corpus,
        ingest=ingest,
        started=started,
        duration_s=time.perf_counter() - t0,
        judge_model=judge_settings.model if judge else None,
        of=len(chosen.items),
        why=chosen.why,
        interrupted=interrupted,
    )


def run_eval(
    settings: Settings,
    *,
    gold: Path,
    corpus: Path,
    out: Path,
    baseline: Path | None,
    tolerance: float,
    update_baseline: bool = False,
    report: Path | None = None,
    console: Console | None = None,
    err: Console | None = None,
    split: str | None = None,
    sets: Sequence[str] = (),
) -> int:
    """Run the eval end to end and return the exit code.

    `split`: None scores the held-out half of a gold set that records a split and all of
    any other; "heldout", "calibration" or "all" choose. `baseline`: None is the gold
    set's own (eval/gold_set.py). Two `sets` score two setups side by side, ungated."""
    console = console or Console()
    err = err or Console(stderr=True)
    gold_set = load_gold_set(gold)
    chosen = gold_set.select(split)
    pair = setups(settings, sets)
    if len(pair) == 2 and update_baseline:
        raise ConfigError("--update-baseline takes one setup, not two --set")
    if len(pair) == 2:
        return run_side_by_side(
            pair,
            lambda s: score_gold(s, gold, chosen, corpus, err),
            out=out,
            report=report,
            console=console,
        )
    baseline_path = gold_set.baseline(baseline)
    old, why_ungated = usable_baseline(baseline_path, gold, chosen.split)  # fail fast
    doc = score_gold(pair[0].settings, gold, chosen, corpus, err)
    rows, old = gate_doc(doc, old, why_ungated, baseline_path, tolerance, chosen.total)
    write_json(out, doc)
    show_results(console, doc, old, rows, chosen.why, update_baseline, report, out)
    return finish(console, err, doc, out, len(chosen.items), baseline_path, update_baseline)


def usable_baseline(
    baseline_path: Path, gold: Path, split: str
) -> tuple[dict[str, Any] | None, str | None]:
    """The baseline that gates this run and, when there is none, why. Loaded before the long
    run, so a broken baseline fails fast."""
    old = load_baseline(baseline_path)
    if old is None:
        return None, f"no baseline at {baseline_path}"
    if foreign := foreign_gold(old, file_sha256(gold), split):
        return None, f"{baseline_path} is not this gold file's baseline: {foreign}"
    return old, None


def gate_doc(
    doc: dict[str, Any],
    old: dict[str, Any] | None,
    why_ungated: str | None,
    baseline_path: Path,
    tolerance: float,
    total: int,
) -> tuple[list[Row], dict[str, Any] | None]:
    """Compare `doc` with the baseline and record the verdict in `doc["gate"]`; returns the
    rows and the baseline that gated (None when an interrupted run is not gated)."""
    if doc["run"]["interrupted"] and old is not None:
        why_ungated, old = f"interrupted after {len(doc['questions'])} of {total}", None
    rows = compare(doc["metrics"], old["metrics"] if old else None, tolerance)
    doc["gate"] = gate_summary(rows, old, baseline_path, tolerance, doc["questions"])
    doc["gate"]["warnings"] = mismatches(old, doc) if old else []
    doc["gate"]["ungated"] = why_ungated
    return rows, old


def show_results(
    console: Console,
    doc: dict[str, Any],
    old: dict[str, Any] | None,
    rows: list[Row],
    why: str,
    update_baseline: bool,
    report: Path | None,
    out: Path,
) -> None:
    """The metric table, the verdict and, when asked, the HTML report."""
    console.print(metric_table(rows, doc["applicable"]))
    console.print(f"scored {len(doc['questions'])}: {escape(why)}")
    explain(console, doc, old, rows)
    if old is None and not doc["run"]["interrupted"]:
        how = "" if update_baseline else "; `--update-baseline` writes one"
        console.print(f"[yellow]nothing gated[/yellow]: {escape(str(doc['gate']['ungated']))}{how}")
    if report is not None:
        from eval.report import write_report

        write_report(report, doc, rows)
        console.print(f"report: {report}")
    console.print(f"results: {out} ({doc['run']['duration_s']:.1f} s)")


def finish(
    console: Console,
    err: Console,
    doc: dict[str, Any],
    out: Path,
    asked: int,
    baseline_path: Path,
    update_baseline: bool,
) -> int:
    """The exit code; writes the baseline when asked (never after an interruption)."""
    if doc["run"]["interrupted"]:
        err.print(
            f"[yellow]interrupted[/yellow] after {len(doc['questions'])} of "
            f"{asked} questions: nothing gated, the results so far are in {out}"
        )
        return INTERRUPTED
    if update_baseline:
        write_json(baseline_path, baseline_document(doc))
        accepted = " (it accepts the drops above)" if doc["gate"]["failed"] else ""
        console.print(f"[green]baseline written:[/green] {baseline_path}{accepted}")
        return 0
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
