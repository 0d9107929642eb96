"""The shipped reader: MiniLM-L6 fine-tuned here (eval/train/reader.py), int8 ONNX, read
with onnxruntime and the MiniLM tokenizer; no torch. Its card (`models/reader.json`)
records the file's sha256, which is checked at load, so a corrupt file is one clear error.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import RagError, ReaderError
from rag.reading.base import Reading
from rag.reading.encoding import Pair, best_span, encode, load_tokenizer

MODELS = Path(__file__).parent / "models"
BATCH = 8  # pairs per forward pass, sorted by length: little padding, little memory


def card(path: Path = MODELS / "reader.json") -> dict[str, Any]:
    """The model card of the shipped reader."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReaderError(f"the reader's model card {path} cannot be read: {exc}") from exc
    return data


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return np.asarray(e / e.sum())


def load_session(
    model: Path, kind: str, error: type[RagError], threads: int | None = None
) -> tuple[Any, dict[str, Any]]:
    """An onnxruntime session of `model`, checked against the sha256 of its card (the
    `.json` beside it), and the card; `error` (one line) when either can't be read."""
    import onnxruntime as ort

    path = model.with_suffix(".json")
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise error(f"the {kind}'s model card {path} cannot be read: {exc}") from exc
    if not model.is_file():
        raise error(f"the {kind} model {model} is missing (reinstall the package)")
    expected = info.get("sha256", {}).get(model.name)
    if expected and sha256(model) != expected:
        raise error(f"the {kind} model {model} is corrupt: its sha256 is not its card's")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types for a file it can't read
        raise error(f"the {kind} model {model} cannot be loaded: {exc}") from exc
    return session, info


class OnnxReader:
    """The answer probability and the short answer's span, from the int8 ONNX model."""

    def __init__(self, model: Path | None = None, threads: int | None = None) -> None:
        self.name = "local"
        self._session, self.card = load_session(
            model or MODELS / "reader.onnx", "reader", ReaderError, threads
        )
        self._tokenizer = load_tokenizer()

    def read(self, pairs: Sequence[Pair]) -> list[Reading]:
        out: list[Reading | None] = [None] * len(pairs)
        order = sorted(
            range(len(pairs)), key=lambda i: len(pairs[i].sentence) + len(pairs[i].question)
        )
        for at in range(0, len(order), BATCH):
            idx = order[at : at + BATCH]
            part = [pairs[i] for i in idx]
            batch = encode(self._tokenizer, part)
            answer, start, end = self._session.run(
                None,
                {
                    "input_ids": batch.ids,
                    "attention_mask": batch.mask,
                    "token_type_ids": batch.types,
                },
            )
            for row, i in enumerate(idx):
                out[i] = self._reading(batch, row, float(answer[row]), start[row], end[row])
        return [r for r in out if r is not None]

    @staticmethod
    def _reading(batch: Any, row: int, logit: float, start: np.ndarray, end: np.ndarray) -> Reading:
        score = 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))
        first, last = batch.sentence_tokens[row]
        if last < first:
            return Reading(float(score))
        i, j, _ = best_span(start, end, first, last)
        p_start = _softmax(start[first : last + 1])[i - first]
        p_end = _softmax(end[first : last + 1])[j - first]
        return Reading(float(score), batch.char_span(row, i, j), float(p_start * p_end))
