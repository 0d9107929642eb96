"""What a question may be limited to: sources (or all but some), outlets, a date range, and
the window the question itself names. One value object, translated for both sides of
retrieval: a Chroma `where` and an SQL condition.

`since`/`until` are the asker's filter: undated articles fall outside it. `window` keeps
undated articles in, since nothing places them outside it (an `as_of` day: nothing after
it). `prefer` is not a filter at all: the window a question names ("this week"), whose
articles retrieval ranks higher (rag/retrieval/retriever.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

EPOCH = date(1970, 1, 1)
UNDATED = -1_000_000  # the day number Chroma stores for an article without a date


def day_number(day: date) -> int:
    """Days since 1970-01-01: how dates are stored and compared."""
    return (day - EPOCH).days


@dataclass(frozen=True)
class Filters:
    sources: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # every source but these
    outlets: tuple[str, ...] = ()
    since: date | None = None  # inclusive
    until: date | None = None  # inclusive
    window: tuple[date, date] | None = None  # inclusive; undated articles pass
    prefer: tuple[date, date] | None = None  # inclusive; ranked higher, not required

    @classmethod
    def of(
        cls,
        sources: Sequence[str] | None = None,
        outlets: Sequence[str] | None = None,
        since: date | None = None,
        until: date | None = None,
        exclude: Sequence[str] | None = None,
    ) -> Filters:
        return cls(
            sources=tuple(dict.fromkeys(sources or ())),
            exclude=tuple(dict.fromkeys(exclude or ())),
            outlets=tuple(dict.fromkeys(outlets or ())),
            since=since,
            until=until,
        )

    def with_sources(self, sources: Sequence[str]) -> Filters:
        return replace(self, sources=tuple(sources))

    def with_outlets(self, outlets: Sequence[str]) -> Filters:
        return replace(self, outlets=tuple(outlets))

    def within(self, start: date, end: date) -> Filters:
        return replace(self, window=(start, end))

    def preferring(self, start: date, end: date) -> Filters:
        return replace(self, prefer=(start, end))

    def preferred(self) -> Filters | None:
        """The filter that keeps only the preferred window (None without one)."""
        if self.prefer is None:
            return None
        start, end = self.prefer
        if self.window is not None:
            start, end = max(start, self.window[0]), min(end, self.window[1])
        return replace(self, window=(start, end), prefer=None)

    def is_preferred(self, day: date | None) -> bool:
        """Whether an article of this day is in the preferred window (undated: no)."""
        return (
            self.prefer is not None and day is not None and self.prefer[0] <= day <= self.prefer[1]
        )

    def chroma_where(self) -> dict[str, Any] | None:
        """The Chroma metadata filter (None when there is nothing to filter)."""
        parts: list[dict[str, Any]] = []
        if self.sources:
            parts.append(_one_of("source_id", self.sources))
        if self.exclude:
            parts.append({"source_id": {"$nin": list(self.exclude)}})
        if self.outlets:
            parts.append(_one_of("outlet", self.outlets))
        if self.since or self.until:
            parts.append(_days(self.since, self.until))
        if self.window:
            parts.append(_days(*self.window, undated=True))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}

    def sql(self, chunk: str = "c", document: str = "d") -> tuple[str, list[Any]]:
        """An SQL condition over `chunks AS c JOIN documents AS d` ("TRUE" when nothing)."""
        parts: list[str] = []
        params: list[Any] = []
        if self.sources:
            parts.append(f"{chunk}.source_id IN ({','.join('?' * len(self.sources))})")
            params += self.sources
        if self.exclude:
            parts.append(f"{chunk}.source_id NOT IN ({','.join('?' * len(self.exclude))})")
            params += self.exclude
        if self.outlets:
            parts.append(f"{document}.outlet IN ({','.join('?' * len(self.outlets))})")
            params += self.outlets
        if self.since:
            parts.append(f"{document}.published_day >= ?")
            params.append(day_number(self.since))
        if self.until:
            parts.append(f"{document}.published_day <= ?")
            params.append(day_number(self.until))
        if self.window:
            parts.append(
                f"({document}.published_day IS NULL OR {document}.published_day BETWEEN ? AND ?)"
            )
            params += [day_number(d) for d in self.window]
        return (" AND ".join(parts) or "TRUE"), params


LISTED_DAYS = 93  # a date range this short is sent to Chroma as its days: 3x faster than a range


def _days(start: date | None, end: date | None, undated: bool = False) -> dict[str, Any]:
    """Chroma's filter for a range of days (and undated articles, if `undated`)."""
    low = day_number(start) if start else None
    high = day_number(end) if end else None
    if low is not None and high is not None and high - low < LISTED_DAYS:
        days = list(range(low, high + 1)) + ([UNDATED] if undated else [])
        # No day at all (since after until): Chroma refuses `$in: []`; nothing is below UNDATED.
        return {"published_day": {"$in": days} if days else {"$lt": UNDATED}}
    if low is None and not undated:
        low = UNDATED + 1  # `until` alone keeps dated articles only, as SQL's NULL does
    bounds = [
        {"published_day": {op: v}} for op, v in (("$gte", low), ("$lte", high)) if v is not None
    ]
    ranged = bounds[0] if len(bounds) == 1 else {"$and": bounds}
    return {"$or": [{"published_day": UNDATED}, ranged]} if undated else ranged


def _one_of(field: str, values: Sequence[str]) -> dict[str, Any]:
    return {field: values[0]} if len(values) == 1 else {field: {"$in": list(values)}}
