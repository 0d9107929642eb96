"""Extractive generator: the answer is the best evidence sentences, verbatim, each cited.

No LLM, fully deterministic: the same index and question give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rag.evidence import Sentence, select, with_context


class ExtractiveGenerator:
    name = "extractive"

    def __init__(self, sentences: int = 3) -> None:
        self._limit = sentences

    def evidence(self, ranked: Sequence[Sentence]) -> list[Sentence]:
        return with_context(select(ranked, self._limit))

    def stream(
        self, question: str, evidence: Sequence[Sentence], strict: bool = False
    ) -> Iterator[str]:
        for n, sentence in enumerate(evidence, start=1):
            yield ("" if n == 1 else " ") + f"{sentence.text} [{n}]"
