"""Any sentence-transformers `CrossEncoder` as the verifier (an NLI or fact-checking model,
for a user with a network or a GPU): its score of (claim, quotes | outlet · title) is the
probability; its threshold is RAG_SUPPORT_THRESHOLD (0.5 unless set)."""

from __future__ import annotations

from collections.abc import Sequence

from rag.errors import ReaderError, VerifierError
from rag.reading.crossencoder import CrossEncoderReader
from rag.verification.base import Statement, as_pair


class CrossEncoderVerifier:
    def __init__(self, name: str, threshold: float = 0.5) -> None:
        self.name = name
        self.threshold = threshold
        try:
            self._model = CrossEncoderReader(name, setting="RAG_VERIFIER")
        except ReaderError as exc:
            raise VerifierError(str(exc)) from exc

    def verify(self, statements: Sequence[Statement]) -> list[float]:
        return [r.score for r in self._model.read([as_pair(s) for s in statements])]
