"""Gold questions: load a JSON Lines file and validate every line, with clear errors.

Usage: `items = load_gold(Path("eval/gold/news.jsonl"))`. One object per line:

    {"id", "question", "type": "fact"|"compare"|"unanswerable"|"conflict", "answer",
     "must_include": [[alternative, ...], ...], "sources": [source_id, ...],
     "refuse": bool, "silent_sources": [source_id, ...]}

A `must_include` group is satisfied when the answer contains any one of its
alternatives (case-insensitively). Unknown keys are errors, so a typo such as
"must_inclde" cannot silently switch a metric off.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rag.errors import RagError

QuestionType = Literal["fact", "compare", "unanswerable", "conflict"]
QUESTION_TYPES: tuple[QuestionType, ...] = ("fact", "compare", "unanswerable", "conflict")


class GoldError(RagError):
    """The gold file is missing, malformed, or names sources the corpus does not have."""


class GoldItem(BaseModel):
    """One gold question with what a good answer must contain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    type: QuestionType
    answer: str = ""  # the reference answer: read by people and the optional LLM judge only
    must_include: list[list[str]] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    refuse: bool
    silent_sources: list[str] = Field(default_factory=list)

    @field_validator("id", "question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("must_include")
    @classmethod
    def _groups(cls, groups: list[list[str]]) -> list[list[str]]:
        for i, group in enumerate(groups):
            if not group:
                raise ValueError(f"group {i} is empty (a group needs at least one alternative)")
            if any(not alt.strip() for alt in group):
                raise ValueError(f"group {i} has a blank alternative")
        return groups

    @field_validator("sources", "silent_sources")
    @classmethod
    def _distinct(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("lists a source id twice")
        return ids

    @model_validator(mode="after")
    def _consistent(self) -> GoldItem:
        if self.type == "unanswerable" and not self.refuse:
            raise ValueError("type 'unanswerable' needs refuse: true")
        if self.refuse and self.must_include:
            raise ValueError("refuse: true contradicts must_include (a refusal contains no facts)")
        both = sorted(set(self.sources) & set(self.silent_sources))
        if both:
            raise ValueError(f"{', '.join(both)} is both in sources and silent_sources")
        return self


def _describe(error: ValidationError) -> str:
    parts = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"])
        parts.append(f"{where}: {e['msg']}" if where else str(e["msg"]))
    return "; ".join(parts)


def parse_gold(lines: Iterable[str], origin: str = "<gold>") -> list[GoldItem]:
    """Validate gold lines (blank lines are skipped); errors name `origin:line`."""
    items: list[GoldItem] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
        if not isinstance(data, dict):
            raise GoldError(f"{where}: expected a JSON object, got {type(data).__name__}")
        try:
            item = GoldItem.model_validate(data)
        except ValidationError as exc:
            label = f" (id {data['id']!r})" if isinstance(data.get("id"), str) else ""
            raise GoldError(f"{where}{label}: {_describe(exc)}") from exc
        if item.id in first_line:
            raise GoldError(
                f"{where}: duplicate id {item.id!r} (first on line {first_line[item.id]})"
            )
        first_line[item.id] = number
        items.append(item)
    if not items:
        raise GoldError(f"{origin}: no gold questions")
    return items


def load_gold(path: Path) -> list[GoldItem]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise GoldError(f"no gold file {path}") from exc
    except UnicodeDecodeError as exc:
        raise GoldError(f"{path}: not UTF-8 text") from exc
    return parse_gold(text.splitlines(), origin=str(path))


def check_sources(items: Sequence[GoldItem], known: Iterable[str], corpus: str) -> None:
    """Fail when a gold question names a source id the indexed corpus does not have."""
    have = set(known)
    missing: dict[str, list[str]] = {}
    for item in items:
        for source_id in [*item.sources, *item.silent_sources]:
            if source_id not in have:
                missing.setdefault(source_id, []).append(item.id)
    if missing:
        listed = "; ".join(f"{s} (in {', '.join(ids)})" for s, ids in sorted(missing.items()))
        raise GoldError(f"gold questions name sources that are not in {corpus}: {listed}")


Split = Literal["calibration", "heldout"]


def splits(items: Sequence[GoldItem]) -> dict[str, Split]:
    """{id: "calibration" | "heldout"}, by the parity of the id's hash: about half of each
    question type in each part, and adding a question never moves another. Rules are
    fitted on calibration only; the gate and the reported figures use held-out."""
    return {
        i.id: "calibration"
        if int(hashlib.sha256(i.id.encode()).hexdigest(), 16) % 2 == 0
        else "heldout"
        for i in items
    }
