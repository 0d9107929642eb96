"""The verifier protocol: the probability that cited quotes back a claim.

    verifier.verify([Statement("The levy rose to 417 crowns.", ("The levy rose ...",),
                               ("Harbour Times", "Levy up"))])   # -> [0.97]
    verifier.threshold   # the probability under which a claim is not shown

A statement is read as the reader reads a question and its sentence (rag/reading/
encoding.py): the claim first, then the quotes, then their outlet and title. Training
(eval/train/verifier_data.py) and serving share `as_pair`, so the model sees at serving
exactly what it was trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rag.reading.encoding import Pair

CONTEXT_SEPARATOR = " · "


@dataclass(frozen=True)
class Statement:
    claim: str
    quotes: tuple[str, ...]
    context: tuple[str, ...] = ()  # the quotes' outlets and titles


def as_pair(statement: Statement) -> Pair:
    return Pair(
        question=statement.claim,
        sentence=" ".join(q.strip() for q in statement.quotes),
        title=CONTEXT_SEPARATOR.join(dict.fromkeys(statement.context)) or None,
    )


class Verifier(Protocol):
    name: str  # "local", a CrossEncoder's path or id
    threshold: float  # calibrated: a claim under it is not shown

    def verify(self, statements: Sequence[Statement]) -> list[float]:
        """P(the quotes back the claim), one per statement, in order."""
        ...
