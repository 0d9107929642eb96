"""Metrics: small pure functions, each returning a named `Score` for one gold question.

`value` is None when a metric does not apply to a question; aggregates skip None.

| metric                 | applies to                                 | edge cases                |
|------------------------|--------------------------------------------|---------------------------|
| source_recall_at_k     | gold `sources` non-empty                   | scored for refusals too   |
| mrr                    | gold `sources` non-empty                   | no gold source found -> 0 |
| key_fact_recall        | `must_include` non-empty                   | refusal, empty text -> 0  |
| citation_validity      | answered, with at least one [n] marker     | no markers -> None        |
| citation_precision     | answered, with at least one cited claim    | no cited claim -> None    |
| citation_source_recall | answered, gold `sources` non-empty         | no citations -> 0         |
| refusal_accuracy       | every question                             | empty answer -> 0         |
| source_coverage        | type "compare", gold `sources` non-empty   | no per-source list -> 0   |
| silence_accuracy       | type "compare", `silent_sources` non-empty | missing entry = wrong     |
| latency_ms             | every question                             | reported, never gated     |

"Answered" means the mode is not "refusal" and the answer text (for compare answers
with the per-source summaries and the synthesis) is not empty. Retrieval is scored on
`answer.retrieved`: the distinct sources of the top-k passages, best first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from eval.gold import GoldItem
from rag.schema import Answer
from rag.support.citations import MARKER

MetricTable = dict[str, dict[str, float | None]]  # group ("overall" or a type) -> name -> value


class Score(NamedTuple):
    name: str
    value: float | None


# Typographic variants the articles use; gold strings are usually typed with ASCII.
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def normalize(text: str) -> str:
    """Lower-cased, quotes/dashes folded to ASCII, [n] markers removed, whitespace collapsed."""
    return " ".join(MARKER.sub(" ", text.translate(_FOLD)).lower().split())


def answer_text(answer: Answer) -> str:
    """All the text a reader sees: the answer, per-source summaries and the synthesis."""
    parts = [answer.answer]
    parts += [entry.summary for entry in answer.per_source or []]
    parts.append(answer.synthesis or "")
    return "\n".join(p for p in parts if p)


def is_refused(answer: Answer) -> bool:
    return answer.mode == "refusal"


def is_answered(answer: Answer) -> bool:
    return not is_refused(answer) and bool(normalize(answer_text(answer)))


def groups_passed(groups: Sequence[Sequence[str]], text: str) -> list[bool]:
    """For each must_include group: does `text` contain any one of its alternatives?"""
    flat = normalize(text)
    return [any(normalize(alt) in flat for alt in group) for group in groups]


def retrieved_ids(answer: Answer) -> list[str]:
    return list(dict.fromkeys(ref.source_id for ref in answer.retrieved))


def source_recall_at_k(item: GoldItem, answer: Answer) -> Score:
    """Share of gold sources among the retrieved sources."""
    if not item.sources:
        return Score("source_recall_at_k", None)
    got = set(retrieved_ids(answer))
    return Score("source_recall_at_k", sum(s in got for s in item.sources) / len(item.sources))


def mrr(item: GoldItem, answer: Answer) -> Score:
    """1 / rank of the first gold source in the retrieved sources (0 when none is there)."""
    if not item.sources:
        return Score("mrr", None)
    for rank, source_id in enumerate(retrieved_ids(answer), start=1):
        if source_id in item.sources:
            return Score("mrr", 1.0 / rank)
    return Score("mrr", 0.0)


def key_fact_recall(item: GoldItem, answer: Answer) -> Score:
    """Share of must_include groups the answer satisfies (a refusal satisfies none)."""
    if not item.must_include:
        return Score("key_fact_recall", None)
    if is_refused(answer):
        return Score("key_fact_recall", 0.0)
    passed = groups_passed(item.must_include, answer_text(answer))
    return Score("key_fact_recall", sum(passed) / len(passed))


def citation_validity(answer: Answer) -> Score:
    """1 - invalid / all markers: markers that name no evidence sentence, and per-source
    citation numbers that name no citation of the answer, count as invalid."""
    if not is_answered(answer):
        return Score("citation_validity", None)
    valid = {c.n for c in answer.citations}
    invalid = set(answer.dropped_citations) - valid
    for entry in answer.per_source or []:
        invalid.update(n for n in entry.citations if n not in valid)
    total = len(valid) + len(invalid)
    if total == 0:
        return Score("citation_validity", None)
    return Score("citation_validity", 1.0 - len(invalid) / total)


def citation_precision(answer: Answer, threshold: float) -> Score:
    """Share of cited claims whose support score reaches `threshold`."""
    if not is_answered(answer):
        return Score("citation_precision", None)
    cited = [claim for claim in answer.claims if claim.citations]
    if not cited:
        return Score("citation_precision", None)
    return Score("citation_precision", sum(c.support >= threshold for c in cited) / len(cited))


def citation_source_recall(item: GoldItem, answer: Answer) -> Score:
    """Share of gold sources that at least one citation points into."""
    if not item.sources or not is_answered(answer):
        return Score("citation_source_recall", None)
    cited = {c.source_id for c in answer.citations}
    return Score(
        "citation_source_recall", sum(s in cited for s in item.sources) / len(item.sources)
    )


def refusal_accuracy(item: GoldItem, answer: Answer) -> Score:
    """1 when it refuses a `refuse: true` question or answers any other, else 0."""
    if item.refuse:
        return Score("refusal_accuracy", 1.0 if is_refused(answer) else 0.0)
    return Score("refusal_accuracy", 1.0 if is_answered(answer) else 0.0)


def _topic_flags(answer: Answer) -> dict[str, bool]:
    """{source_id: addresses the topic}: an article entry's own; an outlet entry's cited
    articles address it (its other articles are not judged)."""
    flags = {}
    for entry in answer.per_source or []:
        if entry.source_id is not None:
            flags[entry.source_id] = entry.addresses_topic
        for article in entry.articles:
            flags[article.source_id] = True
    return flags


def source_coverage(item: GoldItem, answer: Answer) -> Score:
    """Compare questions: share of gold sources given an entry that addresses the topic."""
    if item.type != "compare" or not item.sources:
        return Score("source_coverage", None)
    flags = _topic_flags(answer)
    return Score(
        "source_coverage", sum(flags.get(s) is True for s in item.sources) / len(item.sources)
    )


def silence_accuracy(item: GoldItem, answer: Answer) -> Score:
    """Compare questions: share of silent sources explicitly marked as not addressing it."""
    if item.type != "compare" or not item.silent_sources:
        return Score("silence_accuracy", None)
    flags = _topic_flags(answer)
    right = sum(flags.get(s) is False for s in item.silent_sources)
    return Score("silence_accuracy", right / len(item.silent_sources))


def score_question(
    item: GoldItem, answer: Answer, support_threshold: float
) -> dict[str, float | None]:
    """Every deterministic metric of one question (latency is added by the harness)."""
    scores = [
        source_recall_at_k(item, answer),
        mrr(item, answer),
        key_fact_recall(item, answer),
        citation_validity(answer),
        citation_precision(answer, support_threshold),
        citation_source_recall(item, answer),
        refusal_accuracy(item, answer),
        source_coverage(item, answer),
        silence_accuracy(item, answer),
    ]
    return {s.name: s.value for s in scores}


QUALITY_METRICS: tuple[str, ...] = (
    "source_recall_at_k",
    "mrr",
    "key_fact_recall",
    "citation_validity",
    "citation_precision",
    "citation_source_recall",
    "refusal_accuracy",
    "source_coverage",
    "silence_accuracy",
)


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the applicable values; None when none applies."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100), linearly interpolated; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def aggregate(
    rows: Sequence[Mapping[str, float | None]], latencies: Sequence[float]
) -> dict[str, float | None]:
    """Means of the quality metrics (and any extra ones present) plus latency p50/p95."""
    names = list(QUALITY_METRICS) + sorted({k for r in rows for k in r} - set(QUALITY_METRICS))
    out: dict[str, float | None] = {n: mean(r.get(n) for r in rows) for n in names}
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    return out


def applicable(rows: Sequence[Mapping[str, float | None]]) -> dict[str, int]:
    """How many questions each metric applies to."""
    names = {k for r in rows for k in r}
    return {n: sum(r.get(n) is not None for r in rows) for n in sorted(names)}


FAILURE_CHECKS: tuple[str, ...] = (
    "refusal_accuracy",
    "key_fact_recall",
    "citation_validity",
    "source_coverage",
    "silence_accuracy",
)


def failure_reasons(
    scores: Mapping[str, float | None], checks: Sequence[str] = FAILURE_CHECKS
) -> list[str]:
    """Why a question counts as failing: a correctness metric (`checks`) below 1."""
    return [f"{n} {v:.2f}" for n in checks if (v := scores.get(n)) is not None and v < 1.0]
