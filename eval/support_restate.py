"""Right claims in a model's own words: the packaged local model restates seed sentences.

    python -m eval.support_restate            # appends `restated` pairs to the seeds' file

Rule-made right claims (eval/support_pairs.py) stay close to their quote; an LLM's
answer does not. These pairs are what the coverage share must not cut. The model is
asked to keep every name, number and date and add nothing; where it slips anyway, the
pair still counts as right, so the figure it gives errs on the strict side.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from eval.support_pairs import PAIRS, Pair, read_pairs, write_pairs
from rag.config import Settings
from rag.llm import server as localllm
from rag.llm.client import make_chat_model

INSTRUCTION = (
    "Restate this sentence from a news article as one sentence in your own words. Keep "
    "every name, number and date it gives; add nothing it does not say. Reply with the "
    "sentence only.\n\nSentence: {sentence}"
)


def restate(pairs: Sequence[Pair], data_dir: Path, console: Console) -> list[Pair]:
    """A `restated` right pair for each verbatim pair, written by the local model."""
    settings = Settings(
        _env_file=None, data_dir=data_dir, generator="local", temperature=0.0, max_tokens=96
    )
    out: list[Pair] = []
    with localllm.local_server(settings) as url:
        model = make_chat_model(settings, base_url=url, model="local")
        started = time.perf_counter()
        for i, pair in enumerate(pairs, start=1):
            reply = str(model.invoke(INSTRUCTION.format(sentence=pair.quote)).content)
            claim = " ".join(reply.strip().strip('"').split())
            if claim:
                pid = pair.id.rsplit(":", 1)[0] + ":restated"
                out.append(replace(pair, id=pid, claim=claim, kind="restated"))
            if i % 10 == 0:
                console.print(f"{i}/{len(pairs)} in {time.perf_counter() - started:.0f} s")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--data-dir", type=Path, default=Path(".rag"), help="where the model is")
    opts = args.parse_args(argv)
    pairs = [p for p in read_pairs(PAIRS) if p.kind != "restated"]
    verbatim = [p for p in pairs if p.kind == "verbatim"]
    write_pairs(pairs + restate(verbatim, opts.data_dir, Console()))


if __name__ == "__main__":
    main()
