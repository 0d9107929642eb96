"""Console tables of an eval run: each metric, overall and per question type, against the
baseline (when there is one). Fits 80 columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.table import Table

from eval.gate import Row

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
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True)
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


def value_table(doc: dict[str, Any], first: Sequence[str] = ()) -> Table:
    """A run without a baseline: each metric overall and per group, `first` (the data set's
    own metrics) first and in bold."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True)
    table.add_column("group", no_wrap=True)
    table.add_column("metric", no_wrap=True)
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    for i, (group, values) in enumerate(doc["metrics"].items()):
        if i:
            table.add_section()
        names = [m for m in first if m in values] + [m for m in values if m not in first]
        for name in names:
            if values[name] is None:
                continue
            n = doc.get("applicable", {}).get(group, {}).get(name)
            label = f"[bold]{name}[/bold]" if name in first else name
            table.add_row(group, label, "" if n is None else str(n), fmt(name, values[name]))
    return table
