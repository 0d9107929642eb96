"""Compare mode end to end: per-source entries, the synthesis and the answer text, streamed.

    comparer = Comparer(retriever, generator.summarizer)  # None: sources speak for themselves
    for kind, data in comparer.run("What does each outlet say about the ferry fares?"): ...

A source is an outlet when the articles carry one (an archive: "each source" means each
publisher, with its best one to three articles as evidence), else an article (`grouping`).
Each addressing source gets its 1-3 best sentences (extractive) or a cited 1-3 sentence
LLM summary; the others are named as not discussing the topic, with no words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from rag.compare.detect import grouping_hint, topic_label, topic_of, topic_question
from rag.compare.entries import article_party, dates_of, entry, outlet_party
from rag.compare.per_outlet import OutletFinding, find_per_outlet, outlets_in_scope
from rag.compare.per_source import SourceFinding, find_per_source
from rag.compare.synthesis import Party, synthesis
from rag.errors import GenerationError
from rag.generation.base import Summarizer
from rag.llm.injection import is_instruction
from rag.reading.base import CachedReader, Reader
from rag.reading.rank import READER_ALONE, pair, read_ranked
from rag.retrieval.evidence import Sentence, select
from rag.retrieval.retriever import Retriever
from rag.schema import Citation, Claim, DisagreementRef, GroupBy, Grouping, SourceEntry
from rag.store.filters import Filters
from rag.support.citations import MARKER, keep_markers, markers, to_citation, validate
from rag.support.judge import SupportJudge

# A source's further sentences must score this share of its best: lower than the answer
# path's 0.8 (hand-set, b2400c8, not fitted), so a source that addresses the topic in one
# strong and one weaker sentence shows both. `rag eval`'s compare figures gate it.
SOURCE_FLOOR = 0.75
# A source's best sentences the reader reads to pick its entry's: its picks come from the
# best three, and each read costs ~4 ms (only sources that address the topic are read).
READ_PER_SOURCE = 3


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
    grouping: Grouping = "article"
    disagreements: list[DisagreementRef] = field(default_factory=list)
    fallback_reason: str | None = None  # an LLM summary failed: the sentences stand instead


def grouping(retriever: Retriever, question: str, filters: Filters, group_by: GroupBy) -> Grouping:
    """By outlet when asked, or when "auto" and the question says "outlet" or most of the
    articles in scope carry one of two or more outlets; else by article."""
    if group_by != "auto":
        return group_by
    hint = grouping_hint(question)
    if filters.sources or hint == "article":
        return "article"
    outlets = retriever.outlets(filters)
    named = [o for o in outlets if o.name is not None]
    total = sum(o.articles for o in outlets)
    by_outlet = len(named) >= 2 and 2 * sum(o.articles for o in named) > total
    return "outlet" if by_outlet or (hint == "outlet" and named) else "article"


def _by_construction(text: str, cited: Sequence[Sentence]) -> float:
    """The support of a sentence the product states from the sources it cites."""
    return 1.0


class Comparer:
    """Builds the per-source entries, the synthesis and the answer text of compare mode."""

    def __init__(
        self,
        retriever: Retriever,
        summarizer: Summarizer | None,
        per_source: int = 3,
        judge: SupportJudge | None = None,
        reader: Reader | None = None,
    ):
        self._retriever = retriever
        self._llm = summarizer
        self._per_source = per_source
        # whether an LLM summary's sentences are backed (rag/support/judge.py)
        self._judge = judge or SupportJudge(None, 0.0)
        self._reader = reader  # picks each source's sentences (rag/reading/)

    def _summary(
        self, topic: str, label: str, picked: list[Sentence], offset: int
    ) -> tuple[str, str | None]:
        """The entry's text, its markers numbered from `offset` + 1, and why the LLM's
        summary was replaced by the source's own sentences (None when it was not)."""
        text, failure = None, None
        # A source that plants an order to a model is summarised by its own sentences only.
        if self._llm and not any(is_instruction(s.text) for s in picked):
            try:
                text = self._llm_summary(topic, label, picked)
            except GenerationError as exc:  # down or timed out: the sentences speak instead
                failure = str(exc)
        if text is None:
            text = " ".join(f"{s.text} [{i}]" for i, s in enumerate(picked, start=1))
        return shift_markers(text, offset), failure

    def _llm_summary(self, topic: str, label: str, evidence: list[Sentence]) -> str | None:
        assert self._llm is not None
        text = "".join(self._llm.stream_compare(topic, label, evidence))
        # A number past this source's evidence would name another source's quote once the
        # markers are shifted: drop it before anything else reads the text.
        text = keep_markers(text, range(1, len(evidence) + 1))
        checked = validate(text, evidence, self._judge.support)
        unbacked = [self._judge.why_unsupported(c, evidence) for c in checked.claims]
        if not checked.citations or any(unbacked):
            return None  # a sentence its quotes don't back: the source's own sentences instead
        return text.strip()

    def run(
        self, question: str, filters: Filters | None = None, group_by: GroupBy = "auto"
    ) -> Iterator[tuple[str, object]]:
        """Yields ("findings", passages), ("delta", text) pieces, then ("result", CompareResult)."""
        filters = filters or Filters()
        topic = topic_of(question)
        by = grouping(self._retriever, question, filters, group_by)
        rows = self._rows(topic, filters, by)
        yield "findings", [p for _, found in rows for p in found.passages]
        evidence: list[Sentence] = []
        entries: list[SourceEntry] = []
        claims: list[Claim] = []
        chosen: dict[str, list[Sentence]] = {}
        lines: list[str] = []
        failure: str | None = None
        reader = self._read_ahead(topic, [found for party, found in rows if party.addresses])
        for party, found in rows:
            picked = self._pick(found, topic, reader) if party.addresses else []
            if not picked:
                summary = f"Does not discuss {topic_label(topic)}."
                entries.append(entry(found, summary, None, evidence))
                line = f"- {party.label}: {summary}"
            else:
                chosen[party.key] = picked
                text, failed = self._summary(topic, party.label, picked, len(evidence))
                failure = failure or failed
                evidence.extend(picked)
                checked = validate(text, evidence, self._judge.support)
                claims.extend(checked.claims)
                made = entry(found, text, sorted(set(markers(text))), evidence)
                entries.append(made)
                line = f"- {party.label}{dates_of(made)}: {text}"
            lines.append(line)
            yield "delta", line + "\n"

        parties = [p if p.key in chosen else Party(p.key, p.label, False) for p, _ in rows]
        noun = "outlets" if by == "outlet" else "sources"
        closing, disagreements = synthesis(topic, parties, chosen, evidence, noun)
        # The closing lines are written here, not by a model: how many sources discuss the
        # topic and which of their figures differ, counted from the sentences themselves.
        checked = validate(closing, evidence, _by_construction)
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
                grouping=by,
                disagreements=disagreements,
                fallback_reason=failure,
            ),
        )

    def _rows(
        self, topic: str, filters: Filters, by: Grouping
    ) -> list[tuple[Party, SourceFinding | OutletFinding]]:
        """Each source in scope (an outlet or an article) with what was found in it."""
        if by == "outlet":
            outlets = outlets_in_scope(self._retriever, filters)
            groups = find_per_outlet(self._retriever, topic, filters, outlets)
            return [(outlet_party(g), g) for g in groups]
        return [(article_party(f), f) for f in find_per_source(self._retriever, topic, filters)]

    def _read_ahead(
        self, topic: str, addressing: list[SourceFinding | OutletFinding]
    ) -> Reader | None:
        """The reader with every addressing source's best sentences read in one batch."""
        if self._reader is None:
            return None
        reader = CachedReader(self._reader)
        articles = [
            f
            for found in addressing
            for f in ([found] if isinstance(found, SourceFinding) else found.findings)
        ]
        question = topic_question(topic)
        reader.read([pair(question, s) for f in articles for s in f.ranked[:READ_PER_SOURCE]])
        return reader

    def _pick(
        self, found: SourceFinding | OutletFinding, topic: str, reader: Reader | None
    ) -> list[Sentence]:
        """The entry's sentences: an article's best; an outlet's best article's best two,
        then each further article's best, `per_source` in all (best by the reader, when
        there is one, asked what is said about the topic)."""

        def read(ranked: list[Sentence]) -> list[Sentence]:
            if reader is None:
                return ranked
            # The reader alone orders a source's sentences: the answer path's window and
            # name terms were fitted for questions, not for a topic asked of every source.
            question = topic_question(topic)
            return read_ranked(question, ranked, reader, READ_PER_SOURCE, use=READER_ALONE)

        if isinstance(found, SourceFinding):
            return select(read(found.ranked), self._per_source, relative_floor=SOURCE_FLOOR)
        picked: list[Sentence] = []
        for i, article in enumerate(found.findings):
            room = self._per_source - len(picked) - (len(found.findings) - i - 1)
            picked += select(
                read(article.ranked), max(1, min(2, room)), relative_floor=SOURCE_FLOOR
            )
        return picked[: self._per_source]
