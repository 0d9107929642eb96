"""The synthesis of compare mode: who discusses the topic, who doesn't, and where they disagree.

Deterministic for every generator. The parties are outlets or articles (`Party`). A
disagreement is a sentence that negates a topic claim another party states, both cited,
each with its article's date, and the order of the dates to explain it when they differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.compare.detect import topic_label
from rag.language.dates import parse_date
from rag.language.text import negated_terms, terms
from rag.retrieval.evidence import Sentence
from rag.schema import DisagreementRef, Side


@dataclass(frozen=True)
class Party:
    """One row of the comparison: an outlet or an article."""

    key: str
    label: str
    addresses: bool


@dataclass(frozen=True)
class Disagreement:
    negated: Sentence
    stated: Sentence
    term: str


def find_disagreements(
    chosen: dict[str, list[Sentence]], topic: str, limit: int = 3
) -> list[Disagreement]:
    """Pairs across parties where one negates a topic claim that the other states.

    "The deal was not signed." against "… sign 'historic' deal": the negated term (sign)
    is a topic term, the other sentence states it un-negated, and the two share at least
    one more term, so they talk about the same thing. One pair per two parties.
    """
    topic_terms = set(terms(topic))
    found: list[Disagreement] = []
    pairs: set[frozenset[str]] = set()
    for key_a, sents_a in chosen.items():
        for a in sents_a:
            negated = negated_terms(a.text) & topic_terms
            if not negated:
                continue
            terms_a = set(terms(a.text))
            for key_b, sents_b in chosen.items():
                pair = frozenset((key_a, key_b))
                if key_b == key_a or pair in pairs:
                    continue
                for b in sents_b:
                    terms_b = set(terms(b.text))
                    key = sorted((negated & terms_b) - negated_terms(b.text))
                    if key and len(terms_a & terms_b) >= 2:
                        found.append(Disagreement(negated=a, stated=b, term=key[0]))
                        pairs.add(pair)
                        break
    return found[:limit]


def _day(sentence: Sentence) -> str | None:
    day = parse_date(sentence.chunk.published)
    return day.isoformat() if day else None


def synthesis(
    topic: str,
    parties: Sequence[Party],
    chosen: dict[str, list[Sentence]],
    evidence: Sequence[Sentence],
    noun: str = "sources",
) -> tuple[str, list[DisagreementRef]]:
    """Who discusses `topic` (each cited), who doesn't, and the disagreements found."""
    number = {s.key: n for n, s in enumerate(evidence, start=1)}
    speaking = [p for p in parties if p.addresses and chosen.get(p.key)]
    silent = [p for p in parties if p not in speaking]
    if not speaking:
        return f"None of the {len(parties)} {noun} discusses {topic_label(topic)}.", []
    parts = [
        f"{len(speaking)} of {len(parties)} {noun} discuss {topic_label(topic)}: "
        + ", ".join(f"{p.label} [{number[chosen[p.key][0].key]}]" for p in speaking)
        + "."
    ]
    if silent:
        parts.append("Not discussed by: " + ", ".join(p.label for p in silent) + ".")
    label = {p.key: p.label for p in parties}
    key_of = {s.key: k for k, sentences in chosen.items() for s in sentences}
    found = find_disagreements(chosen, topic)
    refs = []
    for d in found:
        a, b = label[key_of[d.negated.key]], label[key_of[d.stated.key]]
        day_a, day_b = _day(d.negated), _day(d.stated)
        parts.append(
            f"They disagree: {a}{_on(day_a)} says “{d.negated.text}” [{number[d.negated.key]}], "
            f"while {b}{_on(day_b)} says “{d.stated.text}” [{number[d.stated.key]}]."
        )
        parts.append(_sequence((a, day_a), (b, day_b)))
        refs.append(
            DisagreementRef(
                term=d.term,
                sides=[
                    Side(label=a, date=day_a, n=number[d.negated.key], quote=d.negated.text),
                    Side(label=b, date=day_b, n=number[d.stated.key], quote=d.stated.text),
                ],
            )
        )
    if not found and len(speaking) > 1:
        parts.append(f"No {noun[:-1]} directly contradicts another in the passages found.")
    return " ".join(p for p in parts if p), refs


def _on(day: str | None) -> str:
    return f" ({day})" if day else ""


def _sequence(a: tuple[str, str | None], b: tuple[str, str | None]) -> str:
    """Explain a disagreement by the dates, when both have one and they differ."""
    if a[1] is None or b[1] is None or a[1] == b[1]:
        return ""
    (first, d1), (second, d2) = sorted((a, b), key=lambda x: x[1] or "")
    return (
        f"{first} published on {d1}, before {second} ({d2}), so the later report may reflect "
        "newer events."
    )
