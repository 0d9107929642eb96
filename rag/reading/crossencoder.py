"""Any sentence-transformers `CrossEncoder` as the reader: a folder or a Hugging Face id
(a bge or ms-marco reranker, for a user with a network or a GPU). It scores a pair with
the same text layout as the shipped model; it finds no short answer (a reranker has no
span head). Imports torch, so it loads in seconds, not the shipped model's half second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rag.errors import ReaderError
from rag.reading.base import Reading
from rag.reading.encoding import Pair, second_segment


class CrossEncoderReader:
    def __init__(self, name: str, setting: str = "RAG_READER") -> None:
        self.name = name
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:  # pragma: no cover - the dependency ships with the package
            raise ReaderError(
                f"{setting} names a CrossEncoder, but sentence-transformers is not installed"
            ) from exc
        try:
            self._model: Any = CrossEncoder(name, device="cpu")
        except Exception as exc:  # hub, file and config errors all mean "cannot load this"
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ReaderError(
                f"{setting}={name!r} cannot be loaded as a CrossEncoder: {reason}"
            ) from exc

    def read(self, pairs: Sequence[Pair]) -> list[Reading]:
        if not pairs:
            return []
        scores = self._model.predict(
            [(p.question, second_segment(p)) for p in pairs], show_progress_bar=False
        )
        return [Reading(_probability(float(s))) for s in scores]


def _probability(score: float) -> float:
    """A score already in [0, 1] (sigmoid applied) is kept; a raw logit is squashed."""
    if 0.0 <= score <= 1.0:
        return score
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, score))))
