"""Support, enforced: an LLM answer shows only sentences its cited quotes back.

A sentence with no citation, or whose quotes share none of its words (support 0, as a
reply that only repeats an order planted in an article: "HACKED [2]"), is removed from
the shown answer and listed with the reason. The extractive answer needs no check: its
sentences are the quotes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from rag.answer import Claim, RemovedClaim
from rag.citations import Validated, validate
from rag.evidence import Sentence
from rag.generation.base import is_refusal

UNCITED = "it cites no quote"
UNSUPPORTED = "its quotes share none of its words"


@dataclass(frozen=True)
class Enforced:
    text: str
    checked: Validated
    removed: list[RemovedClaim]


def why_unsupported(claim: Claim) -> str | None:
    """The reason `claim` can't be shown as supported, or None when it can."""
    if is_refusal(claim.text):
        return None
    if not claim.citations:
        return UNCITED
    if claim.support <= 0.0:
        return UNSUPPORTED
    return None


def enforce(text: str, checked: Validated, evidence: Sequence[Sentence]) -> Enforced:
    """`text` without its unsupported sentences, validated again, and what was removed."""
    removed: list[RemovedClaim] = []
    kept: list[Claim] = []
    for claim in checked.claims:
        reason = why_unsupported(claim)
        if reason is None:
            kept.append(claim)
        else:
            removed.append(RemovedClaim(text=claim.text, citations=claim.citations, reason=reason))
    if not removed:
        return Enforced(text, checked, [])
    shown = " ".join(c.text + "".join(f" [{n}]" for n in c.citations) for c in kept)
    # The markers that named no evidence stay reported, though their sentences are gone.
    return Enforced(shown, replace(validate(shown, evidence), dropped=checked.dropped), removed)
