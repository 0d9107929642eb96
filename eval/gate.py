"""The regression gate: compare a run's metrics with the baseline file, metric by metric.

A gated metric fails when it falls below its baseline by more than the tolerance
(absolute, on the 0..1 scale), or when the baseline has it and this run does not.
It is checked overall and per question type: 1 of 12 unanswerable questions no longer
refused is a drop of 0.083 there, but only 0.0125 overall. Latency and LLM-judge
scores are reported, never gated (the judge is optional and not deterministic).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from eval.metrics import QUALITY_METRICS, MetricTable
from rag.errors import RagError

Status = Literal["same", "better", "worse", "REGRESSED", "missing", "new", "info"]
GATED: frozenset[str] = frozenset(QUALITY_METRICS)
_EPS = 1e-9


class BaselineError(RagError):
    """The baseline file exists but cannot be read as one."""


@dataclass(frozen=True)
class Row:
    group: str  # "overall" or a question type
    metric: str
    value: float | None
    baseline: float | None
    status: Status

    @property
    def delta(self) -> float | None:
        if self.value is None or self.baseline is None:
            return None
        return round(self.value - self.baseline, 4)

    @property
    def failed(self) -> bool:
        return self.status in ("REGRESSED", "missing")


def status_of(metric: str, value: float | None, baseline: float | None, tolerance: float) -> Status:
    gated = metric in GATED
    if baseline is None:
        return "new" if gated else "info"
    if value is None:
        return "missing" if gated else "info"
    if not gated:
        return "info"
    delta = value - baseline
    if delta < -tolerance - _EPS:
        return "REGRESSED"
    if delta < -_EPS:
        return "worse"
    return "better" if delta > _EPS else "same"


def compare(current: MetricTable, baseline: MetricTable | None, tolerance: float) -> list[Row]:
    """One row per (group, metric) that either side has a value for; overall first."""
    base = baseline or {}
    groups = list(current) + [g for g in base if g not in current]
    groups.sort(key=lambda g: g != "overall")
    rows: list[Row] = []
    for group in groups:
        now, then = current.get(group, {}), base.get(group, {})
        names = list(now) + [n for n in then if n not in now]
        for name in names:
            value, old = now.get(name), then.get(name)
            if value is None and old is None:
                continue
            rows.append(Row(group, name, value, old, status_of(name, value, old, tolerance)))
    return rows


def load_baseline(path: Path) -> dict[str, Any] | None:
    """The baseline document, or None when the file does not exist."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a JSON baseline ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise BaselineError(
            f"{path}: a baseline needs a 'metrics' object (make one with "
            "`rag eval --update-baseline`)"
        )
    return data


def foreign_gold(baseline: dict[str, Any], gold_sha256: str, split: str) -> str | None:
    """Why `baseline` was not made for this gold file and split, or None when it was.
    A baseline knows its gold file by hash: another file's metrics are not a bar to pass."""
    made = baseline.get("gold", {})
    if made.get("sha256") != gold_sha256:
        return f"it was made from another gold file ({made.get('path', '?')})"
    if made.get("split") != split:
        return f"it was made from the {made.get('split', '?')!r} split, not {split!r}"
    return None


def baseline_document(results_doc: dict[str, Any]) -> dict[str, Any]:
    """The part of a results document worth keeping as the baseline (no per-question text)."""
    run = results_doc["run"]
    return {
        "about": "What `rag eval` compares against; regenerate: `rag eval --update-baseline`.",
        "created": run["started"],
        "generator": run["config"]["generator"],
        "gold": run["gold"],
        "corpus": run["corpus"],
        "git_sha": run["git_sha"],
        "config": run["config"],
        "metrics": results_doc["metrics"],
        "failing": sorted(q["id"] for q in results_doc["questions"] if q["failures"]),
    }


def mismatches(baseline: dict[str, Any], results_doc: dict[str, Any]) -> list[str]:
    """Warnings when the baseline was made from other inputs than this run."""
    run = results_doc["run"]
    notes = []  # the gold file and split always match: see foreign_gold
    if baseline.get("corpus", {}).get("sha256") != run["corpus"]["sha256"]:
        notes.append("the baseline was made from a different corpus")
    then, now = baseline.get("config", {}), run["config"]
    changed = [
        f"{k} {then[k]!r} -> {now[k]!r}" for k in sorted(set(then) & set(now)) if then[k] != now[k]
    ]
    if changed:
        notes.append(f"settings differ from the baseline's: {'; '.join(changed)}")
    return notes


def gate_summary(
    rows: list[Row],
    baseline: dict[str, Any] | None,
    path: Path,
    tolerance: float,
    questions: list[dict[str, Any]],
) -> dict[str, Any]:
    """The verdict written into the results: failed metrics and questions that changed."""
    failed = [f"{r.group}/{r.metric}" for r in rows if r.failed]
    failing = {q["id"] for q in questions if q["failures"]}
    before = set(baseline.get("failing", [])) if baseline else failing
    return {
        "baseline": str(path) if baseline else None,
        "tolerance": tolerance,
        "failed": failed,
        "passed": baseline is not None and not failed,
        "newly_failing": sorted(failing - before),
        "now_passing": sorted(before - failing),
    }
