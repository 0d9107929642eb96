"""A compare result as the Answer the API returns (mode "compare")."""

from __future__ import annotations

from typing import Any

from rag.compare.comparer import CompareResult
from rag.schema import Answer, Timings
from rag.support.citations import source_refs


def compare_answer(
    question: str,
    result: CompareResult,
    generator: str,
    timings: Timings,
    support_threshold: float,
    **scope: Any,
) -> Answer:
    """`scope`: the question's time window and filters (rag/query/scope.py `Scope.fields`)."""
    return Answer(
        question=question,
        answer=result.text,
        mode="compare",
        citations=result.citations,
        sources=source_refs(result.citations),
        generator=generator,
        timings_ms=timings,
        claims=result.claims,
        per_source=result.entries,
        group_by=result.grouping,
        synthesis=result.synthesis,
        disagreements=result.disagreements,
        retrieved=source_refs(result.citations),
        fallback=result.fallback_reason is not None,
        fallback_reason=result.fallback_reason,
        support_threshold=support_threshold,
        **scope,
    )
