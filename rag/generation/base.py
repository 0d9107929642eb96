"""What every generator offers: pick its numbered evidence, then stream answer text."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Protocol

from rag.retrieval.evidence import Sentence
from rag.retrieval.retriever import Retrieval

REFUSAL = "The sources don't cover this question."


class Summarizer(Protocol):
    def stream_compare(
        self, topic: str, source: str, evidence: Sequence[Sentence]
    ) -> Iterator[str]:
        """A short cited summary of what one source says about `topic` (compare mode)."""
        ...


class Generator(Protocol):
    name: str

    @property
    def verbatim(self) -> bool:
        """Whether its answer is the evidence's own sentences: nothing to judge, nothing to
        fall back from. Otherwise each sentence is released once its quotes back it."""
        ...

    @property
    def summarizer(self) -> Summarizer | None:
        """What writes compare mode's per-source summaries (None: their own sentences)."""
        ...

    def evidence(self, ranked: Sequence[Sentence], retrieval: Retrieval) -> list[Sentence]:
        """The evidence sentences it will cite, in marker order ([1] is the first)."""
        ...

    def stream(
        self, question: str, evidence: Sequence[Sentence], strict: bool = False
    ) -> Iterator[str]:
        """Answer text with [n] markers, piece by piece."""
        ...


_REFUSAL = re.compile(r"\bsources\b(?: from [^.]{1,80}?)? (?:don't|do not) cover\b")


def refusal(window: str | None = None) -> str:
    """The refusal text, naming the period searched when the question named one."""
    return f"The sources from {window} don't cover this question." if window else REFUSAL


def is_refusal(text: str) -> bool:
    """True when an answer says the sources don't cover the question."""
    flat = " ".join(text.lower().replace("’", "'").split())
    return bool(_REFUSAL.search(flat))


def format_evidence(evidence: Sequence[Sentence]) -> str:
    """Numbered evidence lines for an LLM prompt, under a line naming where they come from.

    Consecutive sentences from one outlet share its line ("From Reuters:"): the origin is
    read once, not once per sentence, which keeps a local model's prompt short.
    """
    lines: list[str] = []
    origin_now: str | None = None
    for n, sentence in enumerate(evidence, start=1):
        chunk = sentence.chunk
        origin = chunk.outlet or chunk.title or chunk.source_id
        if origin != origin_now:
            lines.append(f"From {origin}:")
            origin_now = origin
        lines.append(f"[{n}] {sentence.text}")
    return "\n".join(lines)
