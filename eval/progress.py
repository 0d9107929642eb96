"""What a long eval shows while it runs: articles indexed, then questions done of all, the
time left and the running figures (the means so far of a few headline metrics).

    with Live(err, ("exact_match", "f1")) as live:
        ... ingest_paths(..., on_progress=live.indexing)
        live.answering(len(cases))
        ... run_cases(..., on_done=live.done)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from eval.harness import QuestionResult
from rag.ingest import IngestProgress

SHORT = {
    "refusal_accuracy": "refusal",
    "key_fact_recall": "facts",
    "source_recall_at_k": "recall",
    "citation_validity": "citations",
    "exact_match": "EM",
    "f1": "F1",
    "no_answer_accuracy": "no-answer",
    "accuracy": "acc",
    "negative_rejection": "rejection",
    "counterfactual_correct": "cf-correct",
    "balanced_accuracy": "bal.acc",
}
GOLD_HEADLINE = ("refusal_accuracy", "key_fact_recall", "source_recall_at_k")


def figures(rows: Sequence[Mapping[str, float | None]], names: Sequence[str]) -> str:
    """ "EM 0.412 · F1 0.530": the mean so far of each name that applies to a row."""
    parts = []
    for name in names:
        values = [v for r in rows if (v := r.get(name)) is not None]
        if values:
            parts.append(f"{SHORT.get(name, name)} {sum(values) / len(values):.3f}")
    return " · ".join(parts)


class Live:
    """A transient progress bar on `console` (stderr), gone when the block ends."""

    def __init__(self, console: Console, headline: Sequence[str] = GOLD_HEADLINE) -> None:
        self.headline = tuple(headline)
        self.scores: list[Mapping[str, float | None]] = []
        self._bar = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[figures]}"),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> Live:
        self._bar.__enter__()
        self._task = self._bar.add_task("indexing", total=None, figures="")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._bar.__exit__(kind, error, trace)

    @property
    def task(self) -> TaskID:
        assert self._task is not None, "use Live in a with block"
        return self._task

    def indexing(self, progress: IngestProgress) -> None:
        self._bar.update(self.task, completed=progress.files_done, total=progress.files_total)

    def answering(self, total: int, what: str = "answering") -> None:
        self._bar.reset(self.task, total=total, completed=0, description=what, figures="")

    def step(self, scores: Mapping[str, float | None], label: str = "") -> None:
        """One more done: advance, and show the running figures."""
        self.scores.append(scores)
        shown = figures(self.scores, self.headline)
        self._bar.update(self.task, advance=1, description=label[:12], figures=shown)

    def done(self, result: QuestionResult) -> None:
        self.step(result.scores, result.item.id)
