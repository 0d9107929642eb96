"""The Answer JSON: what `rag ask --json` prints and what the API returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Mode = Literal["answer", "refusal", "compare"]
RequestMode = Literal["auto", "answer", "compare"]  # "auto": compare when the question asks to
GroupBy = Literal["auto", "outlet", "article"]  # compare mode: "auto" = by outlet when known


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


class Claim(BaseModel):
    """One sentence of the answer with the citations it carries and how well they support it."""

    text: str
    citations: list[int]
    support: float = Field(ge=0.0, le=1.0)


class SourceRef(BaseModel):
    source_id: str
    title: str | None
    outlet: str | None


class Timings(BaseModel):
    retrieve: float = 0.0
    generate: float = 0.0
    total: float = 0.0


class SourceEntry(BaseModel):
    """Compare mode: what one source says about the topic, or that it says nothing."""

    source_id: str
    title: str | None
    outlet: str | None
    published: str | None = None
    date: str | None = None
    addresses_topic: bool
    summary: str
    citations: list[int] = Field(default_factory=list)


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
    dropped_citations: list[int] = Field(
        default_factory=list, description="Markers in the model's text that matched no evidence."
    )
    fallback: bool = Field(
        False, description="True when an LLM failed to cite and extractive answered."
    )
    rewritten_question: str | None = None
    as_of: str | None = Field(None, description="The day the question was read against.")
    time_window: TimeWindow | None = Field(
        None, description="The period the question named, which the evidence was kept to."
    )
    per_source: list[SourceEntry] | None = None
    synthesis: str | None = None
    retrieved: list[SourceRef] = Field(
        default_factory=list, description="Sources of the retrieved passages, best first."
    )
