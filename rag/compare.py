"""Compare mode: what does each source say about a topic, and where do they disagree?

1. `is_comparative()` spots questions like "what does each source say about NATO?".
2. `topic_of()` strips the framing, leaving "NATO".
3. Every chunk is scored once for the topic (`Retriever.score_all`); each source keeps its
   best chunks, and their sentences are ranked. A source *addresses* the topic when its
   best sentence both contains the topic's key terms and is close to it in meaning; a
   passing mention of a neighbouring topic scores too low on one or the other.
4. Each addressing source gets its 1-3 best sentences (extractive) or a cited 1-3 sentence
   LLM summary; the others are listed as not discussing the topic, with no words.
5. The synthesis is deterministic for every generator: who discusses it, who doesn't, and
   disagreements: a sentence that negates a claim another source states, both cited, with
   dates or metadata notes to explain the sequence when there are any.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rag.answer import Citation, Claim, SourceEntry
from rag.citations import MARKER, markers, to_citation, validate
from rag.evidence import Sentence, rank_sentences, select
from rag.generation.chat import ChatGenerator
from rag.retrieval import Passage, Retrieval, Retriever
from rag.text import negated_terms, terms

_COMPARATIVE = re.compile(
    r"""\b(?:
        (?:each|every|all(?:\ the)?|different|the\ various|the\ two|both)\s+
            (?:source|outlet|article|report|paper|publication|news\ ?paper)s?
      | (?:according\ to|across|between)\s+(?:the\ )?(?:each\ |all\ |different\ )?
            (?:source|outlet|article|report|publication)s
      | compar(?:e|es|ing|ison)\b(?!\ (?:him|her|them|it)\b)
      | (?:sources|outlets|articles|reports|publications)\s+
            (?:differ|disagree|agree|diverge|contrast|say|report|cover|describe|portray|frame)
      | (?:do|does|did)\ (?:the\ )?(?:sources|outlets|articles|reports)\ (?:all\ )?
            (?:agree|disagree|differ)
      | how\ do\ (?:the\ )?(?:sources|outlets|articles|reports)
      | which\ (?:sources|outlets|articles|reports)
    )""",
    re.IGNORECASE | re.VERBOSE,
)

_FRAMING = [
    r"^(?:please\s+)?(?:compare|contrast)\s+(?:how|what)\s+(?:the\s+)?(?:\w+\s+)?"
    r"(?:sources|outlets|articles|reports)\s+(?:say|report|cover|describe)\s+(?:about|on)?",
    r"^(?:please\s+)?compare\s+(?:the\s+)?(?:coverage|reporting|views|accounts)\s+(?:of|on)",
    r"^(?:please\s+)?compare\s+(?:what\s+)?(?:the\s+)?(?:sources|outlets|articles|reports)\s+"
    r"(?:say\s+)?(?:about|on)",
    r"^what\s+(?:does|do)\s+(?:each|every|all|the\s+different|the)?\s*"
    r"(?:of\s+the\s+)?(?:source|outlet|article|report|paper)s?\s+(?:say|report|write|think)\s+"
    r"(?:about|on|regarding)",
    r"^how\s+do\s+(?:the\s+)?(?:sources|outlets|articles|reports)\s+"
    r"(?:differ|compare|disagree|agree|cover|describe|portray|frame|report)\s*(?:on|about|in|over)?",
    r"^(?:do|does)\s+(?:the\s+)?(?:sources|outlets|articles|reports)\s+(?:all\s+)?"
    r"(?:agree|disagree|differ)\s*(?:on|about|over|that|whether)?",
    r"^according\s+to\s+each\s+(?:source|outlet|article|report),?",
    r"^which\s+(?:sources|outlets|articles|reports)\s+(?:say|mention|discuss|report)\s*(?:about|that)?",
]
_SEQUENCE_CUE = re.compile(  # notes that speak of time or sequence
    r"\b(?:written\ (?:after|before)|preview|updated?|breaking|ahead\ of|earlier|later|"
    r"dated|published|\d{4})\b",
    re.IGNORECASE,
)
_TRAILING = (
    r",?\s*(?:according\s+to\s+(?:each|every|the)\s+\w+|in\s+each\s+\w+"
    r"|across\s+(?:the\s+)?sources)\s*$"
)


# Addressing: best sentence's own topic coverage and meaning similarity, mixed.
# Calibrated with `python -m eval.calibrate_compare` on the compare questions of the gold set.
ADDRESS_W_COVERAGE = 0.1  # balanced accuracy 0.875 on 60 gold (question, source) pairs
ADDRESS_THRESHOLD = 0.522
CHUNKS_PER_SOURCE = 2


def is_comparative(question: str) -> bool:
    """True for questions that ask how several sources treat a topic."""
    return bool(_COMPARATIVE.search(question))


def topic_of(question: str) -> str:
    """The topic of a comparative question: the question minus its comparative framing."""
    text = question.strip().rstrip("?.! ").strip()
    for pattern in _FRAMING:
        stripped = re.sub(pattern, "", text, count=1, flags=re.IGNORECASE).strip(" ,:")
        if stripped != text and stripped:
            text = stripped
            break
    text = re.sub(_TRAILING, "", text, flags=re.IGNORECASE).strip(" ,:")
    return text or question


@dataclass(frozen=True)
class SourceFinding:
    source_id: str
    title: str | None
    outlet: str | None
    published: str | None
    notes: str | None
    addresses: bool
    score: float
    ranked: list[Sentence]
    passages: list[Passage]


def _own_coverage(retrieval: Retrieval, sentence: Sentence) -> float:
    return retrieval.index.coverage(terms(retrieval.question), set(terms(sentence.text)))


def find_per_source(
    retriever: Retriever, topic: str, sources: Sequence[str] | None = None
) -> list[SourceFinding]:
    """Rank each source's sentences on the topic and decide whether it addresses it."""
    passages, vector, index = retriever.score_all(topic, sources)
    by_source: dict[str, list[Passage]] = {}
    for p in passages:  # best first, so each source keeps its best chunks
        kept = by_source.setdefault(p.chunk.source_id, [])
        if len(kept) < CHUNKS_PER_SOURCE:
            kept.append(p)
    infos = retriever.sources()
    findings: list[SourceFinding] = []
    for source_id in sorted(by_source):
        retrieval = Retrieval(
            question=topic, passages=by_source[source_id], query_vector=vector, index=index
        )
        ranked = rank_sentences(retrieval, retriever.sentence_vectors)
        best = max(
            (
                ADDRESS_W_COVERAGE * _own_coverage(retrieval, s)
                + (1 - ADDRESS_W_COVERAGE) * s.dense
                for s in ranked[:5]
            ),
            default=0.0,
        )
        info = infos.get(source_id)
        findings.append(
            SourceFinding(
                source_id=source_id,
                title=info.title if info else None,
                outlet=info.outlet if info else None,
                published=info.published if info else None,
                notes=info.notes if info else None,
                addresses=best >= ADDRESS_THRESHOLD,
                score=round(best, 4),
                ranked=ranked,
                passages=by_source[source_id],
            )
        )
    return findings


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


_YES_NO = re.compile(r"^(?:was|were|is|are|did|does|do|has|have|had|will|would|can|could)\b", re.I)


def topic_label(topic: str) -> str:
    """How a sentence names the topic: yes/no topics are quoted as a question."""
    return f"the question “{topic}?”" if _YES_NO.match(topic) else topic


def shift_markers(text: str, offset: int) -> str:
    """Renumber [n] markers to [n + offset] ("[1, 2]" becomes "[4][5]" for offset 3)."""

    def shifted(match: re.Match[str]) -> str:
        return "".join(f"[{int(n) + offset}]" for n in match.group(1).split(","))

    return MARKER.sub(shifted, text)


def label(f: SourceFinding | Citation) -> str:
    return f.outlet or f.title or f.source_id


class Comparer:
    """Builds the per-source entries, the synthesis and the answer text of compare mode."""

    def __init__(self, retriever: Retriever, generator: ChatGenerator | None, per_source: int = 3):
        self._retriever = retriever
        self._llm = generator
        self._per_source = per_source

    def _llm_summary(self, topic: str, f: SourceFinding, evidence: list[Sentence]) -> str | None:
        assert self._llm is not None
        text = "".join(self._llm.stream_compare(topic, label(f), evidence))
        checked = validate(text, evidence)
        if not checked.citations or any(not c.citations for c in checked.claims):
            return None  # an uncited sentence: use the source's own sentences instead
        return text.strip()

    def run(
        self, question: str, sources: Sequence[str] | None = None
    ) -> Iterator[tuple[str, object]]:
        """Yields ("delta", text) pieces, then ("result", CompareResult)."""
        topic = topic_of(question)
        findings = find_per_source(self._retriever, topic, sources)
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

        synthesis = self._synthesis(topic, findings, chosen, evidence)
        checked = validate(synthesis, evidence)
        claims.extend(c for c in checked.claims if c.citations)
        yield "delta", "\n" + synthesis
        text = "\n".join(lines) + "\n\n" + synthesis
        cited = set(markers(text))
        citations = [to_citation(n, s) for n, s in enumerate(evidence, start=1) if n in cited]
        yield (
            "result",
            CompareResult(
                topic=topic,
                entries=entries,
                synthesis=synthesis,
                citations=citations,
                claims=claims,
                text=text,
            ),
        )

    def _synthesis(
        self,
        topic: str,
        findings: list[SourceFinding],
        chosen: dict[str, list[Sentence]],
        evidence: list[Sentence],
    ) -> str:
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


def _entry(f: SourceFinding, summary: str, citations: list[int] | None = None) -> SourceEntry:
    """A per-source entry; with no citations it records that the source is silent."""
    return SourceEntry(
        source_id=f.source_id,
        title=f.title,
        outlet=f.outlet,
        published=f.published,
        addresses_topic=citations is not None,
        summary=summary,
        citations=citations or [],
    )


def _sequence(a: SourceFinding, b: SourceFinding) -> str:
    """Explain a disagreement by dates or metadata notes, when there are any."""
    if a.published and b.published and a.published != b.published:
        first, second = sorted((a, b), key=lambda f: str(f.published))
        return (
            f"{label(first)} was published {first.published}, before {label(second)} "
            f"({second.published}), so the later report may reflect newer events."
        )
    notes = [f"{label(f)}: {f.notes}" for f in (a, b) if f.notes and _SEQUENCE_CUE.search(f.notes)]
    if notes:
        return "Context from the articles' metadata (" + "; ".join(notes) + ")."
    return ""


@dataclass
class CompareResult:
    topic: str
    entries: list[SourceEntry]
    synthesis: str
    citations: list[Citation]
    claims: list[Claim]
    text: str
