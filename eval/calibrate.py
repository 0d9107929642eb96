"""Calibrate the refusal threshold on the gold questions.

    python -m eval.calibrate [--gold eval/gold/news.jsonl] [--corpus seeds]
                             [--out eval/calibration.json]

For every gold question it runs retrieval and evidence ranking (no generation) and takes
the evidence strength. The chain refuses when strength < threshold, so the best threshold
separates `refuse: true` questions (low strength) from the answerable ones. It maximises
balanced accuracy (the mean of refusal recall and answer recall, so 12 unanswerable
questions weigh as much as 56 answerable ones) among the thresholds that still answer at
least `--min-answer-recall` (default 0.95) of the answerable questions: refusing a
question the articles do answer costs the user more than an answer whose quotes they can
check. Among equally good thresholds it takes the middle of the widest gap between
neighbouring strengths, the most robust choice.
Questions the chain routes to compare mode (`is_comparative`) are listed but left out:
compare mode never applies the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from eval.gold import check_sources, load_gold
from eval.harness import indexed_sources, temporary_pipeline
from eval.metrics import percentile
from eval.results import write_json
from rag.compare.detect import is_comparative
from rag.config import get_settings
from rag.evidence import strength


@dataclass(frozen=True)
class Split:
    threshold: float
    balanced_accuracy: float
    refusal_recall: float  # share of refuse:true questions below the threshold
    answer_recall: float  # share of answerable questions at or above it
    margin: float  # width of the gap between strengths the threshold sits in


def rates(
    refuse: Sequence[float], answer: Sequence[float], threshold: float
) -> tuple[float, float]:
    """(refusal recall, answer recall) when strength < threshold means refuse."""
    tpr = sum(s < threshold for s in refuse) / len(refuse) if refuse else 1.0
    tnr = sum(s >= threshold for s in answer) / len(answer) if answer else 1.0
    return tpr, tnr


def best_threshold(
    refuse: Sequence[float], answer: Sequence[float], min_answer_recall: float = 0.0
) -> Split:
    """The threshold with the best balanced accuracy (widest gap on ties) among those that
    answer at least `min_answer_recall` of the answerable questions."""
    if not refuse and not answer:
        raise ValueError("no strengths to calibrate on")
    points = sorted(set(refuse) | set(answer))
    # Candidates sit between neighbouring strengths, and just outside both ends.
    edges = [(points[0] - 0.05, points[0])]
    edges += list(pairwise(points))
    edges.append((points[-1], points[-1] + 0.05))
    best: Split | None = None
    for low, high in edges:
        threshold = round((low + high) / 2, 4)
        tpr, tnr = rates(refuse, answer, threshold)
        split = Split(
            threshold, round((tpr + tnr) / 2, 4), round(tpr, 4), round(tnr, 4), round(high - low, 4)
        )
        if split.answer_recall < min_answer_recall:
            continue
        if best is None or (split.balanced_accuracy, split.margin) > (
            best.balanced_accuracy,
            best.margin,
        ):
            best = split
    assert best is not None
    return best


def auc(refuse: Sequence[float], answer: Sequence[float]) -> float | None:
    """Chance that an answerable question has more strength than a refuse:true one (ROC AUC)."""
    if not refuse or not answer:
        return None
    wins = sum((a > r) + 0.5 * (a == r) for a in answer for r in refuse)
    return round(wins / (len(answer) * len(refuse)), 4)


def frontier(refuse: Sequence[float], answer: Sequence[float]) -> list[Split]:
    """For each reachable refusal recall, the threshold that keeps the most answers."""
    best: dict[float, Split] = {}
    for t in sorted(set(refuse) | set(answer)):
        threshold = round(t + 1e-4, 4)  # just above a strength: that question is refused
        tpr, tnr = rates(refuse, answer, threshold)
        split = Split(threshold, round((tpr + tnr) / 2, 4), round(tpr, 4), round(tnr, 4), 0.0)
        key = round(tpr, 4)
        if key not in best or split.answer_recall > best[key].answer_recall:
            best[key] = split
    return [best[k] for k in sorted(best)]


def distribution(values: Sequence[float]) -> dict[str, float | None]:
    stats: dict[str, float | None] = {"n": float(len(values))}
    for name, q in (
        ("min", 0),
        ("p10", 10),
        ("p25", 25),
        ("median", 50),
        ("p75", 75),
        ("p90", 90),
        ("max", 100),
    ):
        value = percentile(values, q)
        stats[name] = round(value, 4) if value is not None else None
    return stats


def histogram(
    refuse: Sequence[float], answer: Sequence[float], threshold: float, width: float = 0.05
) -> list[str]:
    """Text histogram: one line per bin, R = refuse:true question, A = answerable."""
    values = [*refuse, *answer]
    lines = []
    start = int(min(values) / width) * width
    while start <= max(values):
        end = start + width
        r = sum(start <= s < end for s in refuse)
        a = sum(start <= s < end for s in answer)
        mark = " <- threshold" if start <= threshold < end else ""
        lines.append(f"{start:.2f}-{end:.2f} {'R' * r}{'A' * a}{mark}")
        start = round(end, 6)
    return lines


app = typer.Typer(add_completion=False)


@app.command()
def main(
    gold: Annotated[Path, typer.Option(help="Gold questions")] = Path("eval/gold/news.jsonl"),
    corpus: Annotated[Path | None, typer.Option(help="Articles (default: seeds/)")] = None,
    out: Annotated[Path, typer.Option(help="Where to write the calibration")] = Path(
        "eval/calibration.json"
    ),
    min_answer_recall: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Answerable questions that must be answered")
    ] = 0.95,
) -> None:
    """Print the refusal threshold that best separates refuse:true from answerable questions."""
    console = Console()
    settings = get_settings()
    items = load_gold(gold)
    corpus = corpus or settings.seeds_dir
    rows: list[dict[str, Any]] = []
    with temporary_pipeline(settings, corpus) as (pipe, _):
        check_sources(items, indexed_sources(pipe), str(corpus))
        for item in items:
            _, ranked = pipe.chain.retrieve(item.question)
            rows.append(
                {
                    "id": item.id,
                    "type": item.type,
                    "refuse": item.refuse,
                    "strength": round(strength(ranked), 4),
                    "compare_mode": is_comparative(item.question),
                }
            )
    # Comparative questions go to compare mode, which never applies the threshold.
    gated = [r for r in rows if not r["compare_mode"]]
    refuse = [r["strength"] for r in gated if r["refuse"]]
    answer = [r["strength"] for r in gated if not r["refuse"]]
    split = best_threshold(refuse, answer, min_answer_recall)
    current = rates(refuse, answer, settings.refusal_threshold)
    wrong = [r for r in gated if (r["strength"] < split.threshold) != r["refuse"]]

    table = Table("questions", *distribution([]).keys())
    for name, values in (("refuse: true", refuse), ("answerable", answer)):
        stats = distribution(values)
        table.add_row(name, *(f"{v:.3f}" if v is not None else "—" for v in stats.values()))
    console.print(table)
    skipped = [r["id"] for r in rows if r["compare_mode"]]
    if skipped:
        console.print(f"left out (answered in compare mode, no threshold): {', '.join(skipped)}")
    console.print("\n".join(histogram(refuse, answer, split.threshold)), highlight=False)
    console.print(
        f"\n[bold]best threshold {split.threshold:.3f}[/bold]: balanced accuracy "
        f"{split.balanced_accuracy:.3f} (refusal recall {split.refusal_recall:.3f}, "
        f"answer recall {split.answer_recall:.3f}, gap {split.margin:.3f})"
    )
    console.print(
        f"current setting {settings.refusal_threshold:.3f}: balanced accuracy "
        f"{(current[0] + current[1]) / 2:.3f} (refusal recall {current[0]:.3f}, "
        f"answer recall {current[1]:.3f})"
    )
    console.print(f"separation (ROC AUC): {auc(refuse, answer)}")
    curve = Table(
        "threshold",
        "refusal recall",
        "answer recall",
        "balanced accuracy",
        title="trade-off: lowest threshold reaching each refusal recall",
    )
    for f in frontier(refuse, answer):
        curve.add_row(
            *(
                f"{v:.4f}"
                for v in (f.threshold, f.refusal_recall, f.answer_recall, f.balanced_accuracy)
            )
        )
    console.print(curve)
    for r in wrong:
        side = "answered but should refuse" if r["refuse"] else "refused but answerable"
        console.print(f"  {r['id']} ({r['type']}) {r['strength']:.3f}: {side}")
    write_json(
        out,
        {
            "about": "Written by `python -m eval.calibrate`; sets Settings.refusal_threshold.",
            "gold": str(gold),
            "corpus": str(corpus),
            "settings": {
                k: getattr(settings, k)
                for k in ("embedder", "chunk_tokens", "top_k", "candidates", "lexical_weight")
            },
            "min_answer_recall": min_answer_recall,
            **asdict(split),
            "auc": auc(refuse, answer),
            "current": {
                "threshold": settings.refusal_threshold,
                "refusal_recall": current[0],
                "answer_recall": current[1],
            },
            "frontier": [asdict(f) for f in frontier(refuse, answer)],
            "distributions": {"refuse": distribution(refuse), "answerable": distribution(answer)},
            "misclassified": wrong,
            "questions": rows,
        },
    )
    console.print(f"written {out}")


if __name__ == "__main__":
    app()
