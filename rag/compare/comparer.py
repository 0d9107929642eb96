"""Compare mode end to end: per-source entries, the synthesis and the answer text, streamed.

    comparer = Comparer(retriever, llm_generator_or_None)
    for kind, data in comparer.run("What does each outlet say about the ferry fares?"): ...

Each addressing source gets its 1-3 best sentences (extractive) or a cited 1-3 sentence
LLM summary; the others are listed as not discussing the topic, with no words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rag.answer import Citation, Claim, GroupBy, SourceEntry
from rag.citations import MARKER, keep_markers, markers, to_citation, validate
from rag.compare.detect import topic_label, topic_of
from rag.compare.per_source import SourceFinding, find_per_source
from rag.compare.synthesis import label, synthesis
from rag.dates import parse_date
from rag.evidence import Sentence, select
from rag.filters import Filters
from rag.generation.chat import ChatGenerator
from rag.retrieval import Retriever


def shift_markers(text: str, offset: int) -> str:
    """Renumber [n] markers to [n + offset] ("[1, 2]" becomes "[4][5]" for offset 3)."""

    def shifted(match: re.Match[str]) -> str:
        return "".join(f"[{int(n) + offset}]" for n in match.group(1).split(","))

    return MARKER.sub(shifted, text)


@dataclass
class CompareResult:
    topic: str
    entries: list[SourceEntry]
    synthesis: str
    citations: list[Citation]
    claims: list[Claim]
    text: str


class Comparer:
    """Builds the per-source entries, the synthesis and the answer text of compare mode."""

    def __init__(self, retriever: Retriever, generator: ChatGenerator | None, per_source: int = 3):
        self._retriever = retriever
        self._llm = generator
        self._per_source = per_source

    def _llm_summary(self, topic: str, f: SourceFinding, evidence: list[Sentence]) -> str | None:
        assert self._llm is not None
        text = "".join(self._llm.stream_compare(topic, label(f), evidence))
        # A number past this source's evidence would name another source's quote once the
        # markers are shifted: drop it before anything else reads the text.
        text = keep_markers(text, range(1, len(evidence) + 1))
        checked = validate(text, evidence)
        if not checked.citations or any(not c.citations for c in checked.claims):
            return None  # an uncited sentence: use the source's own sentences instead
        return text.strip()

    def run(
        self, question: str, filters: Filters | None = None, group_by: GroupBy = "auto"
    ) -> Iterator[tuple[str, object]]:
        """Yields ("findings", passages), ("delta", text) pieces, then ("result", CompareResult)."""
        topic = topic_of(question)
        findings = find_per_source(self._retriever, topic, filters)
        yield "findings", [p for f in findings for p in f.passages]
        evidence: list[Sentence] = []
        entries: list[SourceEntry] = []
        claims: list[Claim] = []
        chosen: dict[str, list[Sentence]] = {}
        lines: list[str] = []
        for f in findings:
            if not f.addresses:
                summary = f"Does not discuss {topic_label(topic)}."
                entries.append(_entry(f, summary))
                line = f"- {label(f)}: {summary}"
                lines.append(line)
                yield "delta", line + "\n"
                continue
            picked = select(f.ranked, self._per_source, relative_floor=0.75)
            chosen[f.source_id] = picked
            offset = len(evidence)
            evidence.extend(picked)
            text = self._llm_summary(topic, f, picked) if self._llm else None
            if text is None:
                text = " ".join(f"{s.text} [{i}]" for i, s in enumerate(picked, start=1))
            text = shift_markers(text, offset)
            checked = validate(text, evidence)
            claims.extend(checked.claims)
            entries.append(_entry(f, text, sorted(set(markers(text)))))
            line = f"- {label(f)}: {text}"
            lines.append(line)
            yield "delta", line + "\n"

        closing = synthesis(topic, findings, chosen, evidence)
        checked = validate(closing, evidence)
        claims.extend(c for c in checked.claims if c.citations)
        yield "delta", "\n" + closing
        text = "\n".join(lines) + "\n\n" + closing
        cited = set(markers(text))
        citations = [to_citation(n, s) for n, s in enumerate(evidence, start=1) if n in cited]
        yield (
            "result",
            CompareResult(
                topic=topic,
                entries=entries,
                synthesis=closing,
                citations=citations,
                claims=claims,
                text=text,
            ),
        )


def _entry(f: SourceFinding, summary: str, citations: list[int] | None = None) -> SourceEntry:
    """A per-source entry; with no citations it records that the source is silent."""
    day = parse_date(f.published)
    return SourceEntry(
        source_id=f.source_id,
        title=f.title,
        outlet=f.outlet,
        published=f.published,
        date=day.isoformat() if day else None,
        addresses_topic=citations is not None,
        summary=summary,
        citations=citations or [],
    )
