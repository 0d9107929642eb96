"""Export the trained verifier to int8 ONNX in the package, with its threshold and card.

    python -m eval.train verifier --export-only      # after training: DIR/verifier.pt

1. int8 ONNX (eval/train/export.py `to_int8`) -> rag/verification/models/verifier.onnx;
2. the threshold, fitted on the `fit` pairs (calibration articles never trained on)
   through the product's judgement (rag/support/judge.py: the exact checks, then the
   verifier): the highest at which FIT_KEPT of the right claims are kept, and KIND_KEPT of
   every right kind with at least MIN_KIND pairs;
3. on the held-out half of the pair set: right kept and wrong caught by kind, with the
   verifier and without it (RAG_VERIFIER=none); FM2 test and WiCE test (balanced
   accuracy); the time one answer's check takes; all into the card (verifier.json, .md).
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from eval.benchmarks.base import Limits
from eval.benchmarks.claims import read_claims
from eval.train.export import to_int8
from eval.train.reader_data import Example, read_jsonl
from eval.train.reader_model import ReaderNet, base_model_path
from eval.train.verifier import MAX_TOKENS, auc, probabilities
from eval.train.verifier_card import render_card
from rag.config import Settings
from rag.reading.encoding import load_tokenizer
from rag.reading.onnx import sha256
from rag.support.judge import Quote, SupportJudge, Verdict
from rag.verification.base import CONTEXT_SEPARATOR
from rag.verification.onnx import MODELS, OnnxVerifier

FIT_KEPT = 0.985
KIND_KEPT = 0.90
MIN_KIND = 20
GRID = [round(0.01 * i, 2) for i in range(1, 100)]
FM2_TEST = Path("../shared/datasets/fm2/test.jsonl")
WICE_TEST = Path("../shared/datasets/wice/test.jsonl")


def item_of(e: Example) -> tuple[str, list[Quote]]:
    context = tuple(e.title.split(CONTEXT_SEPARATOR)) if e.title else ()
    return e.question, [Quote(e.sentence, e.group, context)]


def judge_all(judge: SupportJudge, items: Sequence[tuple[str, list[Quote]]]) -> list[Verdict]:
    out: list[Verdict] = []
    for at in range(0, len(items), 256):
        out += judge.verdicts(items[at : at + 256])
    return out


def shown(v: Verdict, threshold: float) -> bool:
    return v.reason is None and v.support >= threshold


def _share(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def by_kind(examples: Sequence[Example], verdicts: Sequence[Verdict], t: float) -> dict[str, Any]:
    """Right kept / wrong caught overall and the share judged right per kind."""
    kinds: dict[str, list[bool]] = defaultdict(list)
    right: list[bool] = []
    wrong: list[bool] = []
    for e, v in zip(examples, verdicts, strict=True):
        ok = shown(v, t) == bool(e.label)
        kinds[e.origin].append(ok)
        (right if e.label else wrong).append(ok)
    return {
        "right_kept": _share(right),
        "wrong_caught": _share(wrong),
        "pairs": len(examples),
        "kinds": {k: {"share": _share(v), "n": len(v)} for k, v in sorted(kinds.items())},
    }


def fit_threshold(examples: Sequence[Example], verdicts: Sequence[Verdict]) -> float:
    """The highest threshold keeping FIT_KEPT of the right claims and KIND_KEPT of each
    right kind with MIN_KIND pairs or more."""
    kinds: dict[str, list[Verdict]] = defaultdict(list)
    for e, v in zip(examples, verdicts, strict=True):
        if e.label:
            kinds[e.origin].append(v)
    every = [v for vs in kinds.values() for v in vs]

    def keeps(t: float) -> bool:
        if statistics.mean(shown(v, t) for v in every) < FIT_KEPT:
            return False
        return all(
            statistics.mean(shown(v, t) for v in vs) >= KIND_KEPT
            for vs in kinds.values()
            if len(vs) >= MIN_KIND
        )

    fits = [t for t in GRID if keeps(t)]
    return max(fits) if fits else GRID[0]


def claim_set(path: Path, judge: SupportJudge, t: float) -> dict[str, Any] | None:
    """Balanced accuracy on a claim verification set (eval/benchmarks/claims.py)."""
    if not path.is_file():
        return None
    items = read_claims(path, Limits())
    verdicts = judge_all(
        judge, [(i.claim, [Quote(q, i.id, i.context) for q in i.quotes]) for i in items]
    )
    kept = [shown(v, t) for i, v in zip(items, verdicts, strict=True) if i.supported]
    caught = [not shown(v, t) for i, v in zip(items, verdicts, strict=True) if not i.supported]
    k, c = statistics.mean(kept), statistics.mean(caught)
    return {
        "claims": len(items),
        "supported_kept": round(k, 4),
        "unsupported_caught": round(c, 4),
        "balanced_accuracy": round((k + c) / 2, 4),
    }


def answer_ms(verifier: OnnxVerifier, examples: Sequence[Example], claims: int = 3) -> float:
    """Median time to judge one answer's `claims` sentences, each with its quote."""
    items = [item_of(e) for e in examples]
    times = []
    for at in range(0, min(len(items), 150), claims):
        judge = SupportJudge(verifier, 0.3)  # a fresh cache: every claim is read
        started = time.perf_counter()
        judge.verdicts(items[at : at + claims])
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


LIMITATIONS = (
    "Trained on claims made by rule from news sentences, on the local model's "
    "restatements and on FM2 dev: a paraphrase unlike those may be judged unsupported.",
    "Reads 192 word pieces: the end of a third long quote may be cut.",
    "English only.",
)


def load_float(
    weights: Path, tokenizer: Any, heldout: Sequence[Example]
) -> tuple[ReaderNet, float]:
    """The trained float model (in eval mode) and its AUC on the held-out pairs."""
    model = ReaderNet(base_model_path())
    model.load_state_dict(torch.load(weights, weights_only=True))
    model.eval()
    with torch.no_grad():
        p = probabilities(model, tokenizer, heldout)
    return model, auc(torch.tensor([e.label for e in heldout]).numpy(), p)


def write_onnx(model: ReaderNet, tokenizer: Any, models: Path) -> Path:
    """int8 ONNX to `models`/verifier.onnx, with a provisional verifier.json (threshold 0.5)
    so it loads; the card replaces that file."""
    models.mkdir(parents=True, exist_ok=True)
    target = models / "verifier.onnx"
    to_int8(model, tokenizer, target)
    (models / "verifier.json").write_text(
        json.dumps({"sha256": {target.name: sha256(target)}, "threshold": 0.5})
    )
    return target


def fit_section(
    fit: Sequence[Example], fit_verdicts: Sequence[Verdict], threshold: float
) -> dict[str, Any]:
    return {
        "rule": f"highest threshold keeping {FIT_KEPT} of right claims and {KIND_KEPT} of "
        f"each right kind with >= {MIN_KIND} pairs, through rag/support/judge.py, on the "
        "fit pairs (calibration articles never trained on)",
        "pairs": len(fit),
        **by_kind(fit, fit_verdicts, threshold),
    }


def training_section(log: dict[str, Any]) -> dict[str, Any]:
    return {
        "init": log.get("init"),
        "steps": log.get("steps"),
        "seconds": log.get("seconds"),
        "pairs_per_second": log.get("pairs_per_second"),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, "
        f"torch {torch.__version__}",
        "command": "python -m eval.train verifier",
    }


def heldout_section(
    heldout: Sequence[Example],
    held_verdicts: Sequence[Verdict],
    exact: Sequence[Verdict],
    float_auc: float,
    threshold: float,
    coverage: float,
) -> dict[str, Any]:
    int8_p = [v.support for v in held_verdicts]
    return {
        "about": "the pair set's held-out half (eval/support_pairs.py; articles by sha256 "
        "parity, never trained on): the seeds' pairs and the shared archive's, at most 500 "
        "of each kind",
        "float_auc": round(float_auc, 4),
        "int8_auc": round(
            auc(torch.tensor([e.label for e in heldout]).numpy(), torch.tensor(int8_p).numpy()),
            4,
        ),
        "with_verifier": by_kind(heldout, held_verdicts, threshold),
        "exact_checks_only": by_kind(heldout, exact, coverage),
    }


def write_card(card: dict[str, Any], models: Path) -> None:
    """verifier.json and verifier.md beside the model; the headline figures printed."""
    (models / "verifier.json").write_text(json.dumps(card, indent=2) + "\n")
    (models / "verifier.md").write_text(render_card(card))
    print(
        json.dumps(
            {k: card[k] for k in ("threshold", "heldout", "benchmarks", "serving")}, indent=2
        )
    )


def export_verifier(out: Path, models: Path = MODELS) -> dict[str, Any]:
    weights = out / "verifier.pt"
    if not weights.is_file():
        raise SystemExit(f"no trained weights at {weights}: train first")
    log = json.loads((out / "log.json").read_text())
    fit = read_jsonl(out / "data" / "fit.jsonl")
    heldout = read_jsonl(out / "data" / "heldout.jsonl")
    tokenizer = load_tokenizer(max_tokens=MAX_TOKENS)
    model, float_auc = load_float(weights, tokenizer, heldout)
    target = write_onnx(model, tokenizer, models)
    started = time.perf_counter()
    verifier = OnnxVerifier(target)
    load_s = time.perf_counter() - started
    coverage = Settings(_env_file=None).claim_coverage
    verifier.threshold = 0.0  # every verdict carries its probability; thresholds applied here
    judge = SupportJudge(verifier, coverage)
    fit_verdicts = judge_all(judge, [item_of(e) for e in fit])
    threshold = fit_threshold(fit, fit_verdicts)
    held_verdicts = judge_all(judge, [item_of(e) for e in heldout])
    exact = judge_all(SupportJudge(None, coverage), [item_of(e) for e in heldout])
    card = {
        "name": "newsrag verifier",
        "task": "P(the cited quotes, with their outlet and title, back the claim)",
        "base": "the newsrag reader's trained weights (rag/reading/models/reader.md), itself "
        "from sentence-transformers/all-MiniLM-L6-v2",
        "sha256": {target.name: sha256(target)},
        "bytes": target.stat().st_size,
        "threshold": threshold,
        "fit": fit_section(fit, fit_verdicts, threshold),
        "inputs": {
            "layout": "[CLS] claim [SEP] quotes | outlet · title [SEP]",
            "max_tokens": MAX_TOKENS,
        },
        "outputs": {"answer": "logit [batch] (start and end: unused span logits)"},
        "data": log.get("data", {}),
        "hyperparameters": log.get("config", {}),
        "training": training_section(log),
        "heldout": heldout_section(heldout, held_verdicts, exact, float_auc, threshold, coverage),
        "benchmarks": {
            "fm2_test": claim_set(FM2_TEST, judge, threshold),
            "wice_test": claim_set(WICE_TEST, judge, threshold),
        },
        "serving": {
            "load_seconds": round(load_s, 3),
            "ms_per_answer_3_claims": answer_ms(
                verifier, [e for e in heldout if e.origin != "verbatim"]
            ),
        },
        "limitations": list(LIMITATIONS),
    }
    write_card(card, models)
    return card
