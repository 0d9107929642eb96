"""`rag eval --archive`: the shared archive's quiz questions over all its articles
(eval/archive.py), reported per split, never gated."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from rich import box
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from eval.harness import temporary_pipeline
from eval.results import write_json
from rag.answering.pipeline import Pipeline
from rag.config import Settings
from rag.ingest import IngestReport

ProgressFactory = Callable[[], Progress]


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
    from rag.answering.pipeline import open_pipeline

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
