"""Train a reading model: `python -m eval.train reader|verifier [--out DIR] [--fresh]`.

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

DEFAULT_INIT = Path(".train/reader/reader.pt")  # the verifier starts from the reader


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.train", description=__doc__)
    parser.add_argument("model", choices=["reader", "verifier"])
    parser.add_argument("--out", type=Path, help="default: .train/MODEL")
    parser.add_argument("--questions", type=int, default=20000, help="SQuAD questions sampled")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--eval-every", type=int, default=1000)
    parser.add_argument(
        "--init",
        default=str(DEFAULT_INIT),
        help="verifier: the weights it starts from ('base': the packaged MiniLM)",
    )
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
    out = args.out or Path(".train") / args.model
    if args.model == "verifier":
        from eval.train import verifier

        if not args.export_only:
            init = None if args.init == "base" else Path(args.init)
            verifier.run(out, args.fresh, config, init)
        from eval.train import verifier_export

        verifier_export.export_verifier(out)
        return 0
    args.out = out
    if not args.export_only:
        reader.run(args.out, args.questions, args.fresh, config, traps=args.traps)
    export.export_reader(args.out, traps=args.traps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
