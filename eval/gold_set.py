"""Which questions of a gold file `rag eval` scores, and which baseline gates them.

The project's own gold sets are split in two (eval/gold.py, `splits`): rules are fitted on
the calibration half, figures are reported and gated on the held-out half. Such a set
records that it is split in a sidecar beside it, `news.jsonl` -> `news.meta.json`:

    {"split": "id-sha256", "baseline": "../baseline.json"}

`rag eval` scores the held-out half of a set that records a split (`--split calibration`
or `--split all` for the others). Every other gold file is scored whole; `--split` on one
applies the hash split only when asked. The baseline is `--baseline` when given, else the
sidecar's `baseline` (relative to the gold file), else `<gold stem>.baseline.json` beside
the gold file, which `rag eval --update-baseline` writes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from eval.gold import GoldError, GoldItem, load_gold, splits

SPLITS = ("heldout", "calibration", "all")


class GoldMeta(BaseModel):
    """The sidecar: how a gold set is split, and where its baseline lives."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    split: Literal["id-sha256"] | None = None  # parity of the SHA-256 of each question's id
    baseline: str | None = None
    about: str = ""


def meta_path(gold: Path) -> Path:
    return gold.with_name(f"{gold.stem}.meta.json")


def read_meta(gold: Path) -> GoldMeta | None:
    """The gold file's sidecar, or None when it has none."""
    path = meta_path(gold)
    if not path.is_file():
        return None
    try:
        return GoldMeta.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GoldError(f"{path}: not JSON ({exc})") from exc
    except ValidationError as exc:
        raise GoldError(f"{path}: {exc.errors()[0]['msg']} ({exc.errors()[0]['loc']})") from exc


@dataclass(frozen=True)
class Selection:
    """The questions one run scores, and why those."""

    items: list[GoldItem]
    total: int
    split: str  # "heldout", "calibration" or "all"
    why: str


@dataclass(frozen=True)
class GoldSet:
    path: Path
    items: list[GoldItem]
    meta: GoldMeta | None

    @property
    def is_split(self) -> bool:
        return self.meta is not None and self.meta.split is not None

    def baseline(self, given: Path | None) -> Path:
        """Where this set's baseline is read from and written to."""
        if given is not None:
            return given
        if self.meta is not None and self.meta.baseline:
            return Path(os.path.normpath(self.path.parent / self.meta.baseline))
        return self.path.with_name(f"{self.path.stem}.baseline.json")

    def select(self, split: str | None) -> Selection:
        """The questions to score: the held-out half of a split set, all of any other
        (unless `split` asks for a half)."""
        if split is not None and split not in SPLITS:
            raise GoldError(f"--split is one of {', '.join(SPLITS)}, not {split!r}")
        chosen = split or ("heldout" if self.is_split else "all")
        parts = splits(self.items)
        items = [i for i in self.items if chosen == "all" or parts[i.id] == chosen]
        n, total, name = len(items), len(self.items), self.path.name
        sidecar = meta_path(self.path).name
        if chosen == "all":
            why = (
                f"all {total} questions (--split all)"
                if self.is_split
                else f"all {total} questions: {name} records no split (no {sidecar})"
            )
        elif self.is_split:
            half = "held-out" if chosen == "heldout" else "calibration"
            why = f"the {half} half, {n} of {total}: {name} is split ({sidecar})"
            if chosen == "heldout":
                why += "; --split calibration or all for the rest"
            else:
                why += "; rules are fitted on it, so it flatters"
        else:
            why = f"{n} of {total}: the {chosen} half by id hash, as --split asked"
        return Selection(items, total, chosen, why)


def load_gold_set(path: Path) -> GoldSet:
    return GoldSet(path, load_gold(path), read_meta(path))
