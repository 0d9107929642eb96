"""`rag eval`: gold questions against a baseline, public benchmarks in their own formats, two
setups side by side, and the shared archive's quiz (eval/runner.py, eval/benchmarks,
eval/sidebyside.py, eval/archive_run.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rag.cli.output import (
    GeneratorOption,
    ReaderOption,
    domain_errors,
    err,
    out,
    progress_bar,
    settings_with,
)
from rag.config import Settings

DEFAULT_GOLD = Path("eval/gold/news.jsonl")


Gold = Annotated[Path, typer.Option(help="Gold questions (JSON Lines)")]
Corpus = Annotated[
    Path | None, typer.Option(help="Articles to index in a temporary index (default: seeds/)")
]
Results = Annotated[
    Path | None,
    typer.Option("--out", help="Results JSON (default eval/results.json, …-KIND.json)"),
]
Baseline = Annotated[
    Path | None, typer.Option(help="Baseline JSON (default: the gold set's, or FILE.baseline.json)")
]
Tolerance = Annotated[float, typer.Option(min=0.0, max=1.0, help="Allowed drop below the baseline")]
UpdateBaseline = Annotated[
    bool, typer.Option("--update-baseline", help="Write the baseline from this run")
]
Report = Annotated[Path | None, typer.Option(help="Write an HTML report here")]
Split = Annotated[
    str | None,
    typer.Option(help="heldout|calibration|all (default: heldout of a split set, else all)"),
]
Benchmark = Annotated[
    tuple[str, Path] | None,
    typer.Option(
        metavar="KIND PATH", help="A public set in its own format: squad|rgb|realtimeqa|claims"
    ),
]
LimitArticles = Annotated[
    int | None, typer.Option(min=1, help="With --benchmark squad: the first N articles")
]
Limit = Annotated[int | None, typer.Option(min=1, help="With --benchmark: the first N questions")]
Compare = Annotated[
    tuple[Path, Path] | None,
    typer.Option(metavar="A.json B.json", help="Two results files side by side"),
]
Sets = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="NAME=VALUE", help="A setup; twice: side by side"),
]
Archive = Annotated[
    bool, typer.Option("--archive", help="The shared archive's quiz instead (long)")
]
ArchiveIndex = Annotated[
    Path | None, typer.Option(help="With --archive: a data dir that holds the archive")
]


def eval_command(
    gold: Gold = DEFAULT_GOLD,
    corpus: Corpus = None,
    generator: GeneratorOption = None,
    reader: ReaderOption = None,
    results: Results = None,
    baseline: Baseline = None,
    tolerance: Tolerance = 0.02,
    update_baseline: UpdateBaseline = False,
    report: Report = None,
    split: Split = None,
    benchmark: Benchmark = None,
    limit_articles: LimitArticles = None,
    limit: Limit = None,
    compare: Compare = None,
    sets: Sets = None,
    archive: Archive = False,
    archive_index: ArchiveIndex = None,
) -> None:
    """Score answers on gold questions; exit 1 when a metric falls below the baseline.
    --benchmark scores a public data set, --compare two results side by side, --archive
    the shared archive's quiz questions (reported)."""
    _check_options(corpus, split, benchmark, limit_articles, limit, compare, archive)
    if compare is not None:
        raise typer.Exit(_side_by_side(compare, results, report))
    settings = settings_with(generator=generator, reader=reader)
    if benchmark is not None:
        limits = (limit_articles, limit)
        raise typer.Exit(_benchmark(settings, benchmark, limits, corpus, results, report, sets))
    if archive:
        raise typer.Exit(_archive(settings, archive_index, split, results))
    from eval.runner import run_eval

    with domain_errors():
        code = run_eval(
            settings,
            gold=gold,
            corpus=corpus or settings.seeds_dir,
            out=results or Path("eval/results.json"),
            baseline=baseline,
            tolerance=tolerance,
            update_baseline=update_baseline,
            report=report,
            console=out,
            err=err,
            split=split,
            sets=sets or (),
        )
    raise typer.Exit(code)


def _side_by_side(compare: tuple[Path, Path], results: Path | None, report: Path | None) -> int:
    from eval.sidebyside import run_compare

    with domain_errors():
        return run_compare(
            *compare, out=results or Path("eval/results-compare.json"), report=report, console=out
        )


def _benchmark(
    settings: Settings,
    benchmark: tuple[str, Path],
    limits: tuple[int | None, int | None],
    corpus: Path | None,
    results: Path | None,
    report: Path | None,
    sets: list[str] | None,
) -> int:
    from eval.benchmarks.base import Limits
    from eval.benchmarks.run import run_benchmark

    kind, path = benchmark
    with domain_errors():
        return run_benchmark(
            settings,
            kind,
            path,
            limits=Limits(articles=limits[0], questions=limits[1]),
            corpus=corpus,
            out=results or Path(f"eval/results-{kind}.json"),
            report=report,
            console=out,
            err=err,
            sets=sets or (),
        )


def _archive(
    settings: Settings, index: Path | None, split: str | None, results: Path | None
) -> int:
    from eval.archive_run import run_archive_eval

    with domain_errors():
        return run_archive_eval(
            settings,
            index=index,
            split=split or "heldout",
            out=results or Path("eval/results-archive.json"),
            console=out,
            err=err,
            progress=progress_bar,
        )


def _check_options(
    corpus: Path | None,
    split: str | None,
    benchmark: tuple[str, Path] | None,
    limit_articles: int | None,
    limit: int | None,
    compare: tuple[Path, Path] | None,
    archive: bool,
) -> None:
    """One readable line for options that don't go together."""
    if sum(x is not None and x is not False for x in (compare, benchmark, archive)) > 1:
        raise typer.BadParameter("give one of --compare, --benchmark and --archive")
    if benchmark is None and (limit or limit_articles):
        raise typer.BadParameter("--limit and --limit-articles go with --benchmark")
    if benchmark is not None and limit_articles and benchmark[0] != "squad":
        raise typer.BadParameter("--limit-articles goes with --benchmark squad")
    if benchmark is not None and corpus is not None and benchmark[0] != "realtimeqa":
        raise typer.BadParameter("--corpus goes with --benchmark realtimeqa (its articles)")
    if split not in (None, "heldout", "calibration", "all"):
        raise typer.BadParameter("--split is heldout, calibration or all")
