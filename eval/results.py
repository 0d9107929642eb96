"""The results document `rag eval --out` writes: metrics, per-question detail, provenance."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from eval.harness import QuestionResult, aggregate_results, applicable_counts
from eval.runinfo import corpus_fingerprint, file_sha256, git_sha, package_versions, settings_dump
from rag.config import Settings
from rag.ingest import IngestReport


def results_document(
    results: list[QuestionResult],
    settings: Settings,
    *,
    split: str,
    gold: Path,
    corpus: Path,
    ingest: IngestReport,
    started: datetime,
    duration_s: float,
    judge_model: str | None = None,
    of: int | None = None,
    why: str = "",
    interrupted: bool = False,
) -> dict[str, Any]:
    """`of`: the questions there were to score (`results` may hold fewer: `why` says why,
    or the run was `interrupted` by Ctrl-C)."""
    config = settings_dump(settings)
    config["data_dir"] = "(temporary)"
    return {
        "run": {
            "started": started.isoformat(timespec="seconds"),
            "duration_s": round(duration_s, 2),
            "gold": {
                "path": str(gold),
                "sha256": file_sha256(gold),
                "split": split,
                "questions": len(results),
                "of": len(results) if of is None else of,
                "why": why,
            },
            "corpus": {
                "path": str(corpus),
                "sha256": corpus_fingerprint(corpus),
                "indexed": len(ingest.added) + len(ingest.updated) + len(ingest.unchanged),
                "failed": ingest.failed,
                "chunks": ingest.chunks,
            },
            "judge_model": judge_model,
            "git_sha": git_sha(),
            "versions": package_versions(),
            "config": config,
            "interrupted": interrupted,
        },
        "metrics": aggregate_results(results),
        "applicable": applicable_counts(results),
        "questions": [r.detail() for r in results],
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
