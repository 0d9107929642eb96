"""How well the support judgement (rag/support/judge.py) tells right claims from wrong ones.

    python -m eval.support                    # the seeds' pairs (eval/gold/support_pairs.jsonl)
    python -m eval.support --archive          # plus pairs built from the shared archive
    python -m eval.support --calibrate        # fit the coverage share on the calibration split
    python -m eval.support --write-pairs      # rebuild the seeds' pairs file (keeps `restated`)
    python -m eval.support --recite           # what re-citing (rag/support/release.py) rescues
    python -m eval.support --verifier none    # the exact checks alone (default: RAG_VERIFIER)

Reported per split: right claims kept, wrong claims caught (overall and by kind) and the
time one check takes. The coverage share (RAG_CLAIM_COVERAGE) is fitted on `calibration`
only: the highest share that still keeps 95 % of its right claims of every kind, so the
held-out figures are out of sample.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from eval.results import write_json
from eval.support_pairs import PAIRS, Pair, build_pairs, read_pairs, write_pairs
from rag.documents.loading import Document, load_documents
from rag.language.text import sentences
from rag.support.exact import check
from rag.support.judge import Quote, SupportJudge, Verdict
from rag.verification.factory import verifier_for

ARCHIVE = Path("../shared/corpora/realtimeqa-dev/articles")
CALIBRATION = Path(__file__).parent / "calibration_support.json"
MIN_KEPT = 0.95
MAX_RESCUED = 0.01
GRID = [round(0.30 + 0.05 * i, 2) for i in range(14)]  # 0.30 .. 0.95


def caught(pair: Pair, coverage: float) -> bool:
    """Whether the exact checks alone, at `coverage`, remove the claim."""
    return check(pair.claim, [pair.quote], pair.context).reason(coverage) is not None


def judged(pairs: Sequence[Pair], judge: SupportJudge) -> dict[str, bool]:
    """Pair id -> removed, as the product decides (rag/support/judge.py)."""
    items = [(p.claim, [Quote(p.quote, p.id, p.context)]) for p in pairs]
    verdicts: list[Verdict] = []
    for at in range(0, len(items), 256):
        verdicts += judge.verdicts(items[at : at + 256])
    return {p.id: v.reason is not None for p, v in zip(pairs, verdicts, strict=True)}


def scores(pairs: Sequence[Pair], judge: SupportJudge) -> dict[str, float | int]:
    """Right kept, wrong caught (and by kind), the judgement's time per claim."""
    right = [p for p in pairs if p.right]
    wrong = [p for p in pairs if not p.right]
    started = time.perf_counter()
    flags = judged(pairs, judge)
    per_check_ms = (time.perf_counter() - started) * 1000 / max(1, len(pairs))
    out: dict[str, float | int] = {
        "right": len(right),
        "wrong": len(wrong),
        "right_kept": _share([not flags[p.id] for p in right]),
        "wrong_caught": _share([flags[p.id] for p in wrong]),
        "ms_per_claim": round(per_check_ms, 3),
    }
    kinds: dict[str, list[bool]] = defaultdict(list)
    for p in pairs:
        kinds[p.kind].append(flags[p.id] != p.right)  # True when the check got it right
    for kind, hits in sorted(kinds.items()):
        out[f"{kind}"] = _share(hits)
    return out


def best_other(
    pairs: Sequence[Pair], docs: Sequence[Document], coverage: float
) -> list[tuple[Pair, float]]:
    """For each claim the check removes against its own quote: the highest share of its
    words any other sentence of its article holds while giving all its numbers, dates and
    names and the same negation (-1 when none does). A re-cite at share `bar` would show
    the claim exactly when this is at least `bar` (rag.support.release.recite), offered the whole
    article: more than a model's evidence ever holds of it."""
    texts = {d.source_id: [d.text[sp.start : sp.end] for sp in sentences(d.text)] for d in docs}
    out: list[tuple[Pair, float]] = []
    for p in pairs:
        if not caught(p, coverage):
            continue
        source = ":".join(p.id.split(":")[1:-2])
        best = -1.0
        for text in texts.get(source, []):
            if text != p.quote:
                found = check(p.claim, [text], p.context)
                if found.reason(0.0) is None:
                    best = max(best, found.coverage)
        out.append((p, best))
    return out


def rescued(best: Sequence[tuple[Pair, float]], bar: float) -> dict[str, float | int]:
    """Shares of removed claims a re-cite at `bar` would show: for wrong claims that is
    harm, for right ones help."""
    found: dict[str, list[bool]] = defaultdict(list)
    for p, share in best:
        found["right" if p.right else "wrong"].append(share >= bar)
        if not p.right:
            found[f"wrong {p.kind}"].append(share >= bar)
    return {f"{k} re-cited": _share(v) for k, v in sorted(found.items())} | {
        f"{k} removed": len(found[k]) for k in ("right", "wrong")
    }


def calibrate_recite(best: Sequence[tuple[Pair, float]], coverage: float) -> float:
    """The lowest re-cite share (above the check's) at which at most MAX_RESCUED of the
    calibration split's removed wrong claims would be shown after all."""
    wrong = [share for p, share in best if p.split == "calibration" and not p.right]
    for bar in [g for g in GRID if g > coverage]:
        if not wrong or statistics.mean(share >= bar for share in wrong) <= MAX_RESCUED:
            return bar
    return 1.0


def per_kind(pairs: Sequence[Pair], cap: int, seed: int = 7) -> list[Pair]:
    """At most `cap` pairs of each (split, kind), drawn with `seed`."""
    groups: dict[tuple[str, str], list[Pair]] = defaultdict(list)
    for p in pairs:
        groups[(p.split, p.kind)].append(p)
    rng = random.Random(seed)
    return [
        p
        for key in sorted(groups)
        for p in (groups[key] if len(groups[key]) <= cap else rng.sample(groups[key], cap))
    ]


def _share(flags: Sequence[bool]) -> float:
    return round(sum(flags) / len(flags), 3) if flags else float("nan")


def calibrate(pairs: Sequence[Pair]) -> float:
    """The highest coverage share that keeps MIN_KEPT of the right claims of every kind
    (the reworded ones are the hardest), on the calibration split only."""
    kinds: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        if p.right and p.split == "calibration":
            kinds[p.kind].append(p)

    def keeps(c: float) -> bool:
        return all(
            statistics.mean(not caught(p, c) for p in ps) >= MIN_KEPT for ps in kinds.values()
        )

    fits = [c for c in GRID if keeps(c)]
    return max(fits) if fits else GRID[0]


def _parser() -> argparse.ArgumentParser:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--archive", action="store_true", help="add pairs from the shared archive")
    args.add_argument("--per-article", type=int, default=3, help="archive sentences per article")
    args.add_argument("--calibrate", action="store_true")
    args.add_argument("--write-pairs", action="store_true")
    args.add_argument("--coverage", type=float, default=None)
    args.add_argument("--recite", action="store_true", help="what re-citing rescues")
    args.add_argument(
        "--verifier", default=None, help="local | none | a CrossEncoder (default: the settings')"
    )
    args.add_argument(
        "--per-kind", type=int, default=400, help="archive pairs kept per kind and split"
    )
    return args


def _load_sets(
    opts: argparse.Namespace,
) -> tuple[dict[str, list[Pair]], dict[str, list[Document]]]:
    """The pair sets by corpus name (seeds, and the archive when asked) and, where needed,
    their articles."""
    if opts.write_pairs:  # the local model's restatements (eval/support_restate.py) stay
        kept = [p for p in read_pairs(PAIRS) if p.kind == "restated"] if PAIRS.exists() else []
        write_pairs(build_pairs(load_documents([Path("seeds")]), corpus="seeds") + kept)
    sets = {"seeds": read_pairs(PAIRS)}
    docs = {"seeds": list(load_documents([Path("seeds")]))} if opts.recite else {}
    if opts.archive:
        if not ARCHIVE.is_dir():
            raise SystemExit(f"no shared archive at {ARCHIVE}: run without --archive")
        docs["archive"] = list(load_documents([ARCHIVE]))
        sets["archive"] = per_kind(
            build_pairs(docs["archive"], "archive", opts.per_article), opts.per_kind
        )
    return sets, docs


def _fit(
    opts: argparse.Namespace,
    sets: dict[str, list[Pair]],
    docs: dict[str, list[Document]],
    bar: float,
    console: Console,
) -> tuple[float, float]:
    """Fit the coverage share (and the re-cite share with --recite, else `bar` stays) on
    the calibration split, write them to CALIBRATION and return them."""
    every = [p for ps in sets.values() for p in ps]
    coverage = calibrate(every)
    fitted: dict[str, object] = {"claim_coverage": coverage, "min_kept": MIN_KEPT}
    if opts.recite:
        every_doc = [d for ds in docs.values() for d in ds]
        bar = calibrate_recite(best_other(every, every_doc, coverage), coverage)
        fitted |= {"recite_coverage": bar, "max_rescued": MAX_RESCUED}
    write_json(CALIBRATION, {**fitted, "pairs": {k: len(v) for k, v in sets.items()}})
    console.print(f"fitted on calibration: {fitted} -> {CALIBRATION}")
    return coverage, bar


def _table(
    sets: dict[str, list[Pair]],
    docs: dict[str, list[Document]],
    judge: SupportJudge,
    coverage: float,
    bar: float,
    recite: bool,
) -> Table:
    """One column per (corpus, split), one row per measure."""
    title = f"support, verifier {judge.name} at {judge.threshold}, coverage share {coverage}" + (
        f", re-cite share {bar}" if recite else ""
    )
    table = Table(title=title)
    rows = {
        f"{name} {split}": scores([p for p in ps if p.split == split], judge)
        for name, ps in sets.items()
        for split in ("calibration", "heldout")
    }
    if recite:
        for name, ps in sets.items():
            for split in ("calibration", "heldout"):
                chosen = [p for p in ps if p.split == split]
                rows[f"{name} {split}"] |= rescued(best_other(chosen, docs[name], coverage), bar)
    columns = sorted({k for r in rows.values() for k in r}, key=lambda k: (k[0].isupper(), k))
    table.add_column("measure")
    for name in rows:
        table.add_column(name, justify="right")
    for key in columns:
        table.add_row(key, *(str(r.get(key, "")) for r in rows.values()))
    return table


def main(argv: Sequence[str] | None = None) -> None:
    opts = _parser().parse_args(argv)
    console = Console()
    sets, docs = _load_sets(opts)
    from rag.config import Settings

    defaults = Settings(_env_file=None)
    if opts.verifier is not None:
        defaults = defaults.model_copy(update={"verifier": opts.verifier})
    coverage = opts.coverage if opts.coverage is not None else defaults.claim_coverage
    bar = defaults.recite_coverage
    if opts.calibrate:
        coverage, bar = _fit(opts, sets, docs, bar, console)
    judge = SupportJudge(verifier_for(defaults), coverage)
    console.print(_table(sets, docs, judge, coverage, bar, opts.recite))


if __name__ == "__main__":
    main()
