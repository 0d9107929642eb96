"""The reader protocol: score (question, sentence) pairs.

readings = reader.read([Pair(question, sentence, title, before), ...])
readings[0].score      # probability that the sentence answers the question
readings[0].span       # (start, end) of the short answer in the sentence, or None
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rag.reading.encoding import Pair


@dataclass(frozen=True)
class Reading:
    score: float  # P(the sentence answers the question), 0..1
    span: tuple[int, int] | None = None  # characters of the short answer in the sentence
    span_score: float = 0.0  # P(that span is the answer | the sentence answers), 0..1


class Reader(Protocol):
    name: str  # "local", a CrossEncoder's path or id: recorded with every eval run

    def read(self, pairs: Sequence[Pair]) -> list[Reading]:
        """One reading per pair, in order."""
        ...


class CachedReader:
    """A reader that reads each distinct pair once (per instance: one request, one
    calibration run), so pairs read ahead in one batch cost nothing when asked again."""

    def __init__(self, reader: Reader) -> None:
        self.name = reader.name
        self._reader = reader
        self._seen: dict[Pair, Reading] = {}

    def read(self, pairs: Sequence[Pair]) -> list[Reading]:
        new = [p for p in dict.fromkeys(pairs) if p not in self._seen]
        if new:
            self._seen.update(zip(new, self._reader.read(new), strict=True))
        return [self._seen[p] for p in pairs]
