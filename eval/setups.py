"""Two setups in one run: `rag eval --set reader=none --set reader=local` scores the same
questions under each and prints them side by side (eval/sidebyside.py).

Each `--set` is one setup: NAME=VALUE pairs joined by commas (`generator=local,top_k=4`);
NAME is a setting as `rag` knows it (`top_k`, `TOP_K` or `RAG_TOP_K`). One `--set` changes
the settings of a normal run; two make a side-by-side run, which gates nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from eval.results import write_json
from eval.sidebyside import print_side_by_side, side_by_side, write_side_by_side
from rag.config import Settings
from rag.errors import ConfigError

INTERRUPTED = 130  # the exit code of a run stopped by Ctrl-C


@dataclass(frozen=True)
class Setup:
    key: str  # "a" or "b"
    label: str  # what was set, e.g. "reader=none"
    settings: Settings


def parse_setting(text: str) -> dict[str, str]:
    """{"top_k": "4", ...} from "top_k=4,reader=none"; unknown names are errors."""
    changes: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--set {text!r}: write NAME=VALUE, e.g. --set reader=none")
        key = name.strip().lower().replace("-", "_").removeprefix("rag_")
        if key not in Settings.model_fields:
            raise ConfigError(f"--set {text!r}: no setting {name.strip()!r}")
        changes[key] = value.strip()
    if not changes:
        raise ConfigError("--set needs NAME=VALUE")
    return changes


def setups(base: Settings, sets: Sequence[str]) -> list[Setup]:
    """The base settings alone, or one setup per `--set` (at most two)."""
    if len(sets) > 2:
        raise ConfigError("--set compares two setups: give it once or twice")
    if not sets:
        return [Setup("a", "", base)]
    out = []
    for key, text in zip("ab", sets, strict=False):
        changes: dict[str, Any] = parse_setting(text)
        out.append(
            Setup(key, ",".join(f"{k}={v}" for k, v in changes.items()), base.updated(**changes))
        )
    return out


Score = Callable[[Settings], dict[str, Any]]  # one setup's run: its results document


def run_side_by_side(
    pair: Sequence[Setup],
    score: Score,
    *,
    out: Path,
    report: Path | None,
    console: Console,
) -> int:
    """Score each setup, write its results (`out` with .a/.b), then the comparison (`out`
    with .compare) and, with `report`, its HTML page. Exit 0, or 130 when interrupted."""
    docs: list[tuple[Path, dict[str, Any]]] = []
    for setup in pair:
        console.print(f"[bold]{setup.key.upper()}[/bold]: {escape(setup.label)}")
        doc = score(setup.settings)
        doc["run"]["setup"] = setup.label
        path = out.with_name(f"{out.stem}.{setup.key}{out.suffix or '.json'}")
        write_json(path, doc)
        console.print(f"results: {path}")
        if doc["run"]["interrupted"]:
            console.print("[yellow]interrupted[/yellow]: no side by side")
            return INTERRUPTED
        docs.append((path, doc))
    (path_a, a), (path_b, b) = docs
    comparison = side_by_side(a, b, (str(path_a), str(path_b)))
    target = out.with_name(f"{out.stem}.compare{out.suffix or '.json'}")
    print_side_by_side(console, comparison)
    write_side_by_side(comparison, target, report)
    console.print(f"side by side: {target}" + (f", {report}" if report else ""))
    return 0
