"""The synthesis of compare mode: who discusses the topic, who doesn't, and where they disagree.

Deterministic for every generator. A disagreement is a sentence that negates a topic claim
another source states, both cited, with the articles' dates to explain the sequence when
both have one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer import Citation
from rag.compare.detect import topic_label
from rag.compare.per_source import SourceFinding
from rag.dates import parse_date
from rag.evidence import Sentence
from rag.text import negated_terms, terms


@dataclass(frozen=True)
class Disagreement:
    negated: Sentence
    stated: Sentence
    term: str


def find_disagreements(
    chosen: dict[str, list[Sentence]], topic: str, limit: int = 3
) -> list[Disagreement]:
    """Pairs across sources where one negates a topic claim that the other states.

    "The deal was not signed." against "… sign 'historic' deal": the negated term (sign)
    is a topic term, the other sentence states it un-negated, and the two share at least
    one more term, so they talk about the same thing. One pair per two sources.
    """
    topic_terms = set(terms(topic))
    found: list[Disagreement] = []
    pairs: set[frozenset[str]] = set()
    for sid_a, sents_a in chosen.items():
        for a in sents_a:
            negated = negated_terms(a.text) & topic_terms
            if not negated:
                continue
            terms_a = set(terms(a.text))
            for sid_b, sents_b in chosen.items():
                pair = frozenset((sid_a, sid_b))
                if sid_b == sid_a or pair in pairs:
                    continue
                for b in sents_b:
                    terms_b = set(terms(b.text))
                    key = sorted((negated & terms_b) - negated_terms(b.text))
                    if key and len(terms_a & terms_b) >= 2:
                        found.append(Disagreement(negated=a, stated=b, term=key[0]))
                        pairs.add(pair)
                        break
    return found[:limit]


def label(f: SourceFinding | Citation) -> str:
    return f.outlet or f.title or f.source_id


def synthesis(
    topic: str,
    findings: Sequence[SourceFinding],
    chosen: dict[str, list[Sentence]],
    evidence: Sequence[Sentence],
) -> str:
    """Who discusses `topic` (each cited), who doesn't, and the disagreements found."""
    number = {s.key: n for n, s in enumerate(evidence, start=1)}
    speaking = [f for f in findings if f.addresses]
    silent = [f for f in findings if not f.addresses]
    if not speaking:
        return f"None of the {len(findings)} sources discusses {topic_label(topic)}."
    parts = [
        f"{len(speaking)} of {len(findings)} sources discuss {topic_label(topic)}: "
        + ", ".join(f"{label(f)} [{number[chosen[f.source_id][0].key]}]" for f in speaking)
        + "."
    ]
    if silent:
        parts.append("Not discussed by: " + ", ".join(label(f) for f in silent) + ".")
    by_id = {f.source_id: f for f in findings}
    disagreements = find_disagreements(chosen, topic)
    for d in disagreements:
        a, b = by_id[d.negated.source_id], by_id[d.stated.source_id]
        parts.append(
            f"They disagree: {label(a)} says “{d.negated.text}” [{number[d.negated.key]}], "
            f"while {label(b)} says “{d.stated.text}” [{number[d.stated.key]}]."
        )
        parts.append(_sequence(a, b))
    if not disagreements and len(speaking) > 1:
        parts.append("No source directly contradicts another in the passages found.")
    return " ".join(p for p in parts if p)


def _sequence(a: SourceFinding, b: SourceFinding) -> str:
    """Explain a disagreement by the articles' dates, when both have one and they differ."""
    day_a, day_b = parse_date(a.published), parse_date(b.published)
    if day_a is None or day_b is None or day_a == day_b:
        return ""
    (first, d1), (second, d2) = sorted(((a, day_a), (b, day_b)), key=lambda x: x[1])
    return (
        f"{label(first)} was published {d1.isoformat()}, before {label(second)} "
        f"({d2.isoformat()}), so the later report may reflect newer events."
    )
