"""Train a reading model: `python -m eval.train reader [--questions N] [--out DIR] [--fresh]`.

Never run in CI. Reproducible: a fixed seed, the data's sha256 logged and written to the
model card; an interrupted run resumes from its last checkpoint when run again.
`--export-only` skips training and exports the last finished weights.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

from eval.train.loop import TrainConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.train", description=__doc__)
    parser.add_argument("model", choices=["reader"])
    parser.add_argument("--out", type=Path, default=Path(".train/reader"))
    parser.add_argument("--questions", type=int, default=20000, help="SQuAD questions sampled")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--eval-every", type=int, default=1000)
    parser.add_argument("--fresh", action="store_true", help="ignore an earlier checkpoint")
    parser.add_argument("--export-only", action="store_true")
    parser.add_argument(
        "--traps", action="store_true", help="also the trap stage (tried, not shipped)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from eval.train import export, reader

    config = replace(
        TrainConfig(), epochs=args.epochs, batch_size=args.batch_size, eval_every=args.eval_every
    )
    if not args.export_only:
        reader.run(args.out, args.questions, args.fresh, config, traps=args.traps)
    export.export_reader(args.out, traps=args.traps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
