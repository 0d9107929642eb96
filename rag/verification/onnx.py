"""The shipped verifier: the reader's network fine-tuned here to tell whether quotes back a
claim (eval/train/verifier.py), int8 ONNX, read with onnxruntime; no torch. Its card
(`models/verifier.json`) holds the file's sha256, checked at load, and the threshold
fitted on calibration pairs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.errors import VerifierError
from rag.reading.encoding import encode, load_tokenizer
from rag.reading.onnx import load_session
from rag.verification.base import Statement, as_pair

MODELS = Path(__file__).parent / "models"
MAX_TOKENS = 192  # a claim and up to three quotes with their outlet and title
BATCH = 8


class OnnxVerifier:
    def __init__(self, model: Path | None = None, threads: int | None = None) -> None:
        self.name = "local"
        model = model or MODELS / "verifier.onnx"
        self._session, self.card = load_session(model, "verifier", VerifierError, threads)
        try:
            self.threshold = float(self.card["threshold"])
        except (KeyError, TypeError, ValueError) as exc:
            raise VerifierError(f"the verifier's card gives no threshold: {exc}") from exc
        self._tokenizer = load_tokenizer(max_tokens=MAX_TOKENS)

    def verify(self, statements: Sequence[Statement]) -> list[float]:
        pairs = [as_pair(s) for s in statements]
        out = [0.0] * len(pairs)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].sentence))
        for at in range(0, len(order), BATCH):
            idx = order[at : at + BATCH]
            batch = encode(self._tokenizer, [pairs[i] for i in idx])
            logits = self._session.run(
                ["answer"],
                {
                    "input_ids": batch.ids,
                    "attention_mask": batch.mask,
                    "token_type_ids": batch.types,
                },
            )[0]
            probs = 1.0 / (1.0 + np.exp(-np.clip(np.asarray(logits, dtype=float), -50, 50)))
            for row, i in enumerate(idx):
                out[i] = float(probs[row])
        return out
