"""Train the support verifier: `python -m eval.train verifier [--out DIR] [--fresh]`.

1. Pairs (eval/train/verifier_data.py): our pair set's calibration half (seeds and the
   shared archive) and FM2 dev, written to `DIR/data/` with their sha256.
2. Training (eval/train/loop.py): the reader's network, started from the reader's trained
   weights (`--init`, default `.train/reader/reader.pt`: a cross-encoder that already reads
   a question against a sentence), its answer head now "the quotes back the claim"; no
   span. Seed 13, checkpoints a rerun resumes from.
3. Export (eval/train/verifier_export.py): int8 ONNX into `rag/verification/models/`,
   its threshold fitted on the `fit` pairs, its card with held-out, FM2 test and WiCE
   figures.
Runs on the CPU (2 cores: about half an hour); a GPU is used when present.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from eval.runinfo import file_sha256
from eval.support_pairs import PAIRS
from eval.train.loop import TrainConfig, collate, train
from eval.train.reader_data import Example, read_jsonl, write_jsonl
from eval.train.reader_model import ReaderNet, base_model_path, losses
from eval.train.verifier_data import ARCHIVE, FM2, verifier_parts
from rag.reading.encoding import load_tokenizer

MAX_TOKENS = 192  # a claim (~30 tokens) and up to three quotes with their outlet and title
EVAL_PAIRS = 1500  # fit pairs scored during training
LR = 4e-5  # a trained cross-encoder refined: below the reader's 6e-5 from the base


def build_data(out: Path, seed: int) -> dict[str, Any]:
    data = out / "data"
    meta_file = data / "meta.json"
    if meta_file.is_file():
        meta: dict[str, Any] = json.loads(meta_file.read_text())
        if meta.get("seed") == seed:
            return meta
    print("building verifier pairs (the archive's take a few minutes) ...")
    parts = verifier_parts(seed)
    meta = {
        "seed": seed,
        "pairs_sha256": file_sha256(PAIRS),
        "fm2_dev_sha256": file_sha256(FM2 / "dev.jsonl"),
        "archive": str(ARCHIVE) if ARCHIVE.is_dir() else None,
        "counts": {
            name: {
                "pairs": len(examples),
                "right": sum(e.label for e in examples),
                "fm2": sum(e.origin.startswith("fm2") for e in examples),
            }
            for name, examples in parts.items()
        },
    }
    for name, examples in parts.items():
        meta[f"{name}_sha256"] = write_jsonl(examples, data / f"{name}.jsonl")
    meta_file.write_text(json.dumps(meta, indent=2))
    return meta


def probabilities(
    model: torch.nn.Module, tokenizer: Any, examples: Sequence[Example]
) -> np.ndarray:
    logits: list[float] = []
    for i in range(0, len(examples), 64):
        t = collate(tokenizer, list(examples[i : i + 64]))
        logits += model(t.ids, t.mask, t.types)[0].float().cpu().tolist()
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(np.array(logits), -50, 50))))


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    pos, neg = scores[labels == 1], scores[labels == 0]
    if not len(pos) or not len(neg):
        return 0.0
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def score(model: torch.nn.Module, tokenizer: Any, examples: Sequence[Example]) -> dict[str, float]:
    """ROC AUC and the balanced accuracy at 0.5 (the threshold is fitted at export)."""
    p = probabilities(model, tokenizer, examples)
    y = np.array([e.label for e in examples])
    kept = float((p[y == 1] >= 0.5).mean()) if (y == 1).any() else 0.0
    caught = float((p[y == 0] < 0.5).mean()) if (y == 0).any() else 0.0
    return {"auc": auc(y, p), "right_kept": kept, "wrong_caught": caught}


def run(out: Path, fresh: bool, config: TrainConfig, init: Path | None) -> dict[str, Any]:
    if fresh:
        for name in ("checkpoint.pt", "log.json"):
            (out / name).unlink(missing_ok=True)
    config = replace(config, lr=LR)
    random.seed(config.seed)
    meta = build_data(out, config.seed)
    examples = read_jsonl(out / "data" / "train.jsonl")
    fit = read_jsonl(out / "data" / "fit.jsonl")
    sample = random.Random(config.seed).sample(fit, min(EVAL_PAIRS, len(fit)))
    print(f"{len(examples):,} training pairs, {len(fit):,} fit pairs")
    tokenizer = load_tokenizer(max_tokens=MAX_TOKENS)
    torch.manual_seed(config.seed)
    model = ReaderNet(base_model_path())
    if init is not None:
        if not init.is_file():
            raise SystemExit(
                f"{init} is missing: train the reader first (python -m eval.train reader) "
                "or pass --init base"
            )
        model.load_state_dict(torch.load(init, weights_only=True, map_location="cpu"))
        meta["init_sha256"] = file_sha256(init)
    log = train(
        model,
        tokenizer,
        examples,
        out,
        config,
        evaluate=lambda m: score(m, tokenizer, sample),
        loss_fn=losses,
    )
    torch.save({k: v.cpu() for k, v in model.state_dict().items()}, out / "verifier.pt")
    log["data"] = meta
    log["init"] = str(init) if init else "base"
    (out / "log.json").write_text(json.dumps(log, indent=2))
    return log
