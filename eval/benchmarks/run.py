"""`rag eval --benchmark KIND PATH`: read a public data set in its published format, index
its corpus in a temporary folder, ask its questions and score them with the set's own
metrics next to ours. Writes the results JSON and (with `--report`) the HTML report that
`rag eval` writes; reported, never gated. Exit 0, 2 on bad input, 130 when interrupted.

    rag eval --benchmark squad train-v1.1.json --limit-articles 3
    rag eval --benchmark rgb en.json --limit 50
    rag eval --benchmark realtimeqa ../shared/corpora/realtimeqa-dev --limit 40
    rag eval --benchmark claims ../shared/datasets/fm2/dev.jsonl
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from eval.benchmarks import claims, realtimeqa, rgb, squad
from eval.benchmarks.base import BenchmarkError, Built, Limits
from eval.gate import compare, gate_summary
from eval.harness import Interrupted, run_cases, temporary_pipeline
from eval.progress import Live
from eval.results import results_document, write_json
from eval.runinfo import file_sha256, git_sha, package_versions, settings_dump
from eval.setups import INTERRUPTED, run_side_by_side, setups
from eval.tables import value_table
from rag.config import Settings
from rag.support.judge import SupportJudge
from rag.verification.factory import verifier_for

KINDS = ("squad", "rgb", "realtimeqa", "claims")
Score = Callable[[Settings], dict[str, Any]]  # one setup's results document


def score_built(settings: Settings, built: Built, err: Console) -> dict[str, Any]:
    """Index the benchmark's corpus, ask its cases and return the results document."""
    started, t0 = datetime.now(UTC), time.perf_counter()
    interrupted = False
    with (
        Live(err, built.headline) as live,
        temporary_pipeline(settings, built.corpus, live.indexing) as (pipe, ingest),
    ):
        live.answering(len(built.cases))
        try:
            results = run_cases(pipe, built.cases, None, live.done, built.extra, built.checks)
        except Interrupted as stop:
            results, interrupted = stop.results, True
        used = pipe.settings
    doc = results_document(
        results,
        used,
        split="all",
        gold=built.source,
        corpus=built.corpus,
        ingest=ingest,
        started=started,
        duration_s=time.perf_counter() - t0,
        of=len(built.cases),
        why=built.note,
        interrupted=interrupted,
    )
    return doc


def score_claims(
    settings: Settings, items: list[claims.LabelledClaim], source: Path, err: Console
) -> dict[str, Any]:
    """The support check on every claim: the results document (no index, no questions)."""
    started, t0 = datetime.now(UTC), time.perf_counter()
    records: list[dict[str, Any]] = []
    interrupted = False
    support = SupportJudge(verifier_for(settings), settings.claim_coverage)
    with Live(err, ("accuracy",)) as live:
        live.answering(len(items), "checking")
        try:
            for item in items:
                t = time.perf_counter()
                reason = claims.judge(item, support)
                records.append(claims.record(item, reason, (time.perf_counter() - t) * 1000))
                live.step(records[-1]["scores"], item.id)
        except KeyboardInterrupt:
            interrupted = True
    done = items[: len(records)]
    metrics: dict[str, dict[str, float | None]] = {
        "overall": claims.summarize(records, [i.supported for i in done])
    }
    applicable = {"overall": {k: len(records) for k in metrics["overall"]}}
    for label in dict.fromkeys(i.label for i in done):
        group = [r for r in records if r["type"] == label]
        metrics[label] = {
            "accuracy": round(sum(r["scores"]["accuracy"] for r in group) / len(group), 4)
        }
        applicable[label] = {"accuracy": len(group)}
    config = settings_dump(settings)
    return {
        "run": {
            "started": started.isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - t0, 2),
            "gold": {
                "path": str(source),
                "sha256": file_sha256(source),
                "split": "all",
                "questions": len(records),
                "of": len(items),
                "why": f"{len(items)} claims of {source.name}",
            },
            "corpus": None,
            "judge_model": None,
            "git_sha": git_sha(),
            "versions": package_versions(),
            "config": config,
            "interrupted": interrupted,
        },
        "metrics": metrics,
        "applicable": applicable,
        "questions": records,
    }


def scorer_for(
    kind: str, path: Path, limits: Limits, corpus: Path | None, tmp: str, err: Console
) -> tuple[Score, str, tuple[str, ...]]:
    """Read the data set (into `tmp` where it needs a corpus written): how one setup is
    scored, what was read, and the set's own headline figures."""
    if kind == "claims":
        items = claims.read_claims(path, limits)

        def score_items(s: Settings) -> dict[str, Any]:
            return score_claims(s, items, path, err)

        return (
            score_items,
            f"{len(items)} claims",
            ("balanced_accuracy", "supported_kept", "unsupported_caught"),
        )
    if kind == "realtimeqa":
        built = realtimeqa.build(path, Path(tmp), limits, corpus)
    else:
        built = (squad.build if kind == "squad" else rgb.build)(path, Path(tmp), limits)

    def score(s: Settings) -> dict[str, Any]:
        doc = score_built(s, built, err)
        if built.corpus.is_relative_to(tmp):
            doc["run"]["corpus"]["path"] = f"(temporary, from {path})"
        return doc

    return score, built.note, built.headline


def with_benchmark(
    score: Score, kind: str, path: Path, note: str, limits: Limits, headline: tuple[str, ...]
) -> Score:
    """`score`, its results document noting the benchmark and its headline figures."""

    def scored(s: Settings) -> dict[str, Any]:
        doc = score(s)
        overall = doc["metrics"]["overall"]
        doc["benchmark"] = {
            "kind": kind,
            "path": str(path),
            "note": note,
            "limits": limits.describe(),
            "headline": {h: overall.get(h) for h in headline if h in overall},
        }
        return doc

    return scored


def report_benchmark(
    doc: dict[str, Any],
    kind: str,
    note: str,
    headline: tuple[str, ...],
    *,
    out: Path,
    report: Path | None,
    console: Console,
    err: Console,
) -> int:
    """Record the (never gated) verdict, write and print the results; the exit code."""
    rows = compare(doc["metrics"], None, 0.0)
    doc["gate"] = gate_summary(rows, None, out, 0.0, doc["questions"])
    doc["gate"]["ungated"] = "a benchmark is reported, never gated"
    write_json(out, doc)
    console.print(value_table(doc, headline))
    figures = " · ".join(
        f"{k} {v:.3f}" for k, v in doc["benchmark"]["headline"].items() if v is not None
    )
    console.print(f"{kind}: {escape(note)}" + (f" · {figures}" if figures else ""))
    if report is not None:
        from eval.report import write_report

        write_report(report, doc, rows)
        console.print(f"report: {report}")
    console.print(f"results: {out} ({doc['run']['duration_s']:.1f} s)")
    if doc["run"]["interrupted"]:
        err.print(
            f"[yellow]interrupted[/yellow] after {len(doc['questions'])} of "
            f"{doc['run']['gold']['of']}: the results so far are in {out}"
        )
        return INTERRUPTED
    return 0


def run_benchmark(
    settings: Settings,
    kind: str,
    path: Path,
    *,
    limits: Limits,
    corpus: Path | None,
    out: Path,
    report: Path | None,
    console: Console,
    err: Console,
    sets: Sequence[str] = (),
) -> int:
    if kind not in KINDS:
        raise BenchmarkError(f"--benchmark KIND is one of {', '.join(KINDS)}, not {kind!r}")
    pair = setups(settings, sets)
    with tempfile.TemporaryDirectory(prefix="rag-bench-", ignore_cleanup_errors=True) as tmp:
        score, note, headline = scorer_for(kind, path, limits, corpus, tmp, err)
        scored = with_benchmark(score, kind, path, note, limits, headline)
        console.print(
            f"{kind}: {escape(note)}" + (f" ({limits.describe()})" if limits.describe() else "")
        )
        if len(pair) == 2:
            return run_side_by_side(pair, scored, out=out, report=report, console=console)
        doc = scored(pair[0].settings)
    return report_benchmark(
        doc, kind, note, headline, out=out, report=report, console=console, err=err
    )
