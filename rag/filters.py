"""What a question may be limited to: sources, outlets, a date range. One value object,
translated for both sides of retrieval: a Chroma `where` and an SQL condition."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    """Days since 1970-01-01: how dates are stored and compared."""
    return (day - EPOCH).days


@dataclass(frozen=True)
class Filters:
    sources: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    since: date | None = None  # inclusive
    until: date | None = None  # inclusive

    @classmethod
    def of(
        cls,
        sources: Sequence[str] | None = None,
        outlets: Sequence[str] | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> Filters:
        return cls(
            tuple(dict.fromkeys(sources or ())), tuple(dict.fromkeys(outlets or ())), since, until
        )

    @property
    def empty(self) -> bool:
        return not (self.sources or self.outlets or self.since or self.until)

    def with_sources(self, sources: Sequence[str]) -> Filters:
        return Filters(tuple(sources), self.outlets, self.since, self.until)

    def chroma_where(self) -> dict[str, Any] | None:
        """The Chroma metadata filter (None when there is nothing to filter)."""
        parts: list[dict[str, Any]] = []
        if self.sources:
            parts.append(_one_of("source_id", self.sources))
        if self.outlets:
            parts.append(_one_of("outlet", self.outlets))
        if self.since:
            parts.append({"published_day": {"$gte": day_number(self.since)}})
        if self.until:
            parts.append({"published_day": {"$lte": day_number(self.until)}})
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}

    def sql(self, chunk: str = "c", document: str = "d") -> tuple[str, list[Any]]:
        """An SQL condition over `chunks AS c JOIN documents AS d` ("1" when nothing)."""
        parts: list[str] = []
        params: list[Any] = []
        if self.sources:
            parts.append(f"{chunk}.source_id IN ({','.join('?' * len(self.sources))})")
            params += self.sources
        if self.outlets:
            parts.append(f"{document}.outlet IN ({','.join('?' * len(self.outlets))})")
            params += self.outlets
        if self.since:
            parts.append(f"{document}.published_day >= ?")
            params.append(day_number(self.since))
        if self.until:
            parts.append(f"{document}.published_day <= ?")
            params.append(day_number(self.until))
        return (" AND ".join(parts) or "1"), params


def _one_of(field: str, values: Sequence[str]) -> dict[str, Any]:
    return {field: values[0]} if len(values) == 1 else {field: {"$in": list(values)}}
