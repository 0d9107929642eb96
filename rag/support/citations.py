"""Citations: parse `[n]` markers and validate them against the evidence.

An answer is split into claims (sentences with the markers that follow or end them).
A marker whose number names no evidence sentence is dropped from the citations and
reported. Each claim carries its support score, given by the caller (the support judge,
rag/support/judge.py, whose score also decides what is shown).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rag.language.dates import parse_date
from rag.language.text import sentences
from rag.retrieval.evidence import Sentence
from rag.schema import Citation, Claim, SourceRef

# "[1]", "[1][2]", "[1, 2]", "[1,2,3]"
MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+(?:\s*,\s*\d+)*\])+")
# Markers right after a sentence's closing punctuation, then more text: the sentence ends
# after the markers ("… table. [1][2] The deal …").
_MARKERS_AFTER_STOP = re.compile(r"([.!?][\"”’')]*)([ \t]*(?:\[\d+(?:\s*,\s*\d+)*\])+)[ \t]+(?=\S)")


@dataclass(frozen=True)
class ParsedClaim:
    text: str  # the claim without its markers
    markers: tuple[int, ...]


def markers(text: str) -> list[int]:
    """Every marker number in order of appearance (with repeats)."""
    return [int(n) for group in MARKER.findall(text) for n in group.split(",")]


def keep_markers(text: str, valid: range) -> str:
    """`text` with every marker number outside `valid` removed ("[1, 7]" -> "[1]")."""

    def kept(match: re.Match[str]) -> str:
        numbers = [n for n in match.group(1).split(",") if int(n) in valid]
        return f"[{', '.join(n.strip() for n in numbers)}]" if numbers else ""

    return MARKER.sub(kept, text)


def split_claims(answer: str) -> list[ParsedClaim]:
    """Sentences of `answer` with the marker numbers each one carries.

    Sentences come from the same splitter as the articles; markers that open a sentence
    ("… table. [1][2] The deal …") belong to the sentence before them.
    """
    pieces: list[list[str]] = []  # [text, marker-text]
    answer = _MARKERS_AFTER_STOP.sub(lambda m: m.group(1) + m.group(2) + "\n", answer)
    for span in sentences(answer):
        piece = answer[span.start : span.end]
        lead = _LEADING_MARKERS.match(piece)
        if lead and pieces:
            pieces[-1][1] += lead.group()
            piece = piece[lead.end() :]
        if piece.strip():
            pieces.append([piece, ""])
    claims: list[ParsedClaim] = []
    for text, extra in pieces:
        found = tuple(dict.fromkeys(markers(text + extra)))
        bare = re.sub(r"\s+", " ", MARKER.sub("", text)).strip()
        bare = re.sub(r"\s+([.!?,;:])", r"\1", bare)
        if bare.strip(" -*•\"'") or found:
            claims.append(ParsedClaim(text=bare, markers=found))
    return claims


@dataclass(frozen=True)
class Validated:
    citations: list[Citation]
    claims: list[Claim]
    dropped: list[int]


def to_citation(n: int, sentence: Sentence) -> Citation:
    chunk = sentence.chunk
    day = parse_date(chunk.published)
    return Citation(
        n=n,
        source_id=chunk.source_id,
        title=chunk.title,
        outlet=chunk.outlet,
        chunk_id=chunk.chunk_id,
        quote=sentence.text,
        start=sentence.span.start,
        end=sentence.span.end,
        published=chunk.published,
        date=day.isoformat() if day else None,
        text_sha256=chunk.text_sha256,
    )


Scorer = Callable[[str, Sequence[Sentence]], float]  # a claim against its cited sentences


def unscored(text: str, cited: Sequence[Sentence]) -> float:
    """A scorer for callers that read only the markers (no claim is judged)."""
    return 0.0


def validate(answer: str, evidence: Sequence[Sentence], score: Scorer) -> Validated:
    """Map markers to evidence (numbered from 1), drop unknown ones, and give every claim
    its support `score` (rag/support/judge.py: the one score that decides what is shown)."""
    cited: dict[int, Citation] = {}
    dropped: list[int] = []
    claims: list[Claim] = []
    for parsed in split_claims(answer):
        valid = [n for n in parsed.markers if 1 <= n <= len(evidence)]
        dropped.extend(n for n in parsed.markers if n not in valid and n not in dropped)
        for n in valid:
            cited.setdefault(n, to_citation(n, evidence[n - 1]))
        if valid:
            support = score(parsed.text, [evidence[n - 1] for n in valid])
            claims.append(Claim(text=parsed.text, citations=valid, support=support))
        elif parsed.text:
            claims.append(Claim(text=parsed.text, citations=[], support=0.0))
    return Validated(
        citations=sorted(cited.values(), key=lambda c: c.n), claims=claims, dropped=dropped
    )


def source_refs(items: Sequence[Any]) -> list[SourceRef]:
    """Distinct sources of chunks/citations, in first-seen order."""
    seen: dict[str, SourceRef] = {}
    for item in items:
        chunk = getattr(item, "chunk", item)
        if chunk.source_id not in seen:
            seen[chunk.source_id] = SourceRef(
                source_id=chunk.source_id, title=chunk.title, outlet=chunk.outlet
            )
    return list(seen.values())
