"""What every benchmark reader gives the runner: gold questions (`Case`s) over a corpus
folder of articles, the set's own per-question scores, and the figures to show."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.harness import Case, Extra
from eval.metrics import FAILURE_CHECKS, is_refused
from rag.errors import RagError
from rag.schema import Answer


class BenchmarkError(RagError):
    """A benchmark file is missing or not in the format its kind names."""


@dataclass(frozen=True)
class Limits:
    """A quick run: the first `articles` articles (SQuAD), the first `questions` lines."""

    articles: int | None = None
    questions: int | None = None

    def describe(self) -> str:
        parts = [f"--limit-articles {self.articles}"] if self.articles else []
        return ", ".join(parts + ([f"--limit {self.questions}"] if self.questions else []))


def refused(case: Case, answer: Answer) -> dict[str, float | None]:
    """The share of questions refused, per question type when aggregated."""
    return {"refused": 1.0 if is_refused(answer) else 0.0}


@dataclass
class Built:
    """A public data set read into what the harness asks."""

    kind: str
    source: Path  # the file the questions were read from
    cases: list[Case]
    corpus: Path  # the folder of articles to index (a temporary one, usually)
    extra: Extra = refused
    headline: tuple[str, ...] = ()  # the set's own figures, shown while running and first
    checks: tuple[str, ...] = FAILURE_CHECKS
    note: str = ""  # what was read, e.g. "2 articles, 40 questions"
    about: dict[str, Any] = field(default_factory=dict)  # written into the results


def slug(text: str, limit: int = 60) -> str:
    """A source-id-safe form of `text` (letters, digits, '.', '_', '-')."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")
    return re.sub(r"\.{2,}", ".", cleaned)[:limit] or "x"


def write_article(folder: Path, source_id: str, text: str, title: str | None = None) -> None:
    """`folder/source_id.txt`; a title goes into YAML front matter (JSON is valid YAML)."""
    head = f"---\ntitle: {json.dumps(title)}\n---\n" if title else ""
    (folder / f"{source_id}.txt").write_text(head + text.strip() + "\n", encoding="utf-8")


def read_json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; a bad line is a clear error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise BenchmarkError(f"no such file {path}") from exc
    except UnicodeDecodeError as exc:
        raise BenchmarkError(f"{path}: not UTF-8 text") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BenchmarkError(f"{path}:{number}: not a JSON line ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise BenchmarkError(f"{path}:{number}: expected a JSON object")
        yield number, row


def need(row: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    """row[key], checked: a missing or mistyped field names the line and the field."""
    if key not in row:
        raise BenchmarkError(f"{where}: no {key!r} field")
    if not isinstance(row[key], kind):
        raise BenchmarkError(f"{where}: {key!r} is a {type(row[key]).__name__}")
    return row[key]
