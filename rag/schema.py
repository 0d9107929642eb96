"""The Answer JSON: what `rag ask --json` prints and what the API returns."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, Field

Mode = Literal["answer", "refusal", "compare"]
RequestMode = Literal["auto", "answer", "compare"]  # "auto": compare when the question asks to
GroupBy = Literal["auto", "outlet", "article"]  # compare mode: "auto" = by outlet when known
Grouping = Literal["outlet", "article"]


class Citation(BaseModel):
    n: int = Field(description="The marker number used in the answer text, as in [n].")
    source_id: str
    title: str | None
    outlet: str | None
    chunk_id: str
    quote: str = Field(description="Exact text of the cited sentence(s) in the cleaned article.")
    start: int = Field(description="Offset of the quote's first character in the cleaned article.")
    end: int = Field(description="Offset just past the quote's last character.")
    published: str | None = Field(None, description="The article's date as its source gave it.")
    date: str | None = Field(None, description="The article's date, ISO 8601 (YYYY-MM-DD).")
    text_sha256: str | None = Field(
        None,
        description="Short sha256 of the article text `start`/`end` index (as GET "
        "/v1/sources/{id}/text gives it): another value there means the article changed.",
    )


class Claim(BaseModel):
    """One sentence of the answer with the citations it carries and how well they support it."""

    text: str
    citations: list[int]
    support: float = Field(ge=0.0, le=1.0)


class RemovedClaim(BaseModel):
    """A sentence of an LLM's answer that its quotes did not back: not shown, and why."""

    text: str
    citations: list[int]
    reason: str


class RecitedClaim(BaseModel):
    """An LLM sentence its own markers did not back, shown citing the quote that does."""

    text: str
    cited: list[int] = Field(description="The markers the model wrote.")
    now: list[int] = Field(description="The markers shown: the quotes that back it.")


class ShortAnswer(BaseModel):
    """The reader's short answer ("417 crowns"): a verbatim span of a cited quote."""

    text: str
    n: int = Field(description="The citation whose quote holds it.")
    start: int = Field(description="Offset of its first character in the cleaned article.")
    end: int = Field(description="Offset just past its last character.")
    score: float = Field(ge=0.0, le=1.0, description="How sure the reader is.")


class SourceRef(BaseModel):
    source_id: str
    title: str | None
    outlet: str | None


class Timings(BaseModel):
    retrieve: float = 0.0
    generate: float = 0.0
    total: float = 0.0

    @classmethod
    def measured(cls, started: float, retrieved: float) -> Timings:
        """Milliseconds from `started` and from `retrieved` (perf_counter times) to now."""
        now = time.perf_counter()
        return cls(
            retrieve=round((retrieved - started) * 1000, 2),
            generate=round((now - retrieved) * 1000, 2),
            total=round((now - started) * 1000, 2),
        )


class ArticleRef(BaseModel):
    """One of an outlet's articles cited in its compare entry."""

    source_id: str
    title: str | None
    published: str | None = None
    date: str | None = Field(None, description="ISO 8601 (YYYY-MM-DD).")
    citations: list[int] = Field(default_factory=list)


class SourceEntry(BaseModel):
    """Compare mode: what one source (an outlet, or an article) says about the topic, or
    that it says nothing."""

    group: Grouping = Field("article", description="What this entry stands for.")
    source_id: str | None = Field(description="The article; None for an outlet's entry.")
    title: str | None
    outlet: str | None
    published: str | None = None
    date: str | None = Field(
        None, description="ISO 8601: the article's date, or an outlet's newest cited article's."
    )
    addresses_topic: bool
    summary: str
    citations: list[int] = Field(default_factory=list)
    articles: list[ArticleRef] = Field(
        default_factory=list, description="An outlet's best articles on the topic, best first."
    )
    articles_in_scope: int | None = Field(
        None, description="How many of the outlet's articles the question could read."
    )


class Side(BaseModel):
    label: str = Field(description="The outlet (or article) that says it.")
    date: str | None = None
    n: int = Field(description="The citation number of the sentence.")
    quote: str


class DisagreementRef(BaseModel):
    """Two sources at odds: one negates what the other states (`term`), both cited."""

    term: str
    sides: list[Side]


class TimeWindow(BaseModel):
    """The period the question spoke of ("this week"), read against `as_of`."""

    phrase: str
    since: str = Field(description="First day, ISO 8601.")
    until: str = Field(description="Last day, ISO 8601.")


class Answer(BaseModel):
    question: str
    answer: str
    mode: Mode
    citations: list[Citation] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    generator: str
    timings_ms: Timings = Field(default_factory=Timings)
    claims: list[Claim] = Field(default_factory=list)
    short_answer: ShortAnswer | None = Field(
        None, description="The reader's short answer, when it is confident; cited as [n]."
    )
    reader: str | None = Field(None, description="The reading model that ranked the evidence.")
    support_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="The support a claim needs: an LLM sentence under it is not shown, and "
        "a claim's `support` is read against it (one number decides both).",
    )
    dropped_citations: list[int] = Field(
        default_factory=list, description="Markers in the model's text that matched no evidence."
    )
    fallback: bool = Field(
        False,
        description="True when the LLM failed, timed out or cited nothing, and the "
        "extractive answer is shown in its place.",
    )
    fallback_reason: str | None = Field(None, description="Why the fallback answered.")
    removed: list[RemovedClaim] = Field(
        default_factory=list, description="LLM sentences not shown: their quotes don't back them."
    )
    recited: list[RecitedClaim] = Field(
        default_factory=list,
        description="LLM sentences that cited the wrong quote, shown citing the one that "
        "backs them.",
    )
    rewritten_question: str | None = None
    as_of: str | None = Field(None, description="The day the question was read against.")
    time_window: TimeWindow | None = Field(
        None, description="The period the question named, which the evidence was kept to."
    )
    per_source: list[SourceEntry] | None = None
    group_by: Grouping | None = Field(None, description="Compare mode: what an entry stands for.")
    synthesis: str | None = None
    disagreements: list[DisagreementRef] = Field(default_factory=list)
    retrieved: list[SourceRef] = Field(
        default_factory=list, description="Sources of the retrieved passages, best first."
    )
