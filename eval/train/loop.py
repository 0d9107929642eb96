"""The training loop for a reading model: fixed seed, length-bucketed batches, a progress
bar, an evaluation on held-out pairs every `eval_every` steps, and a checkpoint a rerun
resumes from (model, optimiser, schedule, step and the batch order, which the seed fixes).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from eval.train.reader_data import Example
from rag.reading.encoding import Pair, encode, token_span


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 13
    epochs: int = 1
    batch_size: int = 16
    lr: float = 6e-5  # small model, one pass: a little above BERT-base's usual 3e-5
    warmup: float = 0.06
    weight_decay: float = 0.01
    span_weight: float = 0.5
    eval_every: int = 1000
    threads: int = 2


def device() -> torch.device:
    """A GPU when one is present, else the CPU: the same command trains on either."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class Tensors:
    ids: torch.Tensor
    mask: torch.Tensor
    types: torch.Tensor
    labels: torch.Tensor
    starts: torch.Tensor
    ends: torch.Tensor
    allowed: torch.Tensor

    def to(self, where: torch.device) -> Tensors:
        return Tensors(*(t.to(where) for t in vars(self).values()))


def collate(tokenizer: Any, examples: Sequence[Example]) -> Tensors:
    """Encode a batch and locate each positive's span in its tokens (-1 if cut off)."""
    pairs = [Pair(e.question, e.sentence, e.title, e.before) for e in examples]
    batch = encode(tokenizer, pairs)
    n, width = batch.ids.shape
    starts = np.full(n, -1, dtype=np.int64)
    ends = np.full(n, -1, dtype=np.int64)
    allowed = np.zeros((n, width), dtype=bool)
    for row, e in enumerate(examples):
        first, last = batch.sentence_tokens[row]
        if last >= first:
            allowed[row, first : last + 1] = True
        if e.label and e.start >= 0:
            span = token_span(batch, row, e.start, e.end)
            if span is not None:
                starts[row], ends[row] = span
    return Tensors(
        torch.from_numpy(batch.ids),
        torch.from_numpy(batch.mask),
        torch.from_numpy(batch.types),
        torch.tensor([e.label for e in examples]),
        torch.from_numpy(starts),
        torch.from_numpy(ends),
        torch.from_numpy(allowed),
    ).to(device())


def batch_order(examples: Sequence[Example], size: int, seed: int) -> list[list[int]]:
    """Batches of similar length (less padding), in a seeded random order."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    rng.shuffle(order)
    pool = size * 64
    batches: list[list[int]] = []
    for i in range(0, len(order), pool):
        block = sorted(
            order[i : i + pool],
            key=lambda j: (
                len(examples[j].question)
                + len(examples[j].sentence)
                + len(examples[j].before or "")
            ),
        )
        batches += [block[k : k + size] for k in range(0, len(block), size)]
    rng.shuffle(batches)
    return batches


Schedule = torch.optim.lr_scheduler.LambdaLR


def optimiser_for(
    model: torch.nn.Module, config: TrainConfig, total: int
) -> tuple[torch.optim.AdamW, Schedule]:
    """AdamW (no weight decay on biases and norms) with linear warm-up, then linear decay."""
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    plain = [p for n, p in model.named_parameters() if p.ndim <= 1]
    optimiser = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": config.weight_decay},
            {"params": plain, "weight_decay": 0.0},
        ],
        lr=config.lr,
    )
    warm = max(1, int(config.warmup * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    return optimiser, schedule


def resume(
    checkpoint: Path,
    model: torch.nn.Module,
    optimiser: torch.optim.AdamW,
    schedule: Schedule,
    log: dict[str, Any],
    total: int,
) -> tuple[int, dict[str, Any]]:
    """The step and log to go on from: the checkpoint's (loading its states) when there is
    one, else step 0 and `log`."""
    if not checkpoint.is_file():
        return 0, log
    state = torch.load(checkpoint, weights_only=False, map_location=device())
    model.load_state_dict(state["model"])
    optimiser.load_state_dict(state["optimiser"])
    schedule.load_state_dict(state["schedule"])
    step, log = state["step"], state["log"]
    print(f"resuming from step {step} of {total}")
    return step, log


def train_step(
    model: torch.nn.Module,
    t: Tensors,
    optimiser: torch.optim.AdamW,
    schedule: Schedule,
    loss_fn: Callable[..., tuple[torch.Tensor, torch.Tensor]],
    span_weight: float,
) -> float:
    """One optimiser step on batch `t`; returns its loss."""
    outputs = model(t.ids, t.mask, t.types)
    answer_loss, span_loss = loss_fn(outputs, t.labels, t.starts, t.ends, t.allowed, span_weight)
    loss = answer_loss + span_loss
    optimiser.zero_grad()
    loss.backward()  # type: ignore[no-untyped-call]
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimiser.step()
    schedule.step()
    return loss.item()


def evaluate_now(
    model: torch.nn.Module,
    evaluate: Callable[[torch.nn.Module], dict[str, float]],
    log: dict[str, Any],
    step: int,
    started: float,
) -> dict[str, float]:
    """Evaluate in eval mode (no gradients) and add the scores to `log`."""
    log["seconds"] = time.perf_counter() - started
    model.eval()
    with torch.no_grad():
        scores = evaluate(model)
    model.train()
    log["evals"].append({"step": step, **scores})
    return scores


def save_checkpoint(
    out: Path,
    model: torch.nn.Module,
    optimiser: torch.optim.AdamW,
    schedule: Schedule,
    step: int,
    log: dict[str, Any],
) -> None:
    """Everything a rerun resumes from, to `out/checkpoint.pt`, and the log to `out/log.json`."""
    torch.save(
        {
            "model": model.state_dict(),
            "optimiser": optimiser.state_dict(),
            "schedule": schedule.state_dict(),
            "step": step,
            "log": log,
        },
        out / "checkpoint.pt",
    )
    (out / "log.json").write_text(json.dumps(log, indent=2))


def train(
    model: torch.nn.Module,
    tokenizer: Any,
    examples: Sequence[Example],
    out: Path,
    config: TrainConfig,
    evaluate: Callable[[torch.nn.Module], dict[str, float]],
    loss_fn: Callable[..., tuple[torch.Tensor, torch.Tensor]],
) -> dict[str, Any]:
    """Train `model` on `examples`, resuming from `out/checkpoint.pt` when it is there.
    Returns the log: settings, steps, time, and every evaluation."""
    from tqdm import tqdm

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    out.mkdir(parents=True, exist_ok=True)
    model.to(device())
    batches = [
        b
        for epoch in range(config.epochs)
        for b in batch_order(examples, config.batch_size, config.seed + epoch)
    ]
    total = len(batches)
    optimiser, schedule = optimiser_for(model, config, total)
    log: dict[str, Any] = {"config": asdict(config), "steps": total, "evals": [], "seconds": 0.0}
    step, log = resume(out / "checkpoint.pt", model, optimiser, schedule, log, total)
    model.train()
    started = time.perf_counter() - log["seconds"]
    bar = tqdm(total=total, initial=step, unit="batch", dynamic_ncols=True)
    running: list[float] = []
    while step < total:
        t = collate(tokenizer, [examples[i] for i in batches[step]])
        loss = train_step(model, t, optimiser, schedule, loss_fn, config.span_weight)
        step += 1
        running = [*running[-99:], loss]
        bar.update(1)
        bar.set_postfix(loss=f"{sum(running) / len(running):.3f}")
        if step % config.eval_every == 0 or step == total:
            scores = evaluate_now(model, evaluate, log, step, started)
            bar.write(
                f"step {step}/{total}: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items())
            )
            save_checkpoint(out, model, optimiser, schedule, step, log)
    bar.close()
    log["seconds"] = round(time.perf_counter() - started, 1)
    log["pairs_per_second"] = round(len(examples) * config.epochs / max(log["seconds"], 1e-9), 1)
    return log
