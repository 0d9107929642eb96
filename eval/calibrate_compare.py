"""Calibrate compare mode's "does this source address the topic?" decision.

Run: `python -m eval.calibrate_compare [--gold eval/gold/news.jsonl] [--corpus seeds]`

For every compare question of the gold file's calibration split (never the held-out one,
which `rag eval` reports on), each source's addressing score is computed
for a grid of coverage weights; the (weight, threshold) pair with the best accuracy
against `sources` (address) and `silent_sources` (silent) is printed with the
distributions. The chosen values live in rag/compare/per_source.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
from pathlib import Path
from typing import Any

from eval.gold import load_gold, splits
from rag.answering.pipeline import open_pipeline
from rag.compare.detect import topic_of
from rag.compare.per_source import find_per_source
from rag.config import Settings
from rag.ingest import ingest_paths
from rag.language.text import terms

# per (question, source): the (coverage, dense) of its five best sentences, the label, the name
SourcePair = tuple[list[tuple[float, float]], bool, str]
# per (question, source): its addressing score at one coverage weight, the label, the name
Scored = tuple[float, bool, str]


def calibration_questions(gold: Path) -> list[dict[str, Any]]:
    """The gold file's compare questions of the calibration split."""
    rows = [json.loads(line) for line in gold.read_text().splitlines() if line.strip()]
    parts = splits(load_gold(gold))
    return [r for r in rows if r["type"] == "compare" and parts[r["id"]] == "calibration"]


def collect_pairs(questions: list[dict[str, Any]], corpus: Path) -> list[SourcePair]:
    """Ingest `corpus` into a scratch store and score every gold-labelled source's sentences."""
    pairs: list[SourcePair] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)
        with open_pipeline(settings) as pipe:
            ingest_paths(pipe.store, [corpus], settings)
            for row in questions:
                topic = topic_of(row["question"])
                index = pipe.store.term_stats(terms(topic))
                for f in find_per_source(pipe.retriever, topic):
                    if f.source_id not in row["sources"] + row["silent_sources"]:
                        continue
                    top = [
                        (index.coverage(terms(topic), set(terms(s.text))), s.dense)
                        for s in f.ranked[:5]
                    ] or [(0.0, 0.0)]
                    pairs.append((top, f.source_id in row["sources"], f"{row['id']}:{f.source_id}"))
    return pairs


def scored(pairs: list[SourcePair], w: float) -> list[Scored]:
    """Each pair's addressing score at coverage weight `w`."""
    return [(max(w * c + (1 - w) * d for c, d in top), y, name) for top, y, name in pairs]


def balanced(rows: list[Scored], t: float) -> float:
    """Balanced accuracy of the cut `t` (addresses at or above it)."""
    pos = [s >= t for s, y, _ in rows if y]
    neg = [s < t for s, y, _ in rows if not y]
    return (sum(pos) / max(1, len(pos)) + sum(neg) / max(1, len(neg))) / 2


def best_weight(pairs: list[SourcePair]) -> tuple[float, float, float]:
    """(balanced accuracy, coverage weight, threshold) of the best grid point, printing each
    weight's best on the way."""
    best = (0.0, 0.0, 0.0)
    for w in [x / 10 for x in range(11)]:
        rows = scored(pairs, w)
        cuts = sorted({s for s, _, _ in rows})
        for lo, hi in itertools.pairwise(cuts):
            t = round((lo + hi) / 2, 3)  # midway between neighbours: the widest margin
            acc = balanced(rows, t)
            if acc > best[0]:
                best = (acc, w, t)
        best_here = max(
            (balanced(rows, round((lo + hi) / 2, 3)), round((lo + hi) / 2, 3))
            for lo, hi in itertools.pairwise(cuts)
        )
        print(
            f"  coverage weight {w:.1f}: balanced accuracy {best_here[0]:.3f} at {best_here[1]:.3f}"
        )
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=Path("eval/gold/news.jsonl"))
    parser.add_argument("--corpus", type=Path, default=Path("seeds"))
    args = parser.parse_args()
    questions = calibration_questions(args.gold)
    pairs = collect_pairs(questions, args.corpus)
    acc, w, t = best_weight(pairs)
    print(f"{len(pairs)} (question, source) pairs from {len(questions)} compare questions")
    print(f"best: coverage weight {w:.1f}, threshold {t:.3f}, balanced accuracy {acc:.3f}")
    for s, y, name in sorted(scored(pairs, w), key=lambda r: -r[0]):
        flag = "" if (s >= t) == y else "  <- wrong"
        print(f"  {name:28s} gold={'addresses' if y else 'silent':9s} score={s:.3f}{flag}")
    out = {
        "coverage_weight": w,
        "threshold": t,
        "balanced_accuracy": round(acc, 4),
        "pairs": len(pairs),
        "gold": str(args.gold),
        "split": "calibration",
        "questions": [r["id"] for r in questions],
    }
    Path("eval/calibration_compare.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
